using System.Security.Cryptography;
using Custodian.Configuration;
using Custodian.Core.Persistence;
using Custodian.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Custodian.Testing;

/// <summary>
/// The real application on a real socket (Kestrel on a free loopback port), started the way <c>custodian serve</c>
/// starts it: settings, register, durability check, migrations, register version, then the web host.
/// </summary>
internal sealed class CustodianServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly DirectoryInfo _dataFolder;
    private readonly bool _ownsDataFolder;

    private CustodianServer(WebApplication app, TestDatabase database, DirectoryInfo dataFolder, bool ownsDataFolder, string output)
    {
        _ownsDataFolder = ownsDataFolder;
        _app = app;
        Database = database;
        _dataFolder = dataFolder;
        StartupOutput = output;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address);
        Client = new HttpClient(new HttpClientHandler { UseCookies = true, AllowAutoRedirect = false }) { BaseAddress = BaseAddress };
    }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public TestDatabase Database { get; }

    public string StartupOutput { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Starts a server on a fresh migrated database of <paramref name="engine"/> (skips or fails like any storage test when
    /// PostgreSQL is missing). A server that migrates an empty database itself: <c>StartAsync(await TestDatabase.CreateEmptyAsync(engine))</c>.
    /// </summary>
    public static async Task<CustodianServer> StartAsync(Engine engine, Action<WebApplicationBuilder>? configure = null) =>
        await StartAsync(await TestDatabase.CreateAsync(engine), configure);

    /// <param name="database">The database to serve.</param>
    /// <param name="configure">Changes to the web host.</param>
    /// <param name="dev">Prepare as <c>serve --dev</c> does (an empty database gets demo data; the output names its keys).</param>
    /// <param name="metricsUrls">Extra listen addresses for the Prometheus scrape (<c>--metrics-urls</c>); null: none.</param>
    /// <param name="dataFolder">The data folder (blobs, keys) when the test chooses it, e.g. on a small tmpfs; null: a temp folder removed at the end.</param>
    /// <param name="adjust">Changes to what <c>serve</c> prepared (settings a test needs, e.g. trusted proxies).</param>
    public static async Task<CustodianServer> StartAsync(
        TestDatabase database,
        Action<WebApplicationBuilder>? configure = null,
        bool dev = false,
        string? metricsUrls = null,
        string? dataFolder = null,
        Func<ServeOptions, ServeOptions>? adjust = null)
    {
        var data = dataFolder is null ? Directory.CreateTempSubdirectory("custodian-server.") : new DirectoryInfo(dataFolder);
        var keyFile = Path.Combine(data.FullName, "master.key");
        await File.WriteAllTextAsync(keyFile, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        var settings = SettingsFor(database.Target, data.FullName, keyFile);

        using var output = new StringWriter();
        using var error = new StringWriter();
        var options = await ServeCommand.PrepareAsync(settings, dev, output, error, TestContext.Current.CancellationToken)
            ?? throw new InvalidOperationException("serve refused to start: " + error);
        // Documentation IP ranges count as public addresses here, so fixtures never need a real person's address.
        // No scheduled retention sweep in the background: tests that want one run it themselves.
        // No API rate limit either (fuzz and bulk tests send bursts with one key); ApiRateLimitTests set one via DI.
        options = options with { Urls = "http://127.0.0.1:0", AllowDocumentationAddresses = true, SweepSchedule = null, MetricsUrls = metricsUrls, ApiRateLimit = null };
        var app = CustodianWebApp.Build(adjust is null ? options : adjust(options), b =>
        {
            b.Logging.ClearProviders();
            configure?.Invoke(b);
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new CustodianServer(app, database, data, dataFolder is null, output.ToString());
    }

    /// <summary>The settings <c>serve</c> would resolve from <c>--db</c>, <c>--data</c> and <c>--master-key-file</c>.</summary>
    internal static CustodianSettings SettingsFor(DatabaseTarget target, string dataFolder, string masterKeyFile) => new()
    {
        DataFolder = dataFolder,
        Database = target.Engine == DatabaseEngine.Sqlite
            ? new SqliteConnectionStringBuilder(target.ConnectionString).DataSource
            : target.ConnectionString,
        RegisterPath = SettingsResolver.ShippedRegisterPath,
        MasterKeyFile = masterKeyFile,
        Sources = new Dictionary<string, SettingSource> { ["db"] = SettingSource.Flag, ["masterKeyFile"] = SettingSource.Flag },
    };

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Database.DisposeAsync();
        if (_ownsDataFolder)
        {
            _dataFolder.Delete(recursive: true);
        }
    }
}
