using Custodian.BrowserTests.Infrastructure;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Consent;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Features.Tenancy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Custodian.BrowserTests.Office;

/// <summary>The back office's consent page in a real browser: a support agent withdraws a consent given in the app, on the person's behalf.</summary>
public sealed class ConsentBrowserTests(OfficeServerFixture fixture) : OfficeBrowserTest(fixture), IClassFixture<OfficeServerFixture>
{
    private const string Phone = "+31640000777";

    [Fact]
    public async Task ConsentPage_SupportAgentWithdrawsAnAppConsent_TheCheckSeesItAtOnce()
    {
        var ledger = Fixture.Server.Services.GetRequiredService<ConsentLedger>();
        var caller = new StoreCaller(new AuditActor(AuditActorKind.Cli, "cli:test"), TenantScope.Everything);
        await using (var db = Fixture.Server.Database.CreateContext())
        {
            var given = await ledger.GiveAsync(db, caller, new ConsentGiveInput(Phone, "phone", ConsentPurposes.AppUsageInsights, "browser-1", "Verbruiksoverzicht in de app?", ConsentChannels.App), TestContext.Current.CancellationToken);
            Assert.True(given.IsSuccess, given.Error?.ToString());
        }

        await LogInAsync(StaffRoles.SupportAgent);
        await Page.GetByRole(AriaRole.Link, new() { Name = "Toestemming" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Toestemming");
        await Page.GetByLabel("Identificatie", new() { Exact = true }).FillAsync(Phone);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Toestemmingen tonen" }).ClickAsync();
        await Expect(Page.GetByTestId("consent-state")).ToHaveTextAsync("Geldt");
        await AxeAssert.NoViolationsAsync(Page);

        await Page.GetByTestId("withdraw-" + ConsentPurposes.AppUsageInsights).ClickAsync();
        await Expect(Page.GetByTestId("consent-done")).ToBeVisibleAsync();
        await Expect(Page.GetByTestId("consent-state")).ToContainTextAsync("Ingetrokken op");

        await using var check = Fixture.Server.Database.CreateContext();
        var status = await ConsentLedger.CheckAsync(check, new SubjectKey(SubjectIdentifierKind.Phone, Phone), ConsentPurposes.AppUsageInsights, TestContext.Current.CancellationToken);
        Assert.False(status.Given);
    }
}
