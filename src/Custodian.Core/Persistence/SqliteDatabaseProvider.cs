using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Custodian.Core.Persistence;

/// <summary>
/// SQLite: one file, WAL journal, <c>synchronous=FULL</c>, foreign keys on, <c>secure_delete</c> on (deleted personal
/// data is overwritten in the file, not left readable in free pages), and a busy timeout so a second writer waits
/// instead of failing at once. The PRAGMAs are per connection (except journal_mode, which the file remembers), so they
/// are applied on every open, including connections handed out again by Microsoft.Data.Sqlite's pool.
/// </summary>
internal sealed class SqliteDatabaseProvider : IDatabaseProvider
{
    /// <summary>How long a connection waits for another writer's lock before failing with SQLITE_BUSY.</summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(10);

    private static readonly string SetupSql = string.Create(CultureInfo.InvariantCulture,
        $"PRAGMA busy_timeout={(int)BusyTimeout.TotalMilliseconds}; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;");

    public SqliteDatabaseProvider(DatabaseTarget target)
    {
        if (target.Engine != DatabaseEngine.Sqlite)
        {
            throw new ArgumentException("Not a SQLite target.", nameof(target));
        }

        Target = target;
    }

    public DatabaseTarget Target { get; }

    public string MigrationsAssembly => DatabaseProviders.SqliteMigrationsAssembly;

    public void Configure(DbContextOptionsBuilder options) =>
        options
            .UseSqlite(Target.ConnectionString, o => o.MigrationsAssembly(MigrationsAssembly))
            .AddInterceptors(ConnectionSetupInterceptor.Instance);

    public async Task<DbConnection> OpenConnectionAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(Target.ConnectionString);
        try
        {
            await connection.OpenAsync(ct);
            await ApplySetupAsync(connection, ct);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Runs the connection set-up PRAGMAs on an open SQLite connection and attaches the sealed event months
    /// (<see cref="Features.Events.EventMonthFiles.Sync"/>).
    /// </summary>
    public static async Task ApplySetupAsync(DbConnection connection, CancellationToken ct)
    {
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = SetupSql;
            await command.ExecuteNonQueryAsync(ct);
        }

        Features.Events.EventMonthFiles.Sync((SqliteConnection)connection);
    }

    /// <summary>Inspects the settings of this very connection; a file opened elsewhere may differ.</summary>
    public static async Task<IReadOnlyList<DurabilityProblem>> CheckAsync(DbConnection connection, CancellationToken ct)
    {
        var problems = new List<DurabilityProblem>();

        var journalMode = Convert.ToString(await ScalarAsync(connection, "PRAGMA journal_mode;", ct), CultureInfo.InvariantCulture) ?? "";
        if (!string.Equals(journalMode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add(new DurabilityProblem("journal_mode", journalMode,
                $"SQLite journal_mode is '{journalMode}', not 'wal': without the write-ahead log readers block the writer and " +
                "Custodian's crash-recovery assumptions do not hold. Open the database through Custodian (it sets PRAGMA journal_mode=WAL) " +
                "and keep the file on a local disk: WAL does not work on network file systems."));
        }

        var synchronous = Convert.ToInt64(await ScalarAsync(connection, "PRAGMA synchronous;", ct), CultureInfo.InvariantCulture);
        if (synchronous < 2)
        {
            var name = synchronous == 0 ? "OFF" : "NORMAL";
            problems.Add(new DurabilityProblem("synchronous", name,
                $"SQLite synchronous is {name} ({synchronous.ToString(CultureInfo.InvariantCulture)}): a power loss or operating-system crash can lose transactions " +
                "that were already reported as committed (a deletion, an audit event, a decision). Set PRAGMA synchronous=FULL on every connection " +
                "(Custodian does this itself; do not override it)."));
        }

        var foreignKeys = Convert.ToInt64(await ScalarAsync(connection, "PRAGMA foreign_keys;", ct), CultureInfo.InvariantCulture);
        if (foreignKeys != 1)
        {
            problems.Add(new DurabilityProblem("foreign_keys", "off",
                "SQLite foreign_keys is off: rows can be left pointing at rows that no longer exist, and deletions do not cascade. " +
                "Set PRAGMA foreign_keys=ON on every connection (Custodian does this itself; do not override it)."));
        }

        var secureDelete = Convert.ToInt64(await ScalarAsync(connection, "PRAGMA secure_delete;", ct), CultureInfo.InvariantCulture);
        if (secureDelete != 1)
        {
            problems.Add(new DurabilityProblem("secure_delete", secureDelete == 2 ? "fast" : "off",
                "SQLite secure_delete is not on: deleted personal data stays readable in the database file's free pages until they are " +
                "reused, so an erasure or a retention deletion would not really erase. Set PRAGMA secure_delete=ON on every connection " +
                "(Custodian does this itself; do not override it)."));
        }

        return problems;
    }

    private static async Task<object?> ScalarAsync(DbConnection connection, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(ct);
    }

    /// <summary>Applies the PRAGMAs whenever EF opens a connection.</summary>
    private sealed class ConnectionSetupInterceptor : DbConnectionInterceptor
    {
        public static readonly ConnectionSetupInterceptor Instance = new();

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
        {
            using (var command = connection.CreateCommand())
            {
                command.CommandText = SetupSql;
                command.ExecuteNonQuery();
            }

            Features.Events.EventMonthFiles.Sync((SqliteConnection)connection);
        }

        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default) =>
            ApplySetupAsync(connection, cancellationToken);
    }
}
