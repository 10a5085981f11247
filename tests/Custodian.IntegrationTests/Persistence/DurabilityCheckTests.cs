using Custodian.Core.Persistence;
using Custodian.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit;

namespace Custodian.IntegrationTests.Persistence;

public sealed class DurabilityCheckTests
{
    [Theory, AllEngines]
    public async Task VerifyAsync_ProductConnection_ReportsNoProblems(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await TestDatabase.CreateAsync(engine);
        await using var context = db.CreateContext();

        var problems = await DurabilityCheck.VerifyAsync(context, ct);

        Assert.Empty(problems);
    }

    [Theory, AllEngines]
    public async Task VerifyAsync_SynchronousCommitOff_IsReported(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await TestDatabase.CreateAsync(engine);

        IReadOnlyList<DurabilityProblem> problems;
        if (engine == Engine.Sqlite)
        {
            // A connection opened outside Custodian with durability turned down.
            await using var connection = new SqliteConnection(db.Target.ConnectionString);
            await connection.OpenAsync(ct);
            await using (var command = connection.CreateCommand())
            {
                command.CommandText = "PRAGMA synchronous=OFF;";
                await command.ExecuteNonQueryAsync(ct);
            }

            problems = await DurabilityCheck.VerifyAsync(connection, ct);
        }
        else
        {
            // The product's own path, with a session override in the connection string.
            var unsafeTarget = db.Target with
            {
                ConnectionString = new NpgsqlConnectionStringBuilder(db.Target.ConnectionString) { Options = "-c synchronous_commit=off" }.ConnectionString,
            };
            await using var services = TestDatabase.ServicesFor(unsafeTarget);
            await using var context = await services.GetRequiredService<IDbContextFactory<CustodianDbContext>>().CreateDbContextAsync(ct);
            problems = await DurabilityCheck.VerifyAsync(context, ct);
        }

        var problem = Assert.Single(problems, p => p.Setting is "synchronous" or "synchronous_commit");
        Assert.Contains("off", problem.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("committed", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_SqliteRollbackJournal_IsReported()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await TestDatabase.CreateAsync(Engine.Sqlite);
        await using var connection = new SqliteConnection(db.Target.ConnectionString);
        await connection.OpenAsync(ct);
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "PRAGMA journal_mode=DELETE; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;";
            await command.ExecuteNonQueryAsync(ct);
        }

        var problems = await DurabilityCheck.VerifyAsync(connection, ct);

        var problem = Assert.Single(problems);
        Assert.Equal("journal_mode", problem.Setting);
        Assert.Equal("delete", problem.ActualValue);
    }

    [Fact]
    public async Task VerifyAsync_SqliteForeignKeysOff_IsReported()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await TestDatabase.CreateAsync(Engine.Sqlite);
        await using var connection = new SqliteConnection(db.Target.ConnectionString);
        await connection.OpenAsync(ct);
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "PRAGMA foreign_keys=OFF;";
            await command.ExecuteNonQueryAsync(ct);
        }

        var problems = await DurabilityCheck.VerifyAsync(connection, ct);

        Assert.Contains(problems, p => p.Setting == "foreign_keys");
    }

    [Fact]
    public async Task VerifyAsync_SqliteSecureDeleteOff_IsReported()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await TestDatabase.CreateAsync(Engine.Sqlite);
        await using var connection = new SqliteConnection(db.Target.ConnectionString);
        await connection.OpenAsync(ct);
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "PRAGMA secure_delete=OFF;";
            await command.ExecuteNonQueryAsync(ct);
        }

        var problems = await DurabilityCheck.VerifyAsync(connection, ct);

        var problem = Assert.Single(problems, p => p.Setting == "secure_delete");
        Assert.Equal("off", problem.ActualValue);
    }

    [Fact]
    public async Task SqliteConnections_OpenedByCustodian_HaveSecureDeleteOn()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await TestDatabase.CreateAsync(Engine.Sqlite);
        await using var context = db.CreateContext();
        await context.Database.OpenConnectionAsync(ct);
        await using var command = context.Database.GetDbConnection().CreateCommand();
        command.CommandText = "PRAGMA secure_delete;";

        Assert.Equal(1L, Convert.ToInt64(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture));
    }
}
