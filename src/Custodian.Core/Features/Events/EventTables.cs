using System.Globalization;
using NodaTime;
using Npgsql;
using NpgsqlTypes;

namespace Custodian.Core.Features.Events;

/// <summary>The two high-volume record families, each in its own month-partitioned table.</summary>
internal enum EventFamily
{
    Usage,
    Traffic,
}

/// <summary>One column of a month-partitioned event table, with how each engine's bulk path writes it.</summary>
/// <param name="Name">Column name (snake_case, as in the EF tables).</param>
/// <param name="Property">The record property it stores; its <c>PersonalData</c> mark is the column's register category.</param>
/// <param name="PostgresType">PostgreSQL type, with NOT NULL where required.</param>
/// <param name="SqliteType">SQLite STRICT type, with NOT NULL where required.</param>
internal sealed record EventColumn(string Name, string Property, string PostgresType, string SqliteType);

/// <summary>An index every month of a table has: on a subscriber identifier, then the tenant, then time.</summary>
/// <remarks>
/// The identifier leads (not the tenant) because the look-up that access requests and authority orders use searches
/// one number across every organisation the caller may see; a tenant's own look-up adds the tenant as the second
/// equality. Time last, so one subscriber's records come out in time order and a period is a range scan.
/// </remarks>
internal sealed record EventIndex(string Suffix, IReadOnlyList<string> Columns);

/// <summary>
/// The layout of one event table: columns, indexes, and the typed bulk writers for both engines. The month tables
/// (<c>usage_records_2026_11</c>) are created from this by <see cref="EventPartitions"/>.
/// </summary>
internal abstract class EventTable
{
    public abstract EventFamily Family { get; }

    /// <summary>Parent table (PostgreSQL) or view over the months (SQLite): <c>usage_records</c>.</summary>
    public abstract string Name { get; }

    public abstract Type RecordType { get; }

    public abstract IReadOnlyList<EventColumn> Columns { get; }

    public abstract IReadOnlyList<EventIndex> Indexes { get; }

    /// <summary>The month table's name: <c>usage_records_2026_11</c>.</summary>
    public string MonthTable(YearMonth month) =>
        string.Create(CultureInfo.InvariantCulture, $"{Name}_{month.Year:D4}_{month.Month:D2}");

    public string ColumnList => string.Join(", ", Columns.Select(c => c.Name));

    /// <summary>
    /// The order a month is rewritten in once it is no longer written to (sealing, the rewrites of
    /// <c>EventMonthRewrite</c>): the first index's columns, so one subscriber's records of the month share pages.
    /// </summary>
    public string SubscriberOrder => string.Join(", ", Indexes[0].Columns);

    /// <summary>The columns that hold a subscriber identifier (the indexed ones): what a hold on an identifier matches.</summary>
    public IReadOnlyList<string> IdentifierColumns => [.. Indexes.Select(i => i.Columns[0])];

    /// <summary>
    /// Where records of dropped months that a legal hold still covers are kept (<c>usage_records_held</c>): on
    /// PostgreSQL the DEFAULT partition of the parent, on SQLite a table in the view, so look-ups find them as before.
    /// </summary>
    public string HeldTable => $"{Name}_held";

    public static EventTable For(EventFamily family) => family switch
    {
        EventFamily.Usage => UsageTable.Instance,
        EventFamily.Traffic => TrafficTable.Instance,
        _ => throw new ArgumentOutOfRangeException(nameof(family)),
    };

    public static IReadOnlyList<EventTable> All { get; } = [UsageTable.Instance, TrafficTable.Instance];

    // Shared helpers for the typed writers.
    protected static void Text(NpgsqlBinaryImporter w, string? value)
    {
        if (value is null)
        {
            w.WriteNull();
        }
        else
        {
            w.Write(value, NpgsqlDbType.Text);
        }
    }

    protected static void Int(NpgsqlBinaryImporter w, int? value)
    {
        if (value is { } v)
        {
            w.Write(v, NpgsqlDbType.Integer);
        }
        else
        {
            w.WriteNull();
        }
    }

    protected static void Long(NpgsqlBinaryImporter w, long? value)
    {
        if (value is { } v)
        {
            w.Write(v, NpgsqlDbType.Bigint);
        }
        else
        {
            w.WriteNull();
        }
    }

    /// <summary>SQLite stores ids as 16-byte BLOBs (<see cref="Guid.ToByteArray()"/>): less than half the TEXT form, in every index.</summary>
    public static byte[] ToSqliteId(Guid id) => id.ToByteArray();

    /// <summary>SQLite stores times as microseconds since the Unix epoch (UTC): compact, ordered, exact to PostgreSQL's precision.</summary>
    public static long ToSqliteTime(Instant instant) => instant.ToUnixTimeTicks() / 10;

    public static Instant FromSqliteTime(long microseconds) => Instant.FromUnixTimeTicks(microseconds * 10);

    /// <summary>SQLite keeps money as exact decimal text (a REAL would round it).</summary>
    public static string? ToSqliteDecimal(decimal? value) => value?.ToString(CultureInfo.InvariantCulture);
}

/// <summary>A table's typed bulk path: the values of one record, in <see cref="EventTable.Columns"/> order.</summary>
internal abstract class EventTable<TRow> : EventTable
{
    public override Type RecordType => typeof(TRow);

    public abstract Instant StartOf(TRow row);

    /// <summary>The organisation a row belongs to (for the month totals, <see cref="EventMonthTotals"/>).</summary>
    public abstract Guid OrganizationOf(TRow row);

    /// <summary>Writes one row to a binary COPY (after <c>StartRow</c>).</summary>
    public abstract void WritePostgres(NpgsqlBinaryImporter importer, TRow row);

    /// <summary>Fills the prepared insert's parameters (one per column, in order).</summary>
    public abstract void BindSqlite(Microsoft.Data.Sqlite.SqliteParameterCollection parameters, TRow row);
}

internal sealed class UsageTable : EventTable<UsageRecord>
{
    public static readonly UsageTable Instance = new();

    private UsageTable()
    {
    }

    public override EventFamily Family => EventFamily.Usage;

    public override string Name => "usage_records";

    public override IReadOnlyList<EventColumn> Columns { get; } =
    [
        new("organization_id", nameof(UsageRecord.OrganizationId), "uuid NOT NULL", "BLOB NOT NULL"),
        new("start_time", nameof(UsageRecord.StartTime), "timestamptz NOT NULL", "INTEGER NOT NULL"),
        new("record_key", nameof(UsageRecord.RecordKey), "text NOT NULL", "TEXT NOT NULL"),
        new("kind", nameof(UsageRecord.Kind), "text NOT NULL", "TEXT NOT NULL"),
        new("direction", nameof(UsageRecord.Direction), "text NOT NULL", "TEXT NOT NULL"),
        new("caller_number", nameof(UsageRecord.CallerNumber), "text", "TEXT"),
        new("callee_number", nameof(UsageRecord.CalleeNumber), "text NOT NULL", "TEXT NOT NULL"),
        new("duration_seconds", nameof(UsageRecord.DurationSeconds), "integer NOT NULL", "INTEGER NOT NULL"),
        new("billed_seconds", nameof(UsageRecord.BilledSeconds), "integer NOT NULL", "INTEGER NOT NULL"),
        new("outcome", nameof(UsageRecord.Outcome), "text", "TEXT"),
        new("cell_id", nameof(UsageRecord.CellId), "text", "TEXT"),
        new("country", nameof(UsageRecord.Country), "text", "TEXT"),
        new("volume", nameof(UsageRecord.Volume), "bigint", "INTEGER"),
        new("cost", nameof(UsageRecord.Cost), "numeric(18,6)", "TEXT"),
        new("currency", nameof(UsageRecord.Currency), "text", "TEXT"),
        new("service_reference", nameof(UsageRecord.ServiceReference), "text", "TEXT"),
        new("import_batch_id", nameof(UsageRecord.ImportBatchId), "uuid NOT NULL", "BLOB NOT NULL"),
    ];

    public override IReadOnlyList<EventIndex> Indexes { get; } =
    [
        new("caller", ["caller_number", "organization_id", "start_time"]),
        new("callee", ["callee_number", "organization_id", "start_time"]),
    ];

    public override Instant StartOf(UsageRecord row) => row.StartTime;

    public override Guid OrganizationOf(UsageRecord row) => row.OrganizationId;

    public override void WritePostgres(NpgsqlBinaryImporter w, UsageRecord r)
    {
        w.Write(r.OrganizationId, NpgsqlDbType.Uuid);
        w.Write(r.StartTime.ToDateTimeUtc(), NpgsqlDbType.TimestampTz);
        w.Write(r.RecordKey, NpgsqlDbType.Text);
        w.Write(r.Kind, NpgsqlDbType.Text);
        w.Write(r.Direction, NpgsqlDbType.Text);
        Text(w, r.CallerNumber);
        w.Write(r.CalleeNumber, NpgsqlDbType.Text);
        w.Write(r.DurationSeconds, NpgsqlDbType.Integer);
        w.Write(r.BilledSeconds, NpgsqlDbType.Integer);
        Text(w, r.Outcome);
        Text(w, r.CellId);
        Text(w, r.Country);
        Long(w, r.Volume);
        if (r.Cost is { } cost)
        {
            w.Write(cost, NpgsqlDbType.Numeric);
        }
        else
        {
            w.WriteNull();
        }

        Text(w, r.Currency);
        Text(w, r.ServiceReference);
        w.Write(r.ImportBatchId, NpgsqlDbType.Uuid);
    }

    public override void BindSqlite(Microsoft.Data.Sqlite.SqliteParameterCollection p, UsageRecord r)
    {
        p[0].Value = ToSqliteId(r.OrganizationId);
        p[1].Value = ToSqliteTime(r.StartTime);
        p[2].Value = r.RecordKey;
        p[3].Value = r.Kind;
        p[4].Value = r.Direction;
        p[5].Value = (object?)r.CallerNumber ?? DBNull.Value;
        p[6].Value = r.CalleeNumber;
        p[7].Value = r.DurationSeconds;
        p[8].Value = r.BilledSeconds;
        p[9].Value = (object?)r.Outcome ?? DBNull.Value;
        p[10].Value = (object?)r.CellId ?? DBNull.Value;
        p[11].Value = (object?)r.Country ?? DBNull.Value;
        p[12].Value = (object?)r.Volume ?? DBNull.Value;
        p[13].Value = (object?)ToSqliteDecimal(r.Cost) ?? DBNull.Value;
        p[14].Value = (object?)r.Currency ?? DBNull.Value;
        p[15].Value = (object?)r.ServiceReference ?? DBNull.Value;
        p[16].Value = ToSqliteId(r.ImportBatchId);
    }
}

internal sealed class TrafficTable : EventTable<TrafficRecord>
{
    public static readonly TrafficTable Instance = new();

    private TrafficTable()
    {
    }

    public override EventFamily Family => EventFamily.Traffic;

    public override string Name => "traffic_records";

    public override IReadOnlyList<EventColumn> Columns { get; } =
    [
        new("organization_id", nameof(TrafficRecord.OrganizationId), "uuid NOT NULL", "BLOB NOT NULL"),
        new("start_time", nameof(TrafficRecord.StartTime), "timestamptz NOT NULL", "INTEGER NOT NULL"),
        new("record_key", nameof(TrafficRecord.RecordKey), "text NOT NULL", "TEXT NOT NULL"),
        new("kind", nameof(TrafficRecord.Kind), "text NOT NULL", "TEXT NOT NULL"),
        new("direction", nameof(TrafficRecord.Direction), "text NOT NULL", "TEXT NOT NULL"),
        new("subscriber_kind", nameof(TrafficRecord.SubscriberKind), "text NOT NULL", "TEXT NOT NULL"),
        new("subscriber", nameof(TrafficRecord.Subscriber), "text NOT NULL", "TEXT NOT NULL"),
        new("counterpart", nameof(TrafficRecord.Counterpart), "text", "TEXT"),
        new("duration_seconds", nameof(TrafficRecord.DurationSeconds), "integer", "INTEGER"),
        new("bytes", nameof(TrafficRecord.Bytes), "bigint", "INTEGER"),
        new("protocol", nameof(TrafficRecord.Protocol), "text", "TEXT"),
        new("cell_id", nameof(TrafficRecord.CellId), "text", "TEXT"),
        new("country", nameof(TrafficRecord.Country), "text", "TEXT"),
        new("service_reference", nameof(TrafficRecord.ServiceReference), "text", "TEXT"),
        new("import_batch_id", nameof(TrafficRecord.ImportBatchId), "uuid NOT NULL", "BLOB NOT NULL"),
    ];

    public override IReadOnlyList<EventIndex> Indexes { get; } =
    [
        new("subscriber", ["subscriber", "organization_id", "start_time"]),
        new("counterpart", ["counterpart", "organization_id", "start_time"]),
    ];

    public override Instant StartOf(TrafficRecord row) => row.StartTime;

    public override Guid OrganizationOf(TrafficRecord row) => row.OrganizationId;

    public override void WritePostgres(NpgsqlBinaryImporter w, TrafficRecord r)
    {
        w.Write(r.OrganizationId, NpgsqlDbType.Uuid);
        w.Write(r.StartTime.ToDateTimeUtc(), NpgsqlDbType.TimestampTz);
        w.Write(r.RecordKey, NpgsqlDbType.Text);
        w.Write(r.Kind, NpgsqlDbType.Text);
        w.Write(r.Direction, NpgsqlDbType.Text);
        w.Write(r.SubscriberKind, NpgsqlDbType.Text);
        w.Write(r.Subscriber, NpgsqlDbType.Text);
        Text(w, r.Counterpart);
        Int(w, r.DurationSeconds);
        Long(w, r.Bytes);
        Text(w, r.Protocol);
        Text(w, r.CellId);
        Text(w, r.Country);
        Text(w, r.ServiceReference);
        w.Write(r.ImportBatchId, NpgsqlDbType.Uuid);
    }

    public override void BindSqlite(Microsoft.Data.Sqlite.SqliteParameterCollection p, TrafficRecord r)
    {
        p[0].Value = ToSqliteId(r.OrganizationId);
        p[1].Value = ToSqliteTime(r.StartTime);
        p[2].Value = r.RecordKey;
        p[3].Value = r.Kind;
        p[4].Value = r.Direction;
        p[5].Value = r.SubscriberKind;
        p[6].Value = r.Subscriber;
        p[7].Value = (object?)r.Counterpart ?? DBNull.Value;
        p[8].Value = (object?)r.DurationSeconds ?? DBNull.Value;
        p[9].Value = (object?)r.Bytes ?? DBNull.Value;
        p[10].Value = (object?)r.Protocol ?? DBNull.Value;
        p[11].Value = (object?)r.CellId ?? DBNull.Value;
        p[12].Value = (object?)r.Country ?? DBNull.Value;
        p[13].Value = (object?)r.ServiceReference ?? DBNull.Value;
        p[14].Value = ToSqliteId(r.ImportBatchId);
    }
}
