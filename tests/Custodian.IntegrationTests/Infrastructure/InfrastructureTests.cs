using System.Diagnostics;
using System.Globalization;
using Custodian.Core.Persistence;
using Custodian.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.IntegrationTests.Infrastructure;

/// <summary>The test infrastructure checks itself: isolation, and the timings worth knowing.</summary>
public sealed class InfrastructureTests
{
    [Theory, AllEngines]
    public async Task CreateAsync_TwoDatabases_AreIsolated(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var a = await TestDatabase.CreateAsync(engine);
        await using var b = await TestDatabase.CreateAsync(engine);
        await using (var context = a.CreateContext())
        {
            Assert.True(await JobLeases.TryAcquireAsync(context, "only-in-a", "x", NodaTime.Instant.FromUnixTimeSeconds(2), NodaTime.Instant.FromUnixTimeSeconds(1), ct));
        }

        await using var other = b.CreateContext();
        Assert.Equal(0, await other.JobLeases.CountAsync(ct));
        Assert.NotEqual(a.Target.ConnectionString, b.Target.ConnectionString);
    }

    /// <summary>Prints cluster start-up and per-database costs (run with <c>-showLiveOutput</c> to see them).</summary>
    [Fact]
    public async Task Postgres_Timings_AreReported()
    {
        var server = await TestDatabase.RequirePostgresAsync();
        var lines = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var sw = Stopwatch.StartNew();
            await using var db = await TestDatabase.CreateEmptyAsync(Engine.Postgres);
            var create = sw.Elapsed;
            sw.Restart();
            await using (var scope = db.Services.CreateAsyncScope())
            {
                await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().MigrateAsync(TestContext.Current.CancellationToken);
            }

            var migrate = sw.Elapsed;
            lines.Add($"create database={Ms(create)} (CREATE DATABASE itself {Ms(TestDatabase.LastCreateDatabaseTime)}) migrate={Ms(migrate)}");
        }

        for (var i = 0; i < 3; i++)
        {
            var sw = Stopwatch.StartNew();
            await using var copy = await TestDatabase.CreateAsync(Engine.Postgres);
            lines.Add($"migrated copy of the template={Ms(sw.Elapsed)}");
        }

        var timings = string.Join(", ", server.Timings.Select(t => $"{t.Key}={Ms(t.Value)}"));
        TestContext.Current.TestOutputHelper?.WriteLine($"{server.Description}: {timings}; {string.Join("; ", lines)}");
    }

    private static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture) + "ms";

    [Fact]
    public async Task Sqlite_TwoConnections_ReadWhileWriting()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await TestDatabase.CreateAsync(Engine.Sqlite);
        await using var writer = db.CreateContext();
        await using var reader = db.CreateContext();

        await using var transaction = await writer.Database.BeginTransactionAsync(ct);
        await JobLeases.TryAcquireAsync(writer, "w", "x", NodaTime.Instant.FromUnixTimeSeconds(2), NodaTime.Instant.FromUnixTimeSeconds(1), ct);

        // WAL: a reader is not blocked by an open write transaction, and does not see it yet.
        Assert.Equal(0, await reader.JobLeases.CountAsync(ct));
        await transaction.CommitAsync(ct);
        Assert.Equal(1, await reader.JobLeases.CountAsync(ct));
        Assert.IsType<SqliteConnection>(reader.Database.GetDbConnection());
    }
}
