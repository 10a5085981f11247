using Custodian.BrowserTests.Infrastructure;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Tenancy;
using Microsoft.Playwright;
using NodaTime;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Custodian.BrowserTests.Office;

/// <summary>
/// The dashboard, retention and audit pages in a real browser: axe on each (with data in the tables), a language
/// switch, and verifying the audit chain by clicking the button.
/// </summary>
public sealed class DashboardRetentionAuditBrowserTests(OfficeServerFixture fixture) : OfficeBrowserTest(fixture), IClassFixture<OfficeServerFixture>
{
    /// <summary>A completed sweep and a hold of the fixture's organisation, so tables render rows (extra rows from other tests do no harm).</summary>
    private async Task SeedAsync()
    {
        await using var db = Fixture.Server.Database.CreateContext();
        db.ScopeTo(TenantScope.Everything);
        var now = Instant.FromDateTimeOffset(TimeProvider.System.GetUtcNow());
        var sweep = new RetentionSweepRun { Cutoff = now - Duration.FromHours(2), StartedAt = now - Duration.FromHours(2), FinishedAt = now - Duration.FromHours(1), State = RetentionSweepRun.Completed };
        sweep.Count(RetentionTargets.ContactPerson, Fixture.ClientOrganization, 12, Duration.FromMinutes(90));
        db.Set<RetentionSweepRun>().Add(sweep);
        db.LegalHolds.Add(new LegalHold
        {
            Basis = HoldBasis.LegalClaims,
            Reason = "Geschil over een factuur",
            OrganizationId = Fixture.ClientOrganization,
            Categories = [RetentionTargets.ContactPerson],
            StartsAt = now - Duration.FromDays(1),
            EndsAt = now + Duration.FromDays(60),
            PlacedAt = now - Duration.FromDays(1),
            PlacedByKind = AuditActorKind.Cli,
            PlacedById = "cli:test",
        });
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task DashboardRetentionAndAuditPages_AsPrivacyOfficer_HaveNoAxeViolations()
    {
        await SeedAsync();
        await LogInAsync(StaffRoles.PrivacyOfficer);

        await Page.GetByRole(AriaRole.Link, new() { Name = "Dashboard" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Dashboard");
        await Expect(Page.GetByRole(AriaRole.Img, new() { Name = "Gegevens per categorie en leeftijd" })).ToBeVisibleAsync();
        await AxeAssert.NoViolationsAsync(Page);

        await Page.GetByRole(AriaRole.Link, new() { Name = "Bewaartermijnen" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Bewaartermijnen");
        await AxeAssert.NoViolationsAsync(Page);
        await Page.GetByTestId("receipts").GetByRole(AriaRole.Link).First.ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Verwijderbewijs");
        await AxeAssert.NoViolationsAsync(Page);

        await GotoAsync("/office/retention/holds");
        await Expect(Page.GetByTestId("holds")).ToContainTextAsync("Geschil over een factuur");
        await AxeAssert.NoViolationsAsync(Page);
        await Page.GetByTestId("holds").GetByRole(AriaRole.Link).First.ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Bewaarplicht (hold)");
        await Expect(Page.GetByLabel("Reden van opheffing")).ToBeVisibleAsync();
        await AxeAssert.NoViolationsAsync(Page);

        await Page.GetByRole(AriaRole.Link, new() { Name = "Audittrail" }).ClickAsync();
        await Page.GetByLabel("Actie", new() { Exact = true }).FillAsync("staff.login_succeeded");
        await Page.Keyboard.PressAsync("Enter");
        await Expect(Page.GetByTestId("audit-events")).ToContainTextAsync("staff.login_succeeded");
        await AxeAssert.NoViolationsAsync(Page);
        await Page.GetByTestId("audit-events").GetByRole(AriaRole.Link).First.ClickAsync();
        await Expect(Page.GetByTestId("audit-entry")).ToContainTextAsync("staff.login_succeeded");
        await AxeAssert.NoViolationsAsync(Page);
        Assert.Empty(PageErrors);
    }

    [Fact]
    public async Task Dashboard_AsClientContact_SwitchesToEnglish()
    {
        await SeedAsync();
        await LogInAsync(StaffRoles.ClientPrivacyContact);
        await GotoAsync("/office/dashboard");
        await Expect(Page.GetByText("U ziet alleen de cijfers van uw eigen organisatie.")).ToBeVisibleAsync();

        await Page.GetByRole(AriaRole.Link, new() { Name = "English" }).ClickAsync();

        await Expect(Page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Records per category and age" })).ToBeVisibleAsync();
        await Expect(Page.GetByText("You see your own organisation's figures only.")).ToBeVisibleAsync();
        await AxeAssert.NoViolationsAsync(Page);
        await Page.GetByRole(AriaRole.Link, new() { Name = "Nederlands" }).ClickAsync();
        await Expect(Page.Locator("html")).ToHaveAttributeAsync("lang", "nl");
    }

    [Fact]
    public async Task AuditVerify_ClickingTheButton_ShowsAnIntactChain()
    {
        await LogInAsync(StaffRoles.Auditor);
        await GotoAsync("/office/audit");
        await Page.GetByRole(AriaRole.Link, new() { Name = "De keten controleren of een checkpoint exporteren" }).ClickAsync();
        await AxeAssert.NoViolationsAsync(Page);

        await Page.GetByRole(AriaRole.Button, new() { Name = "De keten controleren" }).ClickAsync();

        await Expect(Page.GetByRole(AriaRole.Status)).ToContainTextAsync("De keten is in orde");
        await AxeAssert.NoViolationsAsync(Page);
        Assert.Empty(PageErrors);
    }
}
