using Custodian.BrowserTests.Infrastructure;
using Custodian.Testing;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Custodian.BrowserTests.Portal;

/// <summary>The public pages meet WCAG 2.1 AA as far as axe can tell, in both languages.</summary>
public sealed class AccessibilityTests(PortalServerFixture server) : BrowserTest(server), IClassFixture<PortalServerFixture>
{
    [Theory]
    [InlineData("/", "nl")]
    [InlineData("/privacy", "nl")]
    [InlineData("/?lang=en", "en")]
    [InlineData("/privacy?lang=en", "en")]
    public async Task Page_Wcag21AA_HasNoAxeViolations(string path, string language)
    {
        await GotoAsync(path);
        await Expect(Page.Locator("html")).ToHaveAttributeAsync("lang", language);

        await AxeAssert.NoViolationsAsync(Page);
        Assert.Empty(PageErrors);
    }
}
