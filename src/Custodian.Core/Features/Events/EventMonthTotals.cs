using System.Data.Common;
using System.Globalization;
using NodaTime;
using Npgsql;

namespace Custodian.Core.Features.Events;

/// <summary>One organisation's rows in one month table: how many, and a lower bound of their earliest start.</summary>
internal sealed record MonthTotal(YearMonth Month, Guid OrganizationId, long Rows, Instant EarliestStart);

/// <summary>
/// Per month table and organisation: the row count and a lower bound of the earliest <c>start_time</c>
/// (<c>event_month_totals</c>), kept in the SAME transaction as every write to a month table, so the retention sweep can
/// drop a month and write an exact receipt without counting the month first, and can skip a month that has nothing
/// expired without reading it (issue 4 §4).
/// </summary>
/// <remarks>
/// <para>Writers: the importer's chunks (<see cref="AddAsync"/>), <c>import abandon</c>, the sweep's batched deletes and an erasure's deletes by id (<c>EventRetention.DeleteRecordsAsync</c>)
/// (<see cref="SubtractAsync"/>), the sweep's month drop (<see cref="DeleteMonthAsync"/>). A test helper compares the
/// totals with real counts after each of them; a new writer of a month table must maintain them too.</para>
/// <para><c>row_count</c> is exact. <c>earliest_start</c> is a LOWER BOUND of the earliest start among the
/// organisation's rows in the month: exact after imports (the minimum of what was written); a delete leaves it where it
/// was (the true earliest can only move later), except that the sweep raises it to its cutoff's first kept start
/// (<see cref="RaiseEarliestAsync"/>) once a month holds no expired row at all (a batch without holds that found fewer
/// rows than its limit). Being a lower bound, the lateness the sweep reports from it (cutoff minus the expiry of the
/// earliest start) can be overstated, never understated, and "earliest &gt;= the cutoff's start bound" proves that the
/// month has no expired rows.</para>
/// <para>PostgreSQL: the row of (family, month, organisation) is locked by the chunk that writes it until that chunk
/// commits, so two imports into the same organisation's month serialise their commits (they would anyway: the batch row
/// is locked the same way).</para>
/// </remarks>
internal static class EventMonthTotals
{
    /// <summary>The totals of the main database's month tables; a sealed SQLite month keeps its own in its file.</summary>
    public const string MainTable = "event_month_totals";

    /// <summary>Adds what one import chunk wrote, in the chunk's transaction.</summary>
    public static async Task AddAsync(DbConnection connection, DbTransaction transaction, EventTable table, IEnumerable<MonthTotal> written, CancellationToken ct)
    {
        var postgres = connection is NpgsqlConnection;
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = postgres
            ? "INSERT INTO event_month_totals (family, month, organization_id, row_count, earliest_start) VALUES (@f, @m, @o, @n, @e) "
              + "ON CONFLICT (family, month, organization_id) DO UPDATE SET row_count = event_month_totals.row_count + excluded.row_count, "
              + "earliest_start = LEAST(event_month_totals.earliest_start, excluded.earliest_start)"
            : "INSERT INTO event_month_totals (family, month, organization_id, row_count, earliest_start) VALUES (@f, @m, @o, @n, @e) "
              + "ON CONFLICT (family, month, organization_id) DO UPDATE SET row_count = event_month_totals.row_count + excluded.row_count, "
              + "earliest_start = min(event_month_totals.earliest_start, excluded.earliest_start)";
        var (f, m, o, n, e) = (Add(command, "@f"), Add(command, "@m"), Add(command, "@o"), Add(command, "@n"), Add(command, "@e"));
        f.Value = EventPartitions.FamilyName(table.Family);
        foreach (var total in written)
        {
            m.Value = EventPartitions.Code(total.Month);
            o.Value = Id(postgres, total.OrganizationId);
            n.Value = total.Rows;
            e.Value = Time(postgres, total.EarliestStart);
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>Subtracts deleted rows (per organisation) of one month, in the deleting transaction; rows at zero go.</summary>
    public static async Task SubtractAsync(
        DbConnection connection, DbTransaction transaction, EventTable table, YearMonth month, IEnumerable<(Guid OrganizationId, long Rows)> removed, CancellationToken ct,
        string totalsTable = MainTable)
    {
        var postgres = connection is NpgsqlConnection;
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"UPDATE {totalsTable} SET row_count = row_count - @n WHERE family = @f AND month = @m AND organization_id = @o";
        var (f, m, o, n) = (Add(command, "@f"), Add(command, "@m"), Add(command, "@o"), Add(command, "@n"));
        f.Value = EventPartitions.FamilyName(table.Family);
        m.Value = EventPartitions.Code(month);
        foreach (var (organization, rows) in removed)
        {
            o.Value = Id(postgres, organization);
            n.Value = rows;
            await command.ExecuteNonQueryAsync(ct);
        }

        await ExecuteAsync(connection, transaction, string.Create(CultureInfo.InvariantCulture,
            $"DELETE FROM {totalsTable} WHERE family = '{EventPartitions.FamilyName(table.Family)}' AND month = {EventPartitions.Code(month)} AND row_count <= 0"), ct);
    }

    /// <summary>
    /// Raises every organisation's earliest start of the month to at least <paramref name="startAtLeast"/>. Only for a
    /// caller that has just established, in this transaction, that no row of the month started before it.
    /// </summary>
    public static async Task RaiseEarliestAsync(
        DbConnection connection, DbTransaction transaction, EventTable table, YearMonth month, Instant startAtLeast, CancellationToken ct, string totalsTable = MainTable)
    {
        var postgres = connection is NpgsqlConnection;
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"UPDATE {totalsTable} SET earliest_start = @e WHERE family = @f AND month = @m AND earliest_start < @e";
        Add(command, "@e").Value = Time(postgres, startAtLeast);
        Add(command, "@f").Value = EventPartitions.FamilyName(table.Family);
        Add(command, "@m").Value = EventPartitions.Code(month);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The totals of one month, per organisation (ordered by organisation id as the engine orders them).</summary>
    public static Task<IReadOnlyList<MonthTotal>> ReadMonthAsync(DbConnection connection, DbTransaction? transaction, EventTable table, YearMonth month, CancellationToken ct) =>
        ReadAsync(connection, transaction, table, month, ct);

    /// <summary>Every month's totals of a family (for checks and tests).</summary>
    public static Task<IReadOnlyList<MonthTotal>> ReadAllAsync(DbConnection connection, DbTransaction? transaction, EventTable table, CancellationToken ct) =>
        ReadAsync(connection, transaction, table, null, ct);

    /// <summary>The earliest start (lower bound) of any row of the month; null when the month has no rows.</summary>
    public static async Task<Instant?> EarliestAsync(DbConnection connection, DbTransaction? transaction, EventTable table, YearMonth month, CancellationToken ct,
        string? totalsTable = null)
    {
        var postgres = connection is NpgsqlConnection;
        Instant? earliest = null;
        foreach (var totals in totalsTable is null ? TotalsTables(connection, transaction, table) : [totalsTable])
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"SELECT MIN(earliest_start) FROM {totals} WHERE family = @f AND month = @m";
            Add(command, "@f").Value = EventPartitions.FamilyName(table.Family);
            Add(command, "@m").Value = EventPartitions.Code(month);
            var value = await command.ExecuteScalarAsync(ct);
            if (value is not null and not DBNull && FromTime(postgres, value) is var start && (earliest is null || start < earliest))
            {
                earliest = start;
            }
        }

        return earliest;
    }

    /// <summary>The totals tables of a family: the main one and, on SQLite, every sealed month file's.</summary>
    private static IReadOnlyList<string> TotalsTables(DbConnection connection, DbTransaction? transaction, EventTable table) =>
        connection is Microsoft.Data.Sqlite.SqliteConnection sqlite
            ? [MainTable, .. EventMonthFiles.ReadSealed(sqlite, (Microsoft.Data.Sqlite.SqliteTransaction?)transaction).Where(s => s.Table == table).Select(s => EventMonthFiles.TotalsTable(s.Alias))]
            : [MainTable];

    /// <summary>Removes the month's totals (the month is dropped in the same transaction).</summary>
    public static Task DeleteMonthAsync(DbConnection connection, DbTransaction transaction, EventTable table, YearMonth month, CancellationToken ct) =>
        ExecuteAsync(connection, transaction, string.Create(CultureInfo.InvariantCulture,
            $"DELETE FROM event_month_totals WHERE family = '{EventPartitions.FamilyName(table.Family)}' AND month = {EventPartitions.Code(month)}"), ct);

    /// <summary>The totals of one month or all, summed over the main table and the sealed files (a sealed month with late rows has both).</summary>
    private static async Task<IReadOnlyList<MonthTotal>> ReadAsync(DbConnection connection, DbTransaction? transaction, EventTable table, YearMonth? month, CancellationToken ct)
    {
        var tables = TotalsTables(connection, transaction, table);
        if (tables.Count == 1)
        {
            return await ReadOneAsync(connection, transaction, table, month, tables[0], ct);
        }

        var all = new List<MonthTotal>();
        foreach (var totals in tables)
        {
            all.AddRange(await ReadOneAsync(connection, transaction, table, month, totals, ct));
        }

        // Only SQLite has several tables: its order of organisation ids is the byte order of their stored form.
        return [.. all
            .GroupBy(t => (t.Month, t.OrganizationId))
            .Select(g => new MonthTotal(g.Key.Month, g.Key.OrganizationId, g.Sum(t => t.Rows), g.Min(t => t.EarliestStart)))
            .OrderBy(t => t.Month)
            .ThenBy(t => Convert.ToHexString(EventTable.ToSqliteId(t.OrganizationId)), StringComparer.Ordinal)];
    }

    private static async Task<IReadOnlyList<MonthTotal>> ReadOneAsync(
        DbConnection connection, DbTransaction? transaction, EventTable table, YearMonth? month, string totalsTable, CancellationToken ct)
    {
        var postgres = connection is NpgsqlConnection;
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT month, organization_id, row_count, earliest_start FROM {totalsTable} WHERE family = @f"
            + (month is null ? string.Empty : " AND month = @m") + " ORDER BY month, organization_id";
        Add(command, "@f").Value = EventPartitions.FamilyName(table.Family);
        if (month is { } one)
        {
            Add(command, "@m").Value = EventPartitions.Code(one);
        }

        var rows = new List<MonthTotal>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new MonthTotal(
                EventPartitions.FromCode(Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture)),
                reader.GetGuid(1),
                Convert.ToInt64(reader.GetValue(2), CultureInfo.InvariantCulture),
                FromTime(postgres, reader.GetValue(3))));
        }

        return rows;
    }

    private static object Id(bool postgres, Guid id) => postgres ? id : EventTable.ToSqliteId(id);

    private static object Time(bool postgres, Instant instant) => postgres ? instant.ToDateTimeUtc() : EventTable.ToSqliteTime(instant);

    private static Instant FromTime(bool postgres, object value) => postgres
        ? Instant.FromDateTimeUtc(DateTime.SpecifyKind((DateTime)value, DateTimeKind.Utc))
        : EventTable.FromSqliteTime(Convert.ToInt64(value, CultureInfo.InvariantCulture));

    private static DbParameter Add(DbCommand command, string name)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        command.Parameters.Add(p);
        return p;
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(ct);
    }
}
