using System.Data.Common;
using System.Globalization;
using System.Text;
using Custodian.Core.Features.Events;
using NodaTime;
using Npgsql;

namespace Custodian.Core.Features.Retention;

/// <summary>
/// A legal hold's reach into the usage and traffic tables: a record is covered when it belongs to the organisation (any,
/// when null), started within [<see cref="From"/>, <see cref="Until"/>) (open ends when null), and holds one of the
/// <see cref="Identifiers"/> in an identifier column (any record, when empty). Identifiers are in the holds' comparison
/// form (<see cref="HoldIdentifiers.MatchForm"/>: e-mail in lower case), so the SQL compares lower-cased columns.
/// </summary>
internal sealed record EventHoldScope(Guid? OrganizationId, Instant? From, Instant? Until, IReadOnlyList<string> Identifiers)
{
    /// <summary>The scopes of the active holds that can keep records of <paramref name="category"/>.</summary>
    public static IReadOnlyList<EventHoldScope> Of(ActiveHolds holds, string category)
    {
        ArgumentNullException.ThrowIfNull(holds);
        return [.. holds.Scopes
            .Where(s => s.Categories.Count == 0 || s.Categories.Contains(category))
            .Select(s => new EventHoldScope(s.OrganizationId, s.RecordsFrom, s.RecordsUntil, [.. s.Identifiers.Select(i => i.Value).Distinct(StringComparer.Ordinal)]))];
    }
}

/// <summary>
/// One usage or traffic record's identity: its organisation, import batch and key, and its start (which gives its month
/// table); plus an always-present identifier column and its value (usage: callee number; traffic: subscriber), so a
/// delete by id seeks that identifier's index (identifier, organisation, start) instead of scanning the month.
/// </summary>
internal sealed record EventRecordId(Guid OrganizationId, Guid ImportBatchId, string RecordKey, Instant StartTime, string IndexColumn, string IndexValue)
{
    public static EventRecordId Of(object record) => record switch
    {
        UsageRecord u => new(u.OrganizationId, u.ImportBatchId, u.RecordKey, u.StartTime, "callee_number", u.CalleeNumber),
        TrafficRecord t => new(t.OrganizationId, t.ImportBatchId, t.RecordKey, t.StartTime, "subscriber", t.Subscriber),
        _ => throw new InvalidOperationException($"{record?.GetType().Name} is no event record."),
    };
}

/// <summary>Rows of one organisation removed from an event table, and the earliest start among them (for lateness).</summary>
internal sealed record EventDeletion(Guid OrganizationId, long Rows, Instant EarliestStart);

/// <summary>
/// The raw SQL of retention on the month-partitioned event tables, inside the caller's transaction: count a month's held
/// rows per organisation, copy the rows a hold covers to the held table, drop a month, and delete expired rows in batches from a
/// month that is only partly expired (or from the held table once its holds have ended).
/// </summary>
internal sealed class EventRetention(DbConnection connection, DbTransaction transaction)
{
    private static readonly string[] ErasureParameters = ["@f", "@m", "@o", "@s", "@b", "@k", "@c", "@v"];

    private readonly bool _postgres = connection is NpgsqlConnection;

    /// <summary>
    /// The rows of <paramref name="source"/> that <paramref name="holds"/> cover, per organisation, with the earliest
    /// start of each (none when the list is empty). All rows of a month come from <see cref="EventMonthTotals"/>.
    /// </summary>
    public async Task<IReadOnlyList<EventDeletion>> CountHeldAsync(EventTable table, string source, IReadOnlyList<EventHoldScope> holds, CancellationToken ct)
    {
        if (holds.Count == 0)
        {
            return [];
        }

        await using var command = Command(string.Empty);
        command.CommandText = $"SELECT organization_id, COUNT(*), MIN(start_time) FROM {source} WHERE {HeldCondition(command, table, holds)} GROUP BY organization_id ORDER BY organization_id";
        return await ReadDeletionsAsync(command, ct);
    }

    /// <summary>
    /// Copies the rows of month table <paramref name="source"/> that any of <paramref name="holds"/> covers into the
    /// family's held table. Returns how many were copied.
    /// </summary>
    public async Task<long> PreserveHeldAsync(EventTable table, string source, IReadOnlyList<EventHoldScope> holds, CancellationToken ct)
    {
        if (holds.Count == 0)
        {
            return 0;
        }

        await using var command = Command(string.Empty);
        command.CommandText = $"INSERT INTO {table.HeldTable} ({table.ColumnList}) SELECT {table.ColumnList} FROM {source} WHERE {HeldCondition(command, table, holds)}";
        return await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// PostgreSQL: detaches month <paramref name="month"/> from its parent, so its held rows can move to the parent's
    /// DEFAULT partition (which refuses rows of a range another partition still covers). Transactional, like the rest.
    /// SQLite: nothing to do.
    /// </summary>
    public async Task DetachMonthAsync(EventTable table, YearMonth month, CancellationToken ct)
    {
        if (_postgres)
        {
            await ExecuteAsync($"ALTER TABLE {table.Name} DETACH PARTITION {table.MonthTable(month)}", ct);
        }
    }

    /// <summary>
    /// Drops month <paramref name="month"/> of <paramref name="table"/>: its main-database table, its registry row and its
    /// totals; on SQLite rebuilds the view over the remaining months (and the held table) in the same transaction. A
    /// month with a sealed file (<paramref name="sealedFile"/>) keeps its registry row marked <c>dropping</c>: from this
    /// commit on no connection attaches the file, which <see cref="EventMonthFiles.FinishDrops"/> deletes after the commit.
    /// </summary>
    public async Task DropMonthAsync(EventTable table, YearMonth month, bool sealedFile, CancellationToken ct)
    {
        await ExecuteAsync($"DROP TABLE IF EXISTS {table.MonthTable(month)}", ct);
        await EventMonthTotals.DeleteMonthAsync(connection, transaction, table, month, ct);
        var row = string.Create(CultureInfo.InvariantCulture, $"family = '{EventPartitions.FamilyName(table.Family)}' AND month = {EventPartitions.Code(month)}");
        await ExecuteAsync(sealedFile ? $"UPDATE event_partitions SET dropping = TRUE WHERE {row}" : $"DELETE FROM event_partitions WHERE {row}", ct);
        if (!_postgres)
        {
            var remaining = await EventPartitions.MainTableMonthsAsync(connection, transaction, table, ct);
            await ExecuteAsync(EventPartitions.SqliteViewSql(table, remaining), ct);
        }
    }

    /// <summary>
    /// Deletes up to <paramref name="limit"/> rows of <paramref name="source"/> that started before
    /// <paramref name="startBefore"/> (<see cref="RetentionCutoff.AnchorBefore"/>: exactly the expired ones) and that none of <paramref name="holds"/> covers. Returns what went, per organisation;
    /// fewer than <paramref name="limit"/> rows means nothing more is due. Safe to repeat: the condition is the state.
    /// </summary>
    public async Task<IReadOnlyList<EventDeletion>> DeleteExpiredAsync(
        EventTable table, string source, Instant startBefore, IReadOnlyList<EventHoldScope> holds, int limit, CancellationToken ct)
    {
        await using var command = Command(string.Empty);
        var rowId = _postgres ? "ctid" : "rowid";
        var where = new StringBuilder("start_time < @before");
        Add(command, "@before", Time(startBefore));
        if (holds.Count > 0)
        {
            where.Append(" AND NOT (").Append(HeldCondition(command, table, holds)).Append(')');
        }

        // By physical row id, so each batch is an index or rowid range read plus exact deletes: PostgreSQL's
        // "= ANY(ARRAY(...))" becomes a TID scan (an IN over a subquery would scan the month for a semi-join).
        var pick = string.Create(CultureInfo.InvariantCulture, $"SELECT {rowId} FROM {source} WHERE {where} LIMIT {limit}");
        command.CommandText = _postgres
            ? $"DELETE FROM {source} WHERE ctid = ANY(ARRAY({pick})) RETURNING organization_id, start_time"
            : $"DELETE FROM {source} WHERE rowid IN ({pick}) RETURNING organization_id, start_time";
        var perOrganization = new Dictionary<Guid, (long Rows, Instant Earliest)>();
        await DeleteReturningAsync(command, perOrganization, ct);
        return Deletions(perOrganization);
    }

    /// <summary>
    /// Deletes the given records of one person (an erasure, Art. 17) from their month tables, and from the held table,
    /// by their ids; the month totals lose the same rows in this transaction (<see cref="EventMonthTotals.SubtractAsync"/>,
    /// as the sweep's deletes: the count stays exact and the earliest start stays a valid lower bound, since removing
    /// rows can only move the true earliest later). Returns what went, per organisation; a record already gone is no
    /// error (an erasure is re-run safely).
    /// </summary>
    public async Task<IReadOnlyList<EventDeletion>> DeleteRecordsAsync(EventTable table, IReadOnlyList<EventRecordId> records, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(records);
        var total = new Dictionary<Guid, (long Rows, Instant Earliest)>();
        var sources = await EventPartitions.SourcesAsync(connection, transaction, table, ct);
        foreach (var month in records.GroupBy(r => EventPartitions.MonthOf(r.StartTime)))
        {
            var perOrganization = new Dictionary<Guid, (long Rows, Instant Earliest)>();
            foreach (var source in sources.Where(s => s.Month == month.Key))
            {
                var fromSource = new Dictionary<Guid, (long Rows, Instant Earliest)>();
                if (source.Sealed)
                {
                    // A sealed month is another file: this transaction commits the main file first. The ids written
                    // here let a crash between the two commits be finished (EventMonthFiles.FinishErasuresAsync).
                    await RememberErasuresAsync(table, month.Key, month, ct);
                }

                foreach (var record in month)
                {
                    await DeleteOneAsync(source.Table, record, fromSource, ct);
                }

                await EventMonthTotals.SubtractAsync(connection, transaction, table, month.Key, fromSource.Select(p => (p.Key, p.Value.Rows)), ct, source.TotalsTable);
                Merge(perOrganization, fromSource);
            }

            // A month dropped under a hold left its held rows in the held table (no totals there); once the hold is
            // released they are erasable like any other.
            foreach (var record in month)
            {
                await DeleteOneAsync(table.HeldTable, record, perOrganization, ct);
            }

            Merge(total, perOrganization);
        }

        return Deletions(total);
    }

    private static void Merge(Dictionary<Guid, (long Rows, Instant Earliest)> into, Dictionary<Guid, (long Rows, Instant Earliest)> from)
    {
        foreach (var (organization, (rows, earliest)) in from)
        {
            into[organization] = into.TryGetValue(organization, out var seen)
                ? (seen.Rows + rows, earliest < seen.Earliest ? earliest : seen.Earliest)
                : (rows, earliest);
        }
    }

    /// <summary>Writes the ids an erasure deletes from a sealed month into <c>event_file_erasures</c> (main file, this transaction).</summary>
    private async Task RememberErasuresAsync(EventTable table, YearMonth month, IEnumerable<EventRecordId> records, CancellationToken ct)
    {
        await using var command = Command(
            "INSERT INTO event_file_erasures (family, month, organization_id, start_time, import_batch_id, record_key, index_column, index_value) " +
            "VALUES (@f, @m, @o, @s, @b, @k, @c, @v)");
        var parameters = ErasureParameters.Select(n =>
        {
            var p = command.CreateParameter();
            p.ParameterName = n;
            command.Parameters.Add(p);
            return p;
        }).ToArray();
        foreach (var record in records)
        {
            parameters[0].Value = EventPartitions.FamilyName(table.Family);
            parameters[1].Value = EventPartitions.Code(month);
            parameters[2].Value = EventTable.ToSqliteId(record.OrganizationId);
            parameters[3].Value = EventTable.ToSqliteTime(record.StartTime);
            parameters[4].Value = EventTable.ToSqliteId(record.ImportBatchId);
            parameters[5].Value = record.RecordKey;
            parameters[6].Value = record.IndexColumn;
            parameters[7].Value = record.IndexValue;
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>
    /// Finishes erasures in sealed SQLite months (<c>event_file_erasures</c>): deletes each remembered record from its
    /// month file again, with the file's totals, in a transaction of that file alone (a record already gone is
    /// nothing), then forgets the ids. The erasure's own transaction deleted them already unless a crash came between
    /// its two commits; the erasure runs this after its commit, and every sweep at its start.
    /// </summary>
    public static async Task FinishFileErasuresAsync(DbConnection connection, CancellationToken ct)
    {
        if (connection is not Microsoft.Data.Sqlite.SqliteConnection sqlite)
        {
            return;
        }

        var pending = new List<(long Id, string Family, int Month, EventRecordId Record)>();
        await using (var read = connection.CreateCommand())
        {
            read.CommandText = "SELECT id, family, month, organization_id, import_batch_id, record_key, start_time, index_column, index_value FROM event_file_erasures ORDER BY id";
            await using var reader = await read.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                pending.Add((reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), new EventRecordId(
                    reader.GetGuid(3), reader.GetGuid(4), reader.GetString(5), EventTable.FromSqliteTime(reader.GetInt64(6)), reader.GetString(7), reader.GetString(8))));
            }
        }

        if (pending.Count == 0)
        {
            return;
        }

        var sealedMonths = EventMonthFiles.ReadSealed(sqlite, null);
        foreach (var group in pending.GroupBy(p => (p.Family, p.Month)))
        {
            if (sealedMonths.FirstOrDefault(s => EventPartitions.FamilyName(s.Table.Family) == group.Key.Family && EventPartitions.Code(s.Month) == group.Key.Month) is not { } month)
            {
                continue; // dropped since: the file went with every record in it
            }

            await using var tx = await connection.BeginTransactionAsync(ct);
            var sql = new EventRetention(connection, tx);
            var removed = new Dictionary<Guid, (long Rows, Instant Earliest)>();
            foreach (var (_, _, _, record) in group)
            {
                await sql.DeleteOneAsync(EventMonthFiles.RecordsTable(month.Alias), record, removed, ct);
            }

            await EventMonthTotals.SubtractAsync(connection, tx, month.Table, month.Month, removed.Select(r => (r.Key, r.Value.Rows)), ct, EventMonthFiles.TotalsTable(month.Alias));
            await tx.CommitAsync(ct);
        }

        await using var forget = connection.CreateCommand();
        forget.CommandText = string.Create(CultureInfo.InvariantCulture, $"DELETE FROM event_file_erasures WHERE id <= {pending[^1].Id}");
        await forget.ExecuteNonQueryAsync(ct);
    }

    private async Task DeleteOneAsync(string source, EventRecordId record, Dictionary<Guid, (long Rows, Instant Earliest)> perOrganization, CancellationToken ct)
    {
        await using var command = Command(
            $"DELETE FROM {source} WHERE {record.IndexColumn} = @ident AND organization_id = @org AND start_time = @start AND import_batch_id = @batch AND record_key = @key RETURNING organization_id, start_time");
        Add(command, "@ident", record.IndexValue);
        Add(command, "@org", _postgres ? record.OrganizationId : EventTable.ToSqliteId(record.OrganizationId));
        Add(command, "@start", Time(record.StartTime));
        Add(command, "@batch", _postgres ? record.ImportBatchId : EventTable.ToSqliteId(record.ImportBatchId));
        Add(command, "@key", record.RecordKey);
        await DeleteReturningAsync(command, perOrganization, ct);
    }

    /// <summary>Runs a <c>DELETE ... RETURNING organization_id, start_time</c> and adds what went to <paramref name="perOrganization"/>.</summary>
    private async Task DeleteReturningAsync(DbCommand command, Dictionary<Guid, (long Rows, Instant Earliest)> perOrganization, CancellationToken ct)
    {
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var org = reader.GetGuid(0);
            var start = ReadTime(reader, 1);
            perOrganization[org] = perOrganization.TryGetValue(org, out var seen)
                ? (seen.Rows + 1, start < seen.Earliest ? start : seen.Earliest)
                : (1, start);
        }
    }

    private static List<EventDeletion> Deletions(Dictionary<Guid, (long Rows, Instant Earliest)> perOrganization) =>
        [.. perOrganization.OrderBy(p => p.Key).Select(p => new EventDeletion(p.Key, p.Value.Rows, p.Value.Earliest))];

    /// <summary>The SQL that is true for a row any of the holds covers; adds its parameters to <paramref name="command"/>.</summary>
    private string HeldCondition(DbCommand command, EventTable table, IReadOnlyList<EventHoldScope> holds)
    {
        var any = new List<string>();
        for (var h = 0; h < holds.Count; h++)
        {
            var hold = holds[h];
            var all = new List<string>();
            if (hold.OrganizationId is { } org)
            {
                all.Add($"organization_id = @h{h}org");
                Add(command, $"@h{h}org", _postgres ? org : EventTable.ToSqliteId(org));
            }

            if (hold.From is { } from)
            {
                all.Add($"start_time >= @h{h}from");
                Add(command, $"@h{h}from", Time(from));
            }

            if (hold.Until is { } until)
            {
                all.Add($"start_time < @h{h}until");
                Add(command, $"@h{h}until", Time(until));
            }

            if (hold.Identifiers.Count > 0)
            {
                var names = new List<string>();
                for (var i = 0; i < hold.Identifiers.Count; i++)
                {
                    names.Add($"@h{h}id{i}");
                    Add(command, $"@h{h}id{i}", hold.Identifiers[i]);
                }

                var list = string.Join(", ", names);
                all.Add("(" + string.Join(" OR ", table.IdentifierColumns.Select(c => $"lower({c}) IN ({list})")) + ")");
            }

            any.Add(all.Count == 0 ? "1 = 1" : "(" + string.Join(" AND ", all) + ")");
        }

        return string.Join(" OR ", any);
    }

    private async Task<IReadOnlyList<EventDeletion>> ReadDeletionsAsync(DbCommand command, CancellationToken ct)
    {
        var rows = new List<EventDeletion>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new EventDeletion(reader.GetGuid(0), Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture), ReadTime(reader, 2)));
        }

        return rows;
    }

    private object Time(Instant instant) => _postgres ? instant.ToDateTimeUtc() : EventTable.ToSqliteTime(instant);

    private Instant ReadTime(DbDataReader reader, int i) => _postgres
        ? Instant.FromDateTimeUtc(DateTime.SpecifyKind(reader.GetDateTime(i), DateTimeKind.Utc))
        : EventTable.FromSqliteTime(reader.GetInt64(i));

    private async Task ExecuteAsync(string sql, CancellationToken ct)
    {
        await using var command = Command(sql);
        await command.ExecuteNonQueryAsync(ct);
    }

    private DbCommand Command(string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        command.Parameters.Add(p);
    }
}
