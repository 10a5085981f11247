using System.Globalization;
using System.Text;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Xunit;

namespace Custodian.BrowserTests.Infrastructure;

/// <summary>Accessibility assertions with axe-core (the engine is embedded in Deque.AxeCore.Playwright; nothing is fetched).</summary>
internal static class AxeAssert
{
    /// <summary>The standard the portal promises: WCAG 2.1 level A and AA.</summary>
    public static readonly IReadOnlyList<string> Wcag21AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

    /// <summary>
    /// Runs axe on the page as it is now, limited to the rules tagged <paramref name="tags"/> (default
    /// <see cref="Wcag21AA"/>), and fails listing every violation: rule id, impact, help text, help URL and the CSS
    /// target and HTML of each offending node.
    /// </summary>
    public static async Task NoViolationsAsync(IPage page, IReadOnlyList<string>? tags = null)
    {
        var result = await page.RunAxe(new AxeRunOptions
        {
            RunOnly = new RunOnlyOptions { Type = "tag", Values = [.. tags ?? Wcag21AA] },
        });
        // A tag list that matches no rule would pass every page; a real page always passes some rules.
        Assert.True(result.Passes.Length > 0, $"axe ran no rule tagged {string.Join(", ", tags ?? Wcag21AA)} on {page.Url}");

        // "Incomplete" = axe could not decide (e.g. contrast over an image): worth a look, not a failure.
        foreach (var item in result.Incomplete)
        {
            TestContext.Current.TestOutputHelper?.WriteLine($"axe needs review: {item.Id} ({item.Impact}) {item.Help}, {item.Nodes.Length} node(s)");
        }

        if (result.Violations.Length > 0)
        {
            Assert.Fail(Describe(page.Url, result.Violations));
        }
    }

    internal static string Describe(string url, IEnumerable<AxeResultItem> violations)
    {
        var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"axe found accessibility violations on {url}:");
        foreach (var violation in violations)
        {
            text.AppendLine().Append(CultureInfo.InvariantCulture, $"- {violation.Id} ({violation.Impact}): {violation.Help} [{violation.HelpUrl}]");
            foreach (var node in violation.Nodes)
            {
                text.AppendLine().Append(CultureInfo.InvariantCulture, $"    {node.Target}: {Shorten(node.Html)}");
            }
        }

        return text.ToString();
    }

    private static string Shorten(string? html) =>
        html is null ? string.Empty : html.Length <= 200 ? html : html[..200] + "…";
}
