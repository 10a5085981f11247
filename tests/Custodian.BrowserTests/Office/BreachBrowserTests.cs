using Custodian.BrowserTests.Infrastructure;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Breaches;
using Custodian.Core.Features.Tenancy;
using Microsoft.Playwright;
using NodaTime;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Custodian.BrowserTests.Office;

/// <summary>The breach clocks on the dashboard and the breach page in a real browser (axe on the breach page).</summary>
public sealed class BreachBrowserTests(OfficeServerFixture fixture) : OfficeBrowserTest(fixture), IClassFixture<OfficeServerFixture>
{
    [Fact]
    public async Task DashboardAndBreachPage_OpenBreachPastTelecomClock_ShowOverdueAndTimeLeft()
    {
        var now = Instant.FromDateTimeOffset(TimeProvider.System.GetUtcNow());
        var breach = new Breach
        {
            Reference = "BR-1999-0042",
            Title = "Misdirected invoice batch (test)",
            DetectedAt = now - Duration.FromHours(30),
            AwareAt = now - Duration.FromHours(2),
            Nature = "Invoices mailed to the wrong addresses.",
            Categories = ["general.billing_name"],
            ContactPoint = "DPO, privacy@allbest.example",
            OrganizationIds = [Fixture.ClientOrganization],
            RecordedAt = now,
        };
        await using (var db = Fixture.Server.Database.CreateContext())
        {
            db.ScopeTo(TenantScope.Everything);
            db.Set<Breach>().Add(breach);
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        await LogInAsync(StaffRoles.PrivacyOfficer);
        await Page.GetByRole(AriaRole.Link, new() { Name = "Dashboard" }).ClickAsync();
        var row = Page.GetByTestId("breach-BR-1999-0042");
        await Expect(row).ToContainTextAsync("te laat: 6 h");
        await Expect(row).ToContainTextAsync("nog 2 d 21 h");

        await row.GetByRole(AriaRole.Link, new() { Name = "BR-1999-0042" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("Datalek BR-1999-0042");
        await Expect(Page.GetByTestId("clock-Telecom24h")).ToHaveClassAsync("overdue");
        await Expect(Page.GetByTestId("breach-controllers")).ToContainTextAsync("Client A");
        await AxeAssert.NoViolationsAsync(Page);
    }
}
