using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Custodian.Core.Persistence;
using Custodian.Testing;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Custodian.IntegrationTests.Host;

/// <summary><c>serve</c> against each engine: start-up checks, migrations, register version, readiness.</summary>
public sealed class ServeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task Serve_FreshDatabase_MigratesRecordsRegisterAndIsReady(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(await TestDatabase.CreateEmptyAsync(engine));

        Assert.Contains("Migrations applied:", server.StartupOutput, StringComparison.Ordinal);
        using var response = await server.Client.GetAsync(new Uri("/health", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var health = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("ready", health.GetProperty("status").GetString());
        Assert.Equal(engine == Engine.Sqlite ? "sqlite" : "postgresql", health.GetProperty("database").GetProperty("engine").GetString());
        Assert.Equal("applied", health.GetProperty("migrations").GetProperty("status").GetString());
        Assert.Equal("valid", health.GetProperty("register").GetProperty("status").GetString());

        await using var context = server.Database.CreateContext();
        var version = await RegisterVersions.LatestAsync(context, Ct);
        Assert.NotNull(version);
        Assert.Equal(health.GetProperty("register").GetProperty("sha256").GetString(), version.Sha256);
        Assert.Equal(new NodaTime.LocalDate(2019, 5, 25), version.LastUpdated);
    }

    [Theory, AllEngines]
    public async Task Serve_SecondStartOnSameDatabase_AppliesNothingAndKeepsOneRegisterVersion(Engine engine)
    {
        await using var database = await TestDatabase.CreateEmptyAsync(engine);
        var settingsData = Directory.CreateTempSubdirectory("custodian-restart.");
        try
        {
            var key = Path.Combine(settingsData.FullName, "master.key");
            await File.WriteAllTextAsync(key, Convert.ToBase64String(new byte[32]), Ct);
            var settings = CustodianServer.SettingsFor(database.Target, settingsData.FullName, key);

            foreach (var expected in new[] { "Migrations applied:", "Migrations: up to date" })
            {
                using var output = new StringWriter();
                using var error = new StringWriter();
                var options = await Custodian.Hosting.ServeCommand.PrepareAsync(settings, dev: false, output, error, Ct);
                Assert.True(options is not null, error.ToString());
                Assert.Contains(expected, output.ToString(), StringComparison.Ordinal);
                Assert.Contains("warning serve.no_smtp", error.ToString(), StringComparison.Ordinal); // no SMTP host in these settings
                Assert.Contains("warning serve.no_sms_gateway", error.ToString(), StringComparison.Ordinal); // nor an SMS gateway
            }

            await using var context = database.CreateContext();
            Assert.Equal(1, await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(context.RegisterVersions, Ct));
        }
        finally
        {
            settingsData.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Serve_PostgresWithSynchronousCommitOff_RefusesToStart()
    {
        await using var database = await TestDatabase.CreateEmptyAsync(Engine.Postgres);
        var unsafeTarget = database.Target with { ConnectionString = database.Target.ConnectionString + ";Options=-c synchronous_commit=off" };
        var data = Directory.CreateTempSubdirectory("custodian-unsafe.");
        try
        {
            var key = Path.Combine(data.FullName, "master.key");
            await File.WriteAllTextAsync(key, Convert.ToBase64String(new byte[32]), Ct);
            using var output = new StringWriter();
            using var error = new StringWriter();

            var options = await Custodian.Hosting.ServeCommand.PrepareAsync(
                CustodianServer.SettingsFor(unsafeTarget, data.FullName, key), dev: false, output, error, Ct);

            Assert.Null(options);
            Assert.Contains("db.unsafe_durability", error.ToString(), StringComparison.Ordinal);
            Assert.Contains("synchronous_commit", error.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Serve_InvalidRegister_RefusesToStartWithTheDiagnostics()
    {
        await using var database = await TestDatabase.CreateEmptyAsync(Engine.Sqlite);
        var data = Directory.CreateTempSubdirectory("custodian-badreg.");
        try
        {
            var register = Path.Combine(data.FullName, "register.yaml");
            await File.WriteAllTextAsync(register, "statement: [unclosed\n", Ct);
            var key = Path.Combine(data.FullName, "master.key");
            await File.WriteAllTextAsync(key, Convert.ToBase64String(new byte[32]), Ct);
            var settings = CustodianServer.SettingsFor(database.Target, data.FullName, key) with { RegisterPath = register };
            using var output = new StringWriter();
            using var error = new StringWriter();

            var options = await Custodian.Hosting.ServeCommand.PrepareAsync(settings, dev: false, output, error, Ct);

            Assert.Null(options);
            Assert.Contains($"{register}:", error.ToString(), StringComparison.Ordinal);
            Assert.Contains("serve.invalid_register", error.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            data.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task ServeDev_EmptyDataFolder_CreatesSqliteDatabaseAndMasterKey()
    {
        var data = Directory.CreateTempSubdirectory("custodian-dev.");
        try
        {
            var settings = new Custodian.Configuration.CustodianSettings
            {
                DataFolder = data.FullName,
                RegisterPath = Custodian.Configuration.SettingsResolver.ShippedRegisterPath,
                Sources = new Dictionary<string, Custodian.Configuration.SettingSource>(),
            };
            using var output = new StringWriter();
            using var error = new StringWriter();

            var options = await Custodian.Hosting.ServeCommand.PrepareAsync(settings, dev: true, output, error, Ct);

            Assert.True(options is not null, error.ToString());
            Assert.True(File.Exists(Path.Combine(data.FullName, "custodian.db")));
            var key = Path.Combine(data.FullName, "secrets", "master.key");
            Assert.True(File.Exists(key));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            data.Delete(recursive: true);
        }
    }
}
