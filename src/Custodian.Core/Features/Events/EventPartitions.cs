using System.Data.Common;
using System.Globalization;
using System.Text;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Events;

/// <summary>One place a month's rows are: a main-database table, or (SQLite) a sealed month file attached as <paramref name="Alias"/>.</summary>
/// <param name="Month">The month.</param>
/// <param name="Table">The table to read and delete from (schema-qualified for a sealed file).</param>
/// <param name="TotalsTable">The totals table that counts these rows (<see cref="EventMonthTotals"/>).</param>
/// <param name="Alias">The sealed file's schema name; null for a main-database table.</param>
internal sealed record EventSource(YearMonth Month, string Table, string TotalsTable, string? Alias)
{
    public bool Sealed => Alias is not null;
}

/// <summary>
/// Creates the month partitions of the event tables ahead of the rows that need them, and lists the months that exist.
/// Months are UTC calendar months of <c>start_time</c>: a month is one partition (PostgreSQL) or one table (SQLite), so
/// retention removes a whole expired month with one DROP (issue 4) and a look-up touches only months that exist.
/// </summary>
/// <remarks>
/// Each call runs in its own short transaction, never inside an import chunk's: on PostgreSQL creating a partition
/// locks the parent table, which must not be held while a chunk streams. Concurrent callers are serialised
/// (a transaction-scoped advisory lock on PostgreSQL; SQLite has one writer anyway) and creation is idempotent.
/// </remarks>
internal static class EventPartitions
{
    private const long PostgresLockKey = 0x637573_746F_6476; // "custodv": one key for all partition DDL

    /// <summary>Month of a record: its UTC calendar month.</summary>
    public static YearMonth MonthOf(Instant start) => start.InUtc().Date.ToYearMonth();

    /// <summary>
    /// Days after a month's end before the sweep puts the month in subscriber order (SQLite: seals it into its own file
    /// or, with the attach budget spent, sorts it in the main file; PostgreSQL: rewrites the partition). The last calls
    /// of a month are billed and imported in the first days of the next; rows that come later still land correctly
    /// (SQLite: a main-file part beside the sealed file; PostgreSQL: the rewritten partition), just not sorted.
    /// </summary>
    /// <remarks>
    /// Short on purpose: until a month is sorted a cold look-up pays one random read per record of it, so the worst
    /// moment of the month is just before the last month settles, with that whole month and these days of the next in
    /// arrival order (issue 8 §1). It was a whole month (every month waited until it was two months old), which left
    /// two months unsorted at every month's end.
    /// </remarks>
    public const int SettleDays = 3;

    /// <summary>The first month that has not settled at <paramref name="now"/>: every earlier month is put in subscriber order.</summary>
    public static YearMonth SettledBefore(Instant now) => MonthOf(now - Duration.FromDays(SettleDays));

    /// <summary>The registry code of a month: <c>202611</c>.</summary>
    public static int Code(YearMonth month) => (month.Year * 100) + month.Month;

    public static YearMonth FromCode(int code) => new(code / 100, code % 100);

    /// <summary>Ensures that every month from <paramref name="from"/> to <paramref name="to"/> (inclusive) has its partition.</summary>
    /// <returns>The months created now (empty when all existed).</returns>
    public static async Task<IReadOnlyList<YearMonth>> EnsurePartitionsAsync(
        DbConnection connection, DatabaseEngine engine, EventTable table, YearMonth from, YearMonth to, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(table);
        if (from.CompareTo(to) > 0)
        {
            throw new ArgumentException("'from' is after 'to'.", nameof(from));
        }

        var wanted = new List<YearMonth>();
        for (var m = from; m.CompareTo(to) <= 0; m = m.PlusMonths(1))
        {
            wanted.Add(m);
        }

        await using var tx = await connection.BeginTransactionAsync(ct);
        if (engine == DatabaseEngine.Postgres)
        {
            await ExecuteAsync(connection, tx, string.Create(CultureInfo.InvariantCulture, $"SELECT pg_advisory_xact_lock({PostgresLockKey})"), ct);
        }

        // SQLite: a sealed month (EventMonthFiles) is registered but has no main-file table; late rows for it get one.
        var registered = (await ExistingMonthsAsync(connection, tx, table, ct)).ToHashSet();
        var existing = engine == DatabaseEngine.Sqlite ? (await MainTableMonthsAsync(connection, tx, table, ct)).ToHashSet() : registered;
        var missing = wanted.Where(m => !existing.Contains(m)).ToList();
        foreach (var month in missing)
        {
            await ExecuteAsync(connection, tx, engine == DatabaseEngine.Postgres ? PostgresMonthSql(table, month) : SqliteMonthSql(table, month), ct);
            if (!registered.Contains(month))
            {
                await ExecuteAsync(connection, tx, string.Create(CultureInfo.InvariantCulture,
                    $"INSERT INTO event_partitions (family, month, table_name) VALUES ('{FamilyName(table.Family)}', {Code(month)}, '{table.MonthTable(month)}')"), ct);
            }
        }

        if (missing.Count > 0 && engine == DatabaseEngine.Sqlite)
        {
            existing.UnionWith(missing);
            await ExecuteAsync(connection, tx, SqliteViewSql(table, existing), ct);
        }

        await tx.CommitAsync(ct);
        return missing;
    }

    /// <summary>How many months after the current one have their partitions before any row needs them.</summary>
    public const int MonthsAhead = 3;

    /// <summary>
    /// Ensures that the month of <paramref name="now"/> and the <see cref="MonthsAhead"/> months after it have their
    /// partitions (PostgreSQL) or tables (SQLite) for every event family, so imports of current records never create
    /// partitions (which locks the parent) on their path. Run at every start and <c>db migrate</c>
    /// (<c>DatabaseStartup</c>) and by the daily sweep (step <see cref="AheadStep"/>). Idempotent; returns what it created.
    /// </summary>
    public static async Task<IReadOnlyList<(EventTable Table, YearMonth Month)>> EnsureAheadAsync(DbConnection connection, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var engine = connection is Microsoft.Data.Sqlite.SqliteConnection ? DatabaseEngine.Sqlite : DatabaseEngine.Postgres;
        var current = MonthOf(now);
        var created = new List<(EventTable, YearMonth)>();
        foreach (var table in EventTable.All)
        {
            foreach (var month in await EnsurePartitionsAsync(connection, engine, table, current, current.PlusMonths(MonthsAhead), ct))
            {
                created.Add((table, month));
            }
        }

        return created;
    }

    /// <summary><see cref="EnsureAheadAsync(DbConnection, Instant, CancellationToken)"/> on the context's connection.</summary>
    public static async Task<IReadOnlyList<(EventTable Table, YearMonth Month)>> EnsureAheadAsync(CustodianDbContext db, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            return await EnsureAheadAsync(db.Database.GetDbConnection(), now, ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>The sweep's housekeeping step that runs <see cref="EnsureAheadAsync(CustodianDbContext, Instant, CancellationToken)"/>.</summary>
    public const string AheadStep = "events.partitions.ahead";

    /// <summary>The months that exist for <paramref name="table"/>, oldest first.</summary>
    public static async Task<IReadOnlyList<YearMonth>> ExistingMonthsAsync(DbConnection connection, DbTransaction? tx, EventTable table, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = string.Create(CultureInfo.InvariantCulture,
            $"SELECT month FROM event_partitions WHERE family = '{FamilyName(table.Family)}' AND NOT dropping ORDER BY month");
        var months = new List<YearMonth>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            months.Add(FromCode(Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture)));
        }

        return months;
    }

    /// <summary>
    /// The months whose rows are (also) in a table of the main database: every month on PostgreSQL; on SQLite the
    /// registered months that have their main-file table (not a month sealed into its own file with no late rows since).
    /// </summary>
    public static async Task<IReadOnlyList<YearMonth>> MainTableMonthsAsync(DbConnection connection, DbTransaction? tx, EventTable table, CancellationToken ct)
    {
        if (connection is not Microsoft.Data.Sqlite.SqliteConnection)
        {
            return await ExistingMonthsAsync(connection, tx, table, ct);
        }

        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = string.Create(CultureInfo.InvariantCulture,
            $"SELECT p.month FROM event_partitions p JOIN main.sqlite_master s ON s.type = 'table' AND s.name = p.table_name WHERE p.family = '{FamilyName(table.Family)}' AND NOT p.dropping ORDER BY p.month");
        var months = new List<YearMonth>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            months.Add(FromCode(Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture)));
        }

        return months;
    }

    /// <summary>
    /// Where the rows of each existing month are, oldest first: its main-database table (PostgreSQL partition or SQLite
    /// table) and, on SQLite, its sealed file (<see cref="EventMonthFiles"/>), each with the totals table that counts it.
    /// The held table is not included. The connection must have synced its attachments (every open does).
    /// </summary>
    public static async Task<IReadOnlyList<EventSource>> SourcesAsync(DbConnection connection, DbTransaction? tx, EventTable table, CancellationToken ct)
    {
        var sources = (await MainTableMonthsAsync(connection, tx, table, ct))
            .Select(m => new EventSource(m, table.MonthTable(m), EventMonthTotals.MainTable, null))
            .ToList();
        if (connection is Microsoft.Data.Sqlite.SqliteConnection sqlite)
        {
            sources.AddRange(EventMonthFiles.ReadSealed(sqlite, (Microsoft.Data.Sqlite.SqliteTransaction?)tx)
                .Where(s => s.Table == table)
                .Select(s => new EventSource(s.Month, EventMonthFiles.RecordsTable(s.Alias), EventMonthFiles.TotalsTable(s.Alias), s.Alias)));
        }

        return [.. sources.OrderBy(s => s.Month).ThenBy(s => s.Alias is null ? 0 : 1)];
    }

    public static string FamilyName(EventFamily family) => family switch
    {
        EventFamily.Usage => "usage",
        EventFamily.Traffic => "traffic",
        _ => throw new ArgumentOutOfRangeException(nameof(family)),
    };

    private static string PostgresMonthSql(EventTable table, YearMonth month)
    {
        var start = month.OnDayOfMonth(1);
        var end = month.PlusMonths(1).OnDayOfMonth(1);
        // Indexes come from the parent's partitioned indexes; PostgreSQL names and builds them with the partition.
        return string.Create(CultureInfo.InvariantCulture,
            $"CREATE TABLE IF NOT EXISTS {table.MonthTable(month)} PARTITION OF {table.Name} FOR VALUES FROM ('{start:yyyy-MM-dd} 00:00:00+00') TO ('{end:yyyy-MM-dd} 00:00:00+00')");
    }

    private static string SqliteMonthSql(EventTable table, YearMonth month) =>
        SqliteMonthSql(table, month, table.MonthTable(month), "ix_" + table.MonthTable(month));

    /// <summary>A month's STRICT table named <paramref name="name"/>, its indexes named <c>{indexPrefix}_{suffix}</c>.</summary>
    internal static string SqliteMonthSql(EventTable table, YearMonth month, string name, string indexPrefix) =>
        SqliteMonthTableSql(table, month, name) + SqliteMonthIndexSql(table, name, indexPrefix);

    /// <summary>The month's STRICT table alone (a bulk copy fills it first and indexes it after: cheaper than indexing every insert).</summary>
    internal static string SqliteMonthTableSql(EventTable table, YearMonth month, string name)
    {
        var low = EventTable.ToSqliteTime(month.OnDayOfMonth(1).AtStartOfDayInZone(DateTimeZone.Utc).ToInstant());
        var high = EventTable.ToSqliteTime(month.PlusMonths(1).OnDayOfMonth(1).AtStartOfDayInZone(DateTimeZone.Utc).ToInstant());
        var sql = new StringBuilder();
        sql.Append(CultureInfo.InvariantCulture, $"CREATE TABLE IF NOT EXISTS {name} (");
        sql.AppendJoin(", ", table.Columns.Select(c => $"{c.Name} {c.SqliteType}"));
        // The CHECK keeps a mis-routed row out of the wrong month (the PostgreSQL partition bound does the same there).
        sql.Append(CultureInfo.InvariantCulture, $", CHECK (start_time >= {low} AND start_time < {high})) STRICT;\n");
        return sql.ToString();
    }

    /// <summary>
    /// The month table's indexes; for a schema-qualified <paramref name="name"/> the indexes go in that schema. With
    /// <paramref name="covering"/> (a month in subscriber order: a sealed month file, <see cref="EventMonthFiles"/>, or
    /// one sorted in the main file, <see cref="EventMonthRewrite.RewriteSqliteAsync"/>) every index after the first
    /// carries all the other columns too.
    /// </summary>
    /// <remarks>
    /// Why covering: a sealed file is sorted by the first index (the caller), so a subscriber's calls <i>made</i> share
    /// a few pages, but the calls it <i>received</i> (~40%) lie one to a page, and SQLite reads one page at a time: ~700
    /// reads for a cold look-up of ~1,000 records at 10 million. A covering index keeps each subscriber's received calls
    /// together in its own leaf pages, so that arm reads a few pages too. It costs the sealed file about half as much
    /// room again (measured: ~45%); months are sealed once and read for as long as they are kept.
    /// </remarks>
    internal static string SqliteMonthIndexSql(EventTable table, string name, string indexPrefix, bool covering = false)
    {
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        var sql = new StringBuilder();
        foreach (var (index, i) in table.Indexes.Select((index, i) => (index, i)))
        {
            var indexName = dot >= 0 ? $"{name[..dot]}.{indexPrefix}_{index.Suffix}" : $"{indexPrefix}_{index.Suffix}";
            var onTable = dot >= 0 ? name[(dot + 1)..] : name;
            var columns = covering && i > 0 ? [.. index.Columns, .. table.Columns.Select(c => c.Name).Except(index.Columns)] : index.Columns;
            sql.Append(CultureInfo.InvariantCulture, $"CREATE INDEX IF NOT EXISTS {indexName} ON {onTable} ({string.Join(", ", columns)});\n");
        }

        return sql.ToString();
    }

    /// <summary>The SQLite view over the months: SQLite pushes a WHERE into each arm of a UNION ALL view, so every month's index is used.</summary>
    internal static string SqliteViewSql(EventTable table, IEnumerable<YearMonth> months)
    {
        var columns = table.ColumnList;
        // The held table (records of dropped months kept for a legal hold) is always part of the view.
        var arms = months.Order().Select(m => $"SELECT {columns} FROM {table.MonthTable(m)}").Append($"SELECT {columns} FROM {table.HeldTable}");
        // main-qualified: a connection with sealed months has a TEMP view of the same name (EventMonthFiles).
        return $"DROP VIEW IF EXISTS main.{table.Name};\nCREATE VIEW main.{table.Name} AS {string.Join("\nUNION ALL ", arms)};";
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction tx, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(ct);
    }
}
