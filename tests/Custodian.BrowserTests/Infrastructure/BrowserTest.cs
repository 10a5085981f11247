using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Custodian.Testing;
using Microsoft.Playwright;
using Xunit;

namespace Custodian.BrowserTests.Infrastructure;

/// <summary>
/// Base class of a browser test: a fresh browser context and page per test (no cookies from other tests) on the shared
/// Chromium, pointed at the class's server, with explicit timeouts. When the test fails, a full-page screenshot, the
/// page's HTML and the browser console are saved to <c>bin/&lt;cfg&gt;/net10.0/TestResults/browser/</c> and named in
/// the test output. Set <c>CUSTODIAN_TEST_TRACE=1</c> to also save a Playwright trace of failing tests
/// (<c>pwsh bin/Debug/net10.0/playwright.ps1 show-trace file.zip</c>, or trace.playwright.dev offline copy).
/// </summary>
/// <example>
/// <code>
/// public sealed class HomePageTests(PortalServerFixture server) : BrowserTest(server), IClassFixture&lt;PortalServerFixture&gt;
/// {
///     [Fact]
///     public async Task Home_Dutch_HasNoAxeViolations()
///     {
///         await GotoAsync("/");
///         await AxeAssert.NoViolationsAsync(Page);
///     }
/// }
/// </code>
/// </example>
public abstract class BrowserTest : IAsyncLifetime
{
    public const string TraceVariable = "CUSTODIAN_TEST_TRACE";

    /// <summary>Per action (click, fill, locator wait). Pages here answer in milliseconds; 10 s means something hangs.</summary>
    public static readonly TimeSpan ActionTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Per navigation (goto, click that navigates).</summary>
    public static readonly TimeSpan NavigationTimeout = TimeSpan.FromSeconds(15);

    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    private readonly Func<Uri> _baseAddress;
    private readonly List<string> _console = [];
    private readonly List<string> _problems = [];
    private IBrowserContext? _context;
    private IPage? _page;
    private bool _tracing;

    /// <summary>Pages of the class's shared server (SQLite, started once per class).</summary>
    protected BrowserTest(PortalServerFixture server)
        : this(() => server.Server.BaseAddress)
    {
    }

    /// <summary>
    /// Pages of any server, e.g. a <see cref="CustodianServer"/> a class starts itself (PostgreSQL, seeded data); the
    /// address is read when a test starts, so a fixture may start the server after this constructor ran.
    /// </summary>
    private protected BrowserTest(Func<Uri> baseAddress) => _baseAddress = baseAddress;

    /// <summary>The server's address; relative paths in <see cref="GotoAsync"/> and links resolve against it.</summary>
    protected Uri BaseAddress => _baseAddress();

    protected IBrowserContext Context => _context ?? throw new InvalidOperationException("InitializeAsync has not run");

    protected IPage Page => _page ?? throw new InvalidOperationException("InitializeAsync has not run");

    /// <summary>
    /// What went wrong in the page so far: console errors, uncaught script errors, and HTTP answers of 400 and up
    /// (except <c>/favicon.ico</c>, which browsers ask for on their own). Everything the page logged is saved on failure.
    /// </summary>
    protected IReadOnlyList<string> PageErrors => _problems;

    public virtual async ValueTask InitializeAsync()
    {
        var browser = await Chromium.RequireAsync();
        _context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseAddress.ToString(),
            // The product ignores Accept-Language on purpose (Dutch unless ?lang=en); an English browser proves it.
            Locale = "en-GB",
            TimezoneId = "Europe/Amsterdam",
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        _context.SetDefaultTimeout((float)ActionTimeout.TotalMilliseconds);
        _context.SetDefaultNavigationTimeout((float)NavigationTimeout.TotalMilliseconds);
        if (Environment.GetEnvironmentVariable(TraceVariable) == "1")
        {
            await _context.Tracing.StartAsync(new TracingStartOptions { Screenshots = true, Snapshots = true, Sources = false });
            _tracing = true;
        }

        _page = await _context.NewPageAsync();
        _page.Console += (_, message) => Log($"console.{message.Type}: {message.Text}",
            // Chromium's own "Failed to load resource" line has no URL; the Response handler reports those better.
            problem: message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal));
        _page.PageError += (_, error) => Log($"pageerror: {error}", problem: true);
        _page.Response += (_, response) => Log($"http {response.Status} {response.Request.Method} {response.Url}",
            problem: response.Status >= 400 && new Uri(response.Url).AbsolutePath != "/favicon.ico");
    }

    private void Log(string line, bool problem)
    {
        lock (_console)
        {
            _console.Add(line);
            if (problem)
            {
                _problems.Add(line);
            }
        }
    }

    /// <summary>Opens <paramref name="path"/> (relative to the server) and asserts it answered 200.</summary>
    protected async Task<IResponse> GotoAsync(string path)
    {
        var response = await Page.GotoAsync(path, new PageGotoOptions { WaitUntil = WaitUntilState.Load });
        Assert.NotNull(response);
        Assert.True(response.Ok, $"GET {path} answered {response.Status} {response.StatusText}");
        return response;
    }

    public virtual async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        if (_context is null)
        {
            return;
        }

        try
        {
            if (TestContext.Current.TestState?.Result == TestResult.Failed)
            {
                var saved = await SaveFailureArtifactsAsync();
                saved.ForEach(file => TestContext.Current.TestOutputHelper?.WriteLine($"saved {file}"));
            }
            else if (_tracing)
            {
                await _context.Tracing.StopAsync();
            }
        }
        finally
        {
            await _context.CloseAsync();
        }
    }

    /// <summary>
    /// Saves what the page looks like now and returns the files written. Never throws: evidence of a failure must not
    /// replace the failure itself.
    /// </summary>
    internal async Task<List<string>> SaveFailureArtifactsAsync()
    {
        var output = TestContext.Current.TestOutputHelper;
        var folder = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "TestResults", "browser")).FullName;
        var stem = Path.Combine(folder, FileStem(TestContext.Current.Test?.TestDisplayName ?? GetType().Name));
        var saved = new List<string>();

        async Task TryAsync(string file, Func<Task> save)
        {
            try
            {
                await save();
                saved.Add(file);
            }
            catch (Exception e) when (e is PlaywrightException or TimeoutException or IOException)
            {
                output?.WriteLine($"could not save {file}: {e.Message}");
            }
        }

        if (_page is { IsClosed: false } page && page.Url != "about:blank")
        {
            await TryAsync(stem + ".png", () => page.ScreenshotAsync(new PageScreenshotOptions { Path = stem + ".png", FullPage = true, Timeout = 5_000 }));
            await TryAsync(stem + ".html", async () => await File.WriteAllTextAsync(stem + ".html", await page.ContentAsync(), Utf8NoBom));
            var log = new StringBuilder().AppendLine(CultureInfo.InvariantCulture, $"url: {page.Url}");
            lock (_console)
            {
                _console.ForEach(line => log.AppendLine(line));
            }

            await TryAsync(stem + ".console.txt", () => File.WriteAllTextAsync(stem + ".console.txt", log.ToString(), Utf8NoBom));
        }

        if (_tracing)
        {
            await TryAsync(stem + ".trace.zip", () => Context.Tracing.StopAsync(new TracingStopOptions { Path = stem + ".trace.zip" }));
        }

        return saved;
    }

    /// <summary>
    /// A file name from a test's display name: without this assembly's namespace, only letters, digits, '-', '_' and
    /// '.', at most 120 characters. A longer name keeps its start and gets a hash of the whole, so two rows of one
    /// theory never overwrite each other's files.
    /// </summary>
    internal static string FileStem(string displayName)
    {
        const string Namespace = "Custodian.BrowserTests.";
        var name = displayName.StartsWith(Namespace, StringComparison.Ordinal) ? displayName[Namespace.Length..] : displayName;
        var stem = new string(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray()).Trim('_');
        if (stem.Length <= 120)
        {
            return stem;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(displayName)))[..8];
        return stem[..111] + "-" + hash;
    }
}
