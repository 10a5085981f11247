using Custodian.Core.Persistence;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.IntegrationTests.Persistence;

public sealed class MigrationTests
{
    [Theory, AllEngines]
    public async Task MigrateAsync_EmptyDatabase_AppliesAllThenNothing(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await TestDatabase.CreateEmptyAsync(engine);
        await using var scope = db.Services.CreateAsyncScope();
        var migrator = scope.ServiceProvider.GetRequiredService<DatabaseMigrator>();

        // (CanConnect is false here on SQLite: the file does not exist until the first migration creates it.)
        var before = await migrator.GetStatusAsync(ct);
        Assert.Empty(before.Applied);
        Assert.Contains(before.Pending, m => m.EndsWith("_Initial", StringComparison.Ordinal));

        var applied = await migrator.MigrateAsync(ct);
        Assert.Equal(before.Pending, applied);

        var second = await migrator.MigrateAsync(ct);
        Assert.Empty(second);

        var after = await migrator.GetStatusAsync(ct);
        Assert.True(after.IsUpToDate);
        Assert.Equal(applied, after.Applied);
    }

    /// <summary>
    /// A migrator killed while it held EF's SQLite lock row (dotnet/efcore#38958) must not stop every later start: with
    /// nothing pending no lock is taken, and with migrations pending the stale row is removed under the file lock.
    /// </summary>
    [Fact]
    public async Task MigrateAsync_SqliteLockRowLeftByAKilledProcess_DoesNotHang()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await TestDatabase.CreateEmptyAsync(Engine.Sqlite);
        await using var scope = db.Services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<CustodianDbContext>();
        var migrator = scope.ServiceProvider.GetRequiredService<DatabaseMigrator>();
        const string StaleLock = """
            CREATE TABLE IF NOT EXISTS "__EFMigrationsLock" ("Id" INTEGER NOT NULL CONSTRAINT "PK___EFMigrationsLock" PRIMARY KEY, "Timestamp" TEXT NOT NULL);
            INSERT OR IGNORE INTO "__EFMigrationsLock" ("Id", "Timestamp") VALUES (1, '2026-11-28 22:30:00+00:00');
            """;
        await context.Database.OpenConnectionAsync(ct);
        await context.Database.ExecuteSqlRawAsync(StaleLock, ct);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        var applied = await migrator.MigrateAsync(timeout.Token);
        Assert.Contains(applied, m => m.EndsWith("_Initial", StringComparison.Ordinal));

        await context.Database.ExecuteSqlRawAsync(StaleLock, ct);
        Assert.Empty(await migrator.MigrateAsync(timeout.Token));
    }

    [Theory, AllEngines]
    public async Task GetStatusAsync_UnreachableDatabase_ReportsCannotConnect(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        var target = engine switch
        {
            // A folder that is not there and cannot be created by opening: SQLite cannot open the file.
            Engine.Sqlite => new DatabaseTarget(DatabaseEngine.Sqlite, "Data Source=/proc/custodian-no-such-dir/x.db;Mode=ReadWrite"),
            // Port 1 on loopback: refused at once.
            _ => new DatabaseTarget(DatabaseEngine.Postgres, "Host=127.0.0.1;Port=1;Username=nobody;Database=none;Timeout=2"),
        };
        await using var services = TestDatabase.ServicesFor(target);
        await using var scope = services.CreateAsyncScope();

        var status = await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().GetStatusAsync(ct);

        Assert.False(status.CanConnect);
        Assert.False(status.IsUpToDate);
        Assert.NotEmpty(status.Pending);
    }
}
