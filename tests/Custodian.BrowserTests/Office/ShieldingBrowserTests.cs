using Custodian.BrowserTests.Infrastructure;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Shielding;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Custodian.BrowserTests.Office;

/// <summary>The back office's shielded-numbers page in a real browser: a support agent shields a subscriber's number at their request.</summary>
public sealed class ShieldingBrowserTests(OfficeServerFixture fixture) : OfficeBrowserTest(fixture), IClassFixture<OfficeServerFixture>
{
    private const string Number = "+31883082699";

    [Fact]
    public async Task ShieldingPage_SupportAgentShieldsANumber_ItIsListedAsRunning()
    {
        await LogInAsync(StaffRoles.SupportAgent);
        await Page.GetByRole(AriaRole.Link, new() { Name = "Afgeschermde nummers" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Afgeschermde nummers");
        await AxeAssert.NoViolationsAsync(Page);

        await Page.GetByLabel("Telefoonnummer", new() { Exact = true }).FillAsync("088 308 2699");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Afschermen" }).ClickAsync();

        var table = Page.GetByTestId("shielded-numbers");
        await Expect(table).ToContainTextAsync(NumberMasking.Display(Number));
        await AxeAssert.NoViolationsAsync(Page);
    }
}
