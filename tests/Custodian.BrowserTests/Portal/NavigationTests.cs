using Custodian.BrowserTests.Infrastructure;
using Custodian.Testing;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Custodian.BrowserTests.Portal;

/// <summary>Moving around the portal with a keyboard and between the two languages.</summary>
public sealed class NavigationTests(PortalServerFixture server) : BrowserTest(server), IClassFixture<PortalServerFixture>
{
    [Theory]
    [InlineData("/")]
    [InlineData("/privacy")]
    public async Task Tab_FirstPress_FocusesTheSkipLinkWhichMovesFocusToMain(string path)
    {
        await GotoAsync(path);

        await Page.Keyboard.PressAsync("Tab");
        var skip = Page.GetByRole(AriaRole.Link, new() { Name = "Naar de inhoud" });
        await Expect(skip).ToBeFocusedAsync();
        await Expect(skip).ToBeInViewportAsync();   // visible once focused, not only there for screen readers
        await Page.Keyboard.PressAsync("Enter");

        await Expect(Page.GetByRole(AriaRole.Main)).ToBeFocusedAsync();
    }

    [Fact]
    public async Task SkipLink_Activated_NextTabStaysInTheContent()
    {
        await GotoAsync("/");
        await Page.Keyboard.PressAsync("Tab");
        await Page.Keyboard.PressAsync("Enter");

        await Page.Keyboard.PressAsync("Tab");

        await Expect(Page.GetByRole(AriaRole.Main).GetByRole(AriaRole.Link, new() { Name = "Lees de privacyverklaring" }))
            .ToBeFocusedAsync();
    }

    [Fact]
    public async Task LanguageSwitch_OnPrivacy_ShowsEnglishAndTheHomeLinkStaysEnglish()
    {
        await GotoAsync("/privacy");
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Privacyverklaring");

        await Page.GetByRole(AriaRole.Link, new() { Name = "English" }).ClickAsync();

        await Expect(Page).ToHaveURLAsync(new Uri(BaseAddress, "/privacy?lang=en").ToString());
        await Expect(Page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Privacy statement");
        await Expect(Page.GetByRole(AriaRole.Table)).ToContainTextAsync("Retention periods");

        await Page.GetByRole(AriaRole.Navigation, new() { Name = "Main menu" }).GetByRole(AriaRole.Link, new() { Name = "Home", Exact = true }).ClickAsync();

        await Expect(Page).ToHaveURLAsync(new Uri(BaseAddress, "/").ToString());
        await Expect(Page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("Privacy at ");
        await Expect(Page.GetByRole(AriaRole.Link, new() { Name = "Nederlands" })).ToHaveAttributeAsync("hreflang", "nl");
    }
}
