using System.Diagnostics;
using Custodian.Testing;
using Microsoft.Playwright;
using Xunit;

namespace Custodian.BrowserTests.Infrastructure;

/// <summary>Result of looking for Chromium once per test run.</summary>
internal sealed record ChromiumAvailability(IBrowser? Browser, string? SkipReason, string? Failure);

/// <summary>
/// The one headless Chromium of a test run, launched on first use and shared by every browser test (each test gets its
/// own <see cref="IBrowserContext"/>, so cookies and storage never leak between tests). One browser per run rather than
/// per class: a launch costs about a second of a 2-core machine, a new context a few milliseconds.
/// <para>
/// The browser is Debian's (<c>/usr/bin/chromium</c>, or <c>CHROMIUM_PATH</c>) through <c>ExecutablePath</c>, so
/// Playwright never looks for, or tries to download, a browser of its own.
/// </para>
/// Closed by <see cref="ChromiumLifetime"/> when the run ends.
/// </summary>
internal static class Chromium
{
    public const string PathVariable = "CHROMIUM_PATH";
    public const string DefaultPath = "/usr/bin/chromium";

    /// <summary>Launching includes starting Playwright's bundled Node driver; generous because CI shares 2 cores.</summary>
    public static readonly TimeSpan LaunchTimeout = TimeSpan.FromSeconds(60);

    private static readonly Lazy<Task<ChromiumAvailability>> Shared = new(LaunchAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    private static IPlaywright? _playwright;

    /// <summary>Driver start and browser launch times of this run (for the harness's timing test).</summary>
    public static IReadOnlyDictionary<string, TimeSpan> Timings { get; private set; } = new Dictionary<string, TimeSpan>();

    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } path ? path : DefaultPath;

    /// <summary>
    /// Flags for a machine without outside network: nothing phones home (component updates, sync, field trials), no
    /// first-run UI, no GPU. <c>--no-sandbox</c> is added by Playwright only when the sandbox is off, which it is only
    /// for root (Chromium refuses to sandbox as root).
    /// </summary>
    public static readonly IReadOnlyList<string> Flags =
    [
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-gpu",
    ];

    /// <summary>The shared browser, or: skip the test (locally) / fail it (<c>CI=true</c>) with the reason it is missing.</summary>
    public static async Task<IBrowser> RequireAsync()
    {
        var availability = await Shared.Value;
        if (availability.Browser is { } browser)
        {
            return browser;
        }

        if (availability.Failure is { } failure)
        {
            Assert.Fail(failure);
        }

        var reason = $"Chromium not available: {availability.SkipReason}. Install it (apt-get install chromium; ./test.sh does as root) " +
            $"or set {PathVariable} to a Chromium executable.";
        if (TestDatabase.IsCi)
        {
            Assert.Fail(reason + " (CI=true: browser tests must run, not skip.)");
        }

        Assert.Skip(reason);
        throw new UnreachableException();
    }

    public static async ValueTask DisposeSharedAsync()
    {
        if (Shared.IsValueCreated && await Shared.Value is { Browser: { } browser })
        {
            await browser.CloseAsync();
        }

        _playwright?.Dispose();
    }

    private static async Task<ChromiumAvailability> LaunchAsync()
    {
        var path = ExecutablePath;
        if (!File.Exists(path))
        {
            return new ChromiumAvailability(null, $"{path} does not exist", null);
        }

        var timings = new Dictionary<string, TimeSpan>();
        try
        {
            var sw = Stopwatch.StartNew();
            _playwright = await Playwright.CreateAsync();
            timings["driver"] = sw.Elapsed;
            sw.Restart();
            var browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = path,
                Headless = true,
                ChromiumSandbox = !Environment.IsPrivilegedProcess,
                Args = Flags,
                Timeout = (float)LaunchTimeout.TotalMilliseconds,
            });
            timings["launch"] = sw.Elapsed;
            Timings = timings;
            return new ChromiumAvailability(browser, null, null);
        }
        catch (Exception e)
        {
            // The executable exists but does not start: a broken machine, not a missing feature, so it fails even locally.
            return new ChromiumAvailability(null, null, $"Launching {path} failed: {e.Message}");
        }
    }
}

/// <summary>Assembly fixture: closes the shared Chromium (if this run launched it) when all tests are done.</summary>
public sealed class ChromiumLifetime : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Chromium.DisposeSharedAsync();
}
