using System.Globalization;
using Custodian.BrowserTests.Infrastructure;
using Custodian.Core.Features.Accounts;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Custodian.BrowserTests.Office;

/// <summary>The disclosure officer registers an order through the form and sees the hold it placed.</summary>
public sealed class DisclosureBrowserTests(OfficeServerFixture fixture) : OfficeBrowserTest(fixture), IClassFixture<OfficeServerFixture>
{
    [Fact]
    public async Task DisclosureOfficer_RegistersAnOrder_SeesItsHold()
    {
        await LogInAsync(StaffRoles.LawfulDisclosureOfficer);
        await Page.GetByRole(AriaRole.Link, new() { Name = "Vorderingen" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Vorderingen van autoriteiten");
        await Page.GetByTestId("new-order").ClickAsync();

        var today = TimeProvider.System.GetUtcNow();
        await Page.GetByLabel("Kenmerk van de vordering").FillAsync("OM-BROWSER-0001");
        await Page.GetByLabel("Soort en grondslag").SelectOptionAsync("user_data_126na");
        await Page.GetByLabel("Uitgevaardigd door").SelectOptionAsync("investigating_officer");
        await Page.GetByLabel("Periode vanaf").FillAsync(today.AddDays(-10).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        await Page.GetByLabel("Periode tot en met").FillAsync(today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        await Page.Locator("input[name=Categories][value='general.contact_person']").CheckAsync();
        await Page.GetByLabel("Doelkenmerken (één per regel)").FillAsync("020 123 9999");
        await AxeAssert.NoViolationsAsync(Page);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Registreren" }).ClickAsync();

        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Vordering OM-BROWSER-0001");
        await Expect(Page.GetByTestId("done")).ToBeVisibleAsync();
        await AxeAssert.NoViolationsAsync(Page);
        await Page.GetByTestId("order-hold").GetByRole(AriaRole.Link).ClickAsync();
        await Expect(Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/office/retention/holds/[0-9a-f-]{36}$"));
        await Expect(Page.GetByText("OM-BROWSER-0001")).ToBeVisibleAsync();
    }
}
