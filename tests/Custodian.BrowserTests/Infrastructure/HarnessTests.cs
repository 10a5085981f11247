using System.Globalization;
using Custodian.Testing;
using Xunit;

namespace Custodian.BrowserTests.Infrastructure;

/// <summary>The browser harness checks itself: axe reports what it must, failure evidence is written, timings are known.</summary>
public sealed class HarnessTests(PortalServerFixture server) : BrowserTest(server), IClassFixture<PortalServerFixture>
{
    [Fact]
    public async Task NoViolationsAsync_PlantedViolations_FailsListingIdImpactHelpAndTarget()
    {
        await Page.SetContentAsync("""
            <!doctype html><html lang="nl"><head><title>Proef</title></head>
            <body><main><h1>Proef</h1><img id="zonder-alt" src="data:,"><input id="zonder-label"></main></body></html>
            """);

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => AxeAssert.NoViolationsAsync(Page));

        Assert.Contains("- image-alt (critical): Images must have alternative text", failure.Message, StringComparison.Ordinal);
        Assert.Contains("#zonder-alt", failure.Message, StringComparison.Ordinal);
        Assert.Contains("- label (critical):", failure.Message, StringComparison.Ordinal);
        Assert.Contains("#zonder-label", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SaveFailureArtifactsAsync_OpenPage_WritesScreenshotHtmlAndConsole()
    {
        await GotoAsync("/");

        var files = await SaveFailureArtifactsAsync();

        try
        {
            Assert.Equal(3, files.Count);
            Assert.EndsWith("HarnessTests.SaveFailureArtifactsAsync_OpenPage_WritesScreenshotHtmlAndConsole.png", files[0], StringComparison.Ordinal);
            Assert.EndsWith(".html", files[1], StringComparison.Ordinal);
            Assert.EndsWith(".console.txt", files[2], StringComparison.Ordinal);
            Assert.True(new FileInfo(files[0]).Length > 1000);
            Assert.Contains("<main", await File.ReadAllTextAsync(files[1], TestContext.Current.CancellationToken), StringComparison.Ordinal);
            Assert.Contains("http 200 GET " + BaseAddress, await File.ReadAllTextAsync(files[2], TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }
        finally
        {
            files.ForEach(File.Delete);
        }
    }

    [Fact]
    public void FileStem_DisplayNameWithArguments_IsASafeFileName()
    {
        var stem = FileStem("Custodian.BrowserTests.Portal.AccessibilityTests.Page(path: \"/privacy?lang=en\", language: \"en\")");
        var first = FileStem("Custodian.BrowserTests.Portal.NavigationTests." + new string('X', 120) + "(path: \"/\")");
        var second = FileStem("Custodian.BrowserTests.Portal.NavigationTests." + new string('X', 120) + "(path: \"/privacy\")");

        Assert.Equal("Portal.AccessibilityTests.Page_path____privacy_lang_en___language___en", stem);
        Assert.Equal(120, first.Length);
        Assert.NotEqual(first, second);
    }

    /// <summary>Prints driver start and browser launch times (run with <c>--show-live-output on</c> to see them).</summary>
    [Fact]
    public async Task Chromium_Timings_AreReported()
    {
        var browser = await Chromium.RequireAsync();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var newPage = sw.Elapsed;

        var timings = string.Join(", ", Chromium.Timings.Select(t => $"{t.Key}={Ms(t.Value)}"));
        TestContext.Current.TestOutputHelper?.WriteLine($"Chromium {browser.Version} at {Chromium.ExecutablePath}: {timings}, new context+page={Ms(newPage)}");
        Assert.False(page.IsClosed);
    }

    private static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture) + "ms";
}
