using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Custodian.Core.Persistence;

/// <summary>
/// PostgreSQL: one <see cref="NpgsqlDataSource"/> per process (its pool serves EF and the bulk paths alike); the
/// durability check reads the settings of the session, because <c>synchronous_commit</c> can be overridden per
/// database, role or connection (<c>Options=-c synchronous_commit=off</c>).
/// </summary>
internal sealed class PostgresDatabaseProvider : IDatabaseProvider, IAsyncDisposable, IDisposable
{
    private readonly NpgsqlDataSource _dataSource;

    public PostgresDatabaseProvider(DatabaseTarget target)
    {
        if (target.Engine != DatabaseEngine.Postgres)
        {
            throw new ArgumentException("Not a PostgreSQL target.", nameof(target));
        }

        Target = target;
        _dataSource = new NpgsqlDataSourceBuilder(target.ConnectionString).Build();
    }

    public DatabaseTarget Target { get; }

    public string MigrationsAssembly => DatabaseProviders.PostgresMigrationsAssembly;

    public NpgsqlDataSource DataSource => _dataSource;

    public void Configure(DbContextOptionsBuilder options) =>
        options.UseNpgsql(_dataSource, o => o.MigrationsAssembly(MigrationsAssembly));

    public async Task<DbConnection> OpenConnectionAsync(CancellationToken ct) => await _dataSource.OpenConnectionAsync(ct);

    /// <summary>
    /// fsync and full_page_writes must be on. synchronous_commit must not be <c>off</c>; <c>local</c>, <c>remote_write</c>,
    /// <c>on</c> and <c>remote_apply</c> all flush the commit record to the local disk before the commit returns, and differ
    /// only in how long they also wait for a standby, so all four are accepted.
    /// </summary>
    public static async Task<IReadOnlyList<DurabilityProblem>> CheckAsync(DbConnection connection, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText =
            "SELECT current_setting('fsync'), current_setting('synchronous_commit'), current_setting('full_page_writes')";
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var fsync = reader.GetString(0);
        var synchronousCommit = reader.GetString(1);
        var fullPageWrites = reader.GetString(2);

        var problems = new List<DurabilityProblem>();
        if (!IsOn(fsync))
        {
            problems.Add(new DurabilityProblem("fsync", fsync,
                "PostgreSQL setting fsync is off: a power loss or operating-system crash can corrupt the whole database. " +
                "Set fsync = on in postgresql.conf and restart PostgreSQL."));
        }

        if (string.Equals(synchronousCommit, "off", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add(new DurabilityProblem("synchronous_commit", synchronousCommit,
                "PostgreSQL setting synchronous_commit is off for this session: after a crash, transactions that were already " +
                "reported as committed (a deletion, an audit event, a decision) can be missing. Remove the override so it is on: " +
                "check postgresql.conf, ALTER SYSTEM / ALTER DATABASE / ALTER ROLE ... SET synchronous_commit, and any " +
                "Options=-c synchronous_commit=off in the connection string."));
        }

        if (!IsOn(fullPageWrites))
        {
            problems.Add(new DurabilityProblem("full_page_writes", fullPageWrites,
                "PostgreSQL setting full_page_writes is off: a power loss during a page write can leave torn pages that crash " +
                "recovery cannot repair. Set full_page_writes = on in postgresql.conf and reload PostgreSQL."));
        }

        return problems;
    }

    private static bool IsOn(string value) =>
        value.Equals("on", StringComparison.OrdinalIgnoreCase) || value.Equals("true", StringComparison.OrdinalIgnoreCase);

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    public void Dispose() => _dataSource.Dispose();
}
