using Custodian.Core.Persistence;
using Custodian.Testing;
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
