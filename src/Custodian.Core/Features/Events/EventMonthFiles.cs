using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using NodaTime;

namespace Custodian.Core.Features.Events;

/// <summary>
/// SQLite: months that are no longer written to live in their own database file (<c>custodian.months/usage-2026-05.db</c>),
/// attached to every connection, so retention removes an expired month by deleting a file. A DROP TABLE in the main
/// file must overwrite every page of the month (secure_delete) and took 1.9 s for 1.7 million rows; removing a file
/// takes milliseconds and leaves none of its bytes in the database (issue 4 §4).
/// </summary>
/// <remarks>
/// <para><b>Why sealed, not born in a file.</b> SQLite commits a transaction that writes several attached files in WAL
/// mode atomically per file, not as a set. An import chunk writes its rows together with its checkpoint in the main
/// file, so a month that is still being written stays a table in the main file. Once a month has settled, a few days
/// after its end (<see cref="EventPartitions.SettledBefore"/>), the sweep copies it into its own file in subscriber
/// order (a person's records then sit together: issue 8's cold look-ups), and from then on every write to the sealed
/// file is a transaction of that file alone: the sweep's batched deletes journal their counts in the file and audit
/// them in the main file afterwards
/// (<c>RetentionSweeper</c>), an erasure deletes there before its own transaction, an abandoned import per month.
/// Rows that arrive late for a sealed month go to a new table for that month in the main file; the month then has two
/// parts, and both views and retention read both.</para>
/// <para><b>Sealing.</b> One connection holds the main file's write lock (so no row of the month can change) while a
/// second connection copies the month into a new file and commits it; then the first connection, in one main-file
/// transaction, records the file in the registry, takes the month out of the main view and renames the month table
/// aside (dropped in a later transaction). A crash before that commit leaves an unregistered file, replaced on the
/// next attempt; after it, a renamed table, dropped on the next attempt.</para>
/// <para><b>Dropping.</b> The sweep's month transaction (main file) preserves held rows, deletes the month's main part,
/// audits, and marks the registry row <c>dropping</c>: from that commit no connection attaches the file again. The file
/// is deleted after the commit (<see cref="FinishDrops"/>), and a crash in between is finished by the next sweep.</para>
/// <para><b>Attaching.</b> Every connection, when it is opened, attaches the sealed months the registry lists and
/// (re)creates TEMP views named like the event tables that add the sealed months to the main view
/// (<see cref="Sync"/>): a persistent view cannot reference an attached file. SQLite allows at most ten attached
/// files (<see cref="AttachLimit"/>); a month is sealed only while the budget allows. Six months of two families need
/// twelve, so the newest settled month or two wait in the main file, sorted there
/// (<see cref="EventMonthRewrite.RewriteSqliteAsync"/>), until the oldest month's file is dropped and frees its place.</para>
/// </remarks>
internal static class EventMonthFiles
{
    /// <summary>SQLite's compile-time limit on attached databases in the bundled build (SQLITE_MAX_ATTACHED = 10).</summary>
    public const int AttachLimit = 10;

    private const string AliasPrefix = "em_";

    /// <summary>The schema name a sealed month is attached as: <c>em_usage_2026_05</c>.</summary>
    public static string Alias(EventTable table, YearMonth month) =>
        string.Create(CultureInfo.InvariantCulture, $"{AliasPrefix}{EventPartitions.FamilyName(table.Family)}_{month.Year:D4}_{month.Month:D2}");

    /// <summary>The sealed month's file name in the months folder: <c>usage-2026-05.db</c>.</summary>
    public static string FileName(EventTable table, YearMonth month) =>
        string.Create(CultureInfo.InvariantCulture, $"{EventPartitions.FamilyName(table.Family)}-{month.Year:D4}-{month.Month:D2}.db");

    /// <summary>The rows of a sealed month, schema-qualified.</summary>
    public static string RecordsTable(string alias) => $"{alias}.records";

    /// <summary>The totals of a sealed month (same columns as <c>event_month_totals</c>), schema-qualified.</summary>
    public static string TotalsTable(string alias) => $"{alias}.totals";

    /// <summary>The sweep's journal of batches deleted in a sealed month and not yet audited, schema-qualified.</summary>
    public static string JournalTable(string alias) => $"{alias}.sweep_journal";

    /// <summary>The folder of the sealed months beside the main file (<c>custodian.months</c>); null for an in-memory database.</summary>
    public static string? FolderOf(SqliteConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var main = connection.DataSource;
        if (string.IsNullOrEmpty(main) || main == ":memory:")
        {
            return null;
        }

        return Path.Combine(Path.GetDirectoryName(Path.GetFullPath(main))!, Path.GetFileNameWithoutExtension(main) + ".months");
    }

    /// <summary>A sealed month the registry lists (and that is not being dropped).</summary>
    internal sealed record SealedMonth(EventTable Table, YearMonth Month, string File)
    {
        public string Alias => EventMonthFiles.Alias(Table, Month);
    }

    /// <summary>The sealed months of every family; empty before the registry has its <c>sealed_file</c> column (migrations).</summary>
    public static List<SealedMonth> ReadSealed(SqliteConnection connection, SqliteTransaction? transaction, bool includeDropping = false)
    {
        var sealedMonths = new List<SealedMonth>();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT family, month, sealed_file FROM event_partitions WHERE sealed_file IS NOT NULL"
            + (includeDropping ? string.Empty : " AND NOT dropping") + " ORDER BY family, month";
        try
        {
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var table = EventTable.All.Single(t => EventPartitions.FamilyName(t.Family) == reader.GetString(0));
                sealedMonths.Add(new SealedMonth(table, EventPartitions.FromCode(reader.GetInt32(1)), reader.GetString(2)));
            }
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 1)
        {
            // No registry (a new database before its migrations) or no sealed_file column yet: nothing is sealed.
            return [];
        }

        return sealedMonths;
    }

    /// <summary>
    /// Brings this connection's attachments and TEMP views in line with the registry: attaches the sealed months it
    /// lacks, detaches months dropped since, and rebuilds the views when anything changed. Runs on every open (pooled
    /// connections keep their attachments, so an unchanged registry costs two small reads). Must not run inside a
    /// transaction (ATTACH and DETACH cannot).
    /// </summary>
    public static void Sync(SqliteConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var wanted = ReadSealed(connection, null);
        var attached = Attached(connection);
        if (wanted.Count == 0 && attached.Count == 0)
        {
            return;
        }

        var wantedAliases = wanted.Select(w => w.Alias).ToHashSet(StringComparer.Ordinal);
        var changed = false;
        foreach (var alias in attached.Where(a => !wantedAliases.Contains(a)))
        {
            Execute(connection, null, $"DETACH DATABASE {alias}");
            changed = true;
        }

        var folder = FolderOf(connection);
        foreach (var month in wanted.Where(w => !attached.Contains(w.Alias)))
        {
            var path = Path.Combine(folder ?? throw new InvalidOperationException("A sealed event month is registered, but the database is not a file."), month.File);
            if (!File.Exists(path))
            {
                // A registered, not dropped month without its file: the folder was not restored with the database, or
                // someone removed the file. Records are missing; refuse to work as if they were not.
                throw new InvalidOperationException(
                    $"The sealed event month file '{path}' is registered in the database but does not exist. Restore the folder '{folder}' " +
                    "from the same backup as the database file; the two belong together.");
            }

            Execute(connection, null, $"ATTACH DATABASE '{path.Replace("'", "''", StringComparison.Ordinal)}' AS {month.Alias}");
            changed = true;
        }

        if (changed)
        {
            foreach (var table in EventTable.All)
            {
                Execute(connection, null, TempViewSql(table, wanted.Where(w => w.Table == table).Select(w => w.Alias)));
            }
        }
    }

    /// <summary>
    /// The TEMP view named like the event table (it hides the main view of the same name on this connection): the main
    /// view (main-file months and the held table) plus every sealed month. SQLite pushes a WHERE into every arm of a
    /// UNION ALL view, nested ones included, so each month's identifier index is used.
    /// </summary>
    private static string TempViewSql(EventTable table, IEnumerable<string> aliases)
    {
        var arms = new List<string> { $"SELECT {table.ColumnList} FROM main.{table.Name}" };
        arms.AddRange(aliases.Order(StringComparer.Ordinal).Select(a => $"SELECT {table.ColumnList} FROM {RecordsTable(a)}"));
        var sql = new StringBuilder($"DROP VIEW IF EXISTS temp.{table.Name};\n");
        if (arms.Count > 1)
        {
            sql.Append(CultureInfo.InvariantCulture, $"CREATE TEMP VIEW {table.Name} AS {string.Join("\nUNION ALL ", arms)};");
        }

        return sql.ToString();
    }

    private static HashSet<string> Attached(SqliteConnection connection)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA database_list";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var name = reader.GetString(1);
            if (name.StartsWith(AliasPrefix, StringComparison.Ordinal))
            {
                names.Add(name);
            }
        }

        return names;
    }

    /// <summary>
    /// Seals month <paramref name="month"/> of <paramref name="table"/>: copies its main-file table into its own file
    /// (see the remarks), and returns the rows copied; null when the month cannot be sealed now (an in-memory
    /// database, the attach budget spent, or nothing in the main file). <paramref name="connection"/> must be open and
    /// outside a transaction; it has the file attached when this returns.
    /// </summary>
    public static async Task<long?> SealAsync(SqliteConnection connection, EventTable table, YearMonth month, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(table);
        var folder = FolderOf(connection);
        if (folder is null)
        {
            return null;
        }

        var monthTable = table.MonthTable(month);
        var aside = monthTable + "_copied";
        // A crash after an earlier attempt's registry commit left the renamed table; it is a copy, drop it.
        Execute(connection, null, $"DROP TABLE IF EXISTS main.{aside}");
        var sealedMonths = ReadSealed(connection, null, includeDropping: true);
        if (sealedMonths.Any(s => s.Table == table && s.Month == month) || sealedMonths.Count >= AttachLimit || !MainTableExists(connection, null, monthTable))
        {
            // Already sealed (late rows since are a main-file part, swept with it), no budget, or nothing here.
            return null;
        }

        Directory.CreateDirectory(folder);
        var fileName = FileName(table, month);
        var path = Path.Combine(folder, fileName);
        DeleteFiles(path);

        await using var hold = (SqliteTransaction)await connection.BeginTransactionAsync(ct); // BEGIN IMMEDIATE: the main file's write lock
        long rows;
        var copier = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        await using (copier)
        {
            await copier.OpenAsync(ct);
            Execute(copier, null, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA secure_delete=ON;");
            Execute(copier, null, $"ATTACH DATABASE '{connection.DataSource.Replace("'", "''", StringComparison.Ordinal)}' AS src");
            // Deferred: an IMMEDIATE transaction would ask for the write lock of every attached file, src included,
            // which the other connection holds; this one only ever reads src.
            await using (var copy = copier.BeginTransaction(deferred: true))
            {
                Execute(copier, copy, EventPartitions.SqliteMonthTableSql(table, month, "main.records"));
                // Subscriber order: one person's records of the month share pages, so a cold look-up reads few of them.
                // The indexes are built after the rows: cheaper than maintaining them on every insert.
                rows = Execute(copier, copy, $"INSERT INTO main.records ({table.ColumnList}) SELECT {table.ColumnList} FROM src.{monthTable} ORDER BY {table.SubscriberOrder}");
                Execute(copier, copy, EventPartitions.SqliteMonthIndexSql(table, "main.records", "ix_records", covering: true));
                Execute(copier, copy,
                    "CREATE TABLE main.totals (family TEXT NOT NULL, month INTEGER NOT NULL, organization_id BLOB NOT NULL, row_count INTEGER NOT NULL, " +
                    "earliest_start INTEGER NOT NULL, PRIMARY KEY (family, month, organization_id)) STRICT");
                Execute(copier, copy, string.Create(CultureInfo.InvariantCulture,
                    $"INSERT INTO main.totals SELECT * FROM src.event_month_totals WHERE family = '{EventPartitions.FamilyName(table.Family)}' AND month = {EventPartitions.Code(month)}"));
                Execute(copier, copy,
                    "CREATE TABLE main.sweep_journal (sweep_id BLOB NOT NULL, seq INTEGER NOT NULL, organization_id BLOB NOT NULL, row_count INTEGER NOT NULL, " +
                    "earliest_start INTEGER NOT NULL, PRIMARY KEY (sweep_id, seq, organization_id)) STRICT");
                await copy.CommitAsync(ct);
            }

            Execute(copier, null, "DETACH DATABASE src; PRAGMA wal_checkpoint(TRUNCATE);");
        }

        Common.FailPoints.Hit("retention.seal.copied");

        // The copy is durable; switch the month over in one main-file transaction.
        Execute(connection, hold, string.Create(CultureInfo.InvariantCulture,
            $"UPDATE event_partitions SET sealed_file = '{fileName}' WHERE family = '{EventPartitions.FamilyName(table.Family)}' AND month = {EventPartitions.Code(month)}"));
        var remaining = (await EventPartitions.MainTableMonthsAsync(connection, hold, table, ct)).Where(m => m != month);
        Execute(connection, hold, EventPartitions.SqliteViewSql(table, remaining));
        Execute(connection, hold, $"ALTER TABLE main.{monthTable} RENAME TO {aside}");
        await EventMonthTotals.DeleteMonthAsync(connection, hold, table, month, ct);
        await hold.CommitAsync(ct);

        // The main file's copy goes in its own transaction (secure_delete overwrites its pages; not the sweep's path).
        Execute(connection, null, $"DROP TABLE IF EXISTS main.{aside}");
        Sync(connection);
        return rows;
    }

    /// <summary>
    /// Removes the files of months the sweep has dropped (registry rows marked <c>dropping</c>): detaches them from
    /// this connection, asks every pooled connection to close (they hold the file open), deletes the file and then the
    /// registry row. Idempotent; the sweep runs it after each dropped month and at its start (after a crash).
    /// </summary>
    public static void FinishDrops(SqliteConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var dropping = ReadSealed(connection, null, includeDropping: true)
            .Where(s => IsDropping(connection, s))
            .ToList();
        if (dropping.Count == 0)
        {
            return;
        }

        var attached = Attached(connection);
        var folder = FolderOf(connection)!;
        foreach (var month in dropping)
        {
            if (attached.Contains(month.Alias))
            {
                Execute(connection, null, $"DETACH DATABASE {month.Alias}");
            }
        }

        // Pooled connections still have the files attached; cleared pools close them as they come back.
        SqliteConnection.ClearAllPools();
        foreach (var month in dropping)
        {
            DeleteFiles(Path.Combine(folder, month.File));
            Execute(connection, null, string.Create(CultureInfo.InvariantCulture,
                $"DELETE FROM event_partitions WHERE family = '{EventPartitions.FamilyName(month.Table.Family)}' AND month = {EventPartitions.Code(month.Month)} AND dropping"));
        }

        foreach (var table in EventTable.All)
        {
            Execute(connection, null, TempViewSql(table, ReadSealed(connection, null).Where(s => s.Table == table).Select(s => s.Alias)));
        }
    }

    private static bool IsDropping(SqliteConnection connection, SealedMonth month)
    {
        using var command = connection.CreateCommand();
        command.CommandText = string.Create(CultureInfo.InvariantCulture,
            $"SELECT dropping FROM event_partitions WHERE family = '{EventPartitions.FamilyName(month.Table.Family)}' AND month = {EventPartitions.Code(month.Month)}");
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) != 0;
    }

    /// <summary>Whether the main file has a table named <paramref name="name"/>.</summary>
    public static bool MainTableExists(SqliteConnection connection, SqliteTransaction? transaction, string name)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT COUNT(*) FROM main.sqlite_master WHERE type = 'table' AND name = $name";
        command.Parameters.AddWithValue("$name", name);
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) > 0;
    }

    private static void DeleteFiles(string path)
    {
        foreach (var suffix in new[] { "", "-wal", "-shm", "-journal" })
        {
            File.Delete(path + suffix);
        }
    }

    private static int Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command.ExecuteNonQuery();
    }

    /// <summary>For callers holding a <see cref="DbConnection"/>: the SQLite connection, or null on PostgreSQL.</summary>
    public static SqliteConnection? AsSqlite(DbConnection connection) => connection as SqliteConnection;
}
