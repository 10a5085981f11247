using System.Data.Common;
using System.Globalization;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using NodaTime;
using Npgsql;

namespace Custodian.Core.Features.Events;

/// <summary>
/// The subject look-up's part for the month-partitioned records: the usage and traffic records that hold a phone
/// number, e-mail address or IP address. Called by <see cref="SubjectLookup"/> with the identifier in index form.
/// </summary>
/// <remarks>
/// These tables are outside the EF model, so the tenant filter is applied here, from the context's
/// <see cref="CustodianDbContext.Tenant"/> (a context scoped to no tenant finds nothing). Each query is an equality on
/// the leading column of a per-month index (number, then tenant, then time); PostgreSQL reads only the partitions that
/// exist, and SQLite's view unions exactly the months that exist, pushing the condition into each.
/// </remarks>
internal static partial class EventLookup
{
    public static async Task<IReadOnlyList<object>> FindAsync(CustodianDbContext db, SubjectIdentifierKind kind, string value, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (db.Tenant is { AllTenants: false, OrganizationId: null })
        {
            return [];
        }

        var found = new List<object>();
        if (kind == SubjectIdentifierKind.Phone)
        {
            found.AddRange(await QueryAsync(db, UsageTable.Instance, ["caller_number", "callee_number"], value, ReadUsage, ct));
        }

        if (kind is SubjectIdentifierKind.Phone or SubjectIdentifierKind.Email or SubjectIdentifierKind.Ip)
        {
            found.AddRange(await QueryAsync(db, TrafficTable.Instance, ["subscriber", "counterpart"], value, ReadTraffic, ct));
        }

        return found;
    }

    /// <summary>
    /// The usage records that <paramref name="callerNumber"/> (E.164) made, started in [<paramref name="from"/>,
    /// <paramref name="until"/>), oldest first: one index range per month table (number, tenant, time), so a bill reads
    /// its own period and not the number's whole history. Same tenant rule as <see cref="FindAsync"/>.
    /// </summary>
    public static async Task<IReadOnlyList<UsageRecord>> FindUsageByCallerAsync(
        CustodianDbContext db, string callerNumber, Instant from, Instant until, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(callerNumber);
        if (db.Tenant is { AllTenants: false, OrganizationId: null } || until <= from)
        {
            return [];
        }

        return await QueryAsync(db, UsageTable.Instance, ["caller_number"], callerNumber, ReadUsage, ct, (from, until));
    }

    /// <summary>
    /// As <see cref="FindAsync"/>, but read with a cursor: one record at a time, in the same order (usage then traffic,
    /// each by start time), so an export of a million records holds none of them longer than it writes it. Only the
    /// families asked for are queried. The context's connection stays open while the caller enumerates.
    /// </summary>
    public static async IAsyncEnumerable<object> StreamAsync(
        CustodianDbContext db, SubjectIdentifierKind kind, string value, bool usage, bool traffic, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (db.Tenant is { AllTenants: false, OrganizationId: null })
        {
            yield break;
        }

        if (usage && kind == SubjectIdentifierKind.Phone)
        {
            await foreach (var u in QueryStreamAsync(db, UsageTable.Instance, ["caller_number", "callee_number"], value, ReadUsage, null, ct))
            {
                yield return u;
            }
        }

        if (traffic && kind is SubjectIdentifierKind.Phone or SubjectIdentifierKind.Email or SubjectIdentifierKind.Ip)
        {
            await foreach (var t in QueryStreamAsync(db, TrafficTable.Instance, ["subscriber", "counterpart"], value, ReadTraffic, null, ct))
            {
                yield return t;
            }
        }
    }

    private static async Task<IReadOnlyList<T>> QueryAsync<T>(
        CustodianDbContext db, EventTable table, string[] columns, string value, Func<DbDataReader, bool, T> read, CancellationToken ct,
        (Instant From, Instant Until)? window = null)
        where T : class
    {
        var rows = new List<T>();
        await foreach (var row in QueryStreamAsync(db, table, columns, value, read, window, ct))
        {
            rows.Add(row);
        }

        return rows;
    }

    private static async IAsyncEnumerable<T> QueryStreamAsync<T>(
        CustodianDbContext db, EventTable table, string[] columns, string value, Func<DbDataReader, bool, T> read,
        (Instant From, Instant Until)? window, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
        where T : class
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var connection = db.Database.GetDbConnection();
            var postgres = connection is NpgsqlConnection;
            await using var prefetch = await LookupPrefetch.BeginAsync(connection, db.Database.CurrentTransaction?.GetDbTransaction(), ct);
            await using var command = connection.CreateCommand();
            command.Transaction = prefetch.Transaction;
            var tenant = db.Tenant.AllTenants ? "" : " AND organization_id = @org";
            tenant += window is null ? "" : " AND start_time >= @from AND start_time < @until";
            // One arm per identifier column, each an index seek; a record that holds the value in both columns comes once.
            var arms = columns.Select((c, i) =>
                $"SELECT {table.ColumnList} FROM {table.Name} WHERE {c} = @value{tenant}" +
                string.Concat(columns.Take(i).Select(earlier => $" AND ({earlier} IS NULL OR {earlier} <> @value)")));
            command.CommandText = string.Join(" UNION ALL ", arms) + " ORDER BY start_time";
            Add(command, "@value", value);
            if (window is var (from, until))
            {
                Add(command, "@from", postgres ? from.ToDateTimeUtc() : EventTable.ToSqliteTime(from));
                Add(command, "@until", postgres ? until.ToDateTimeUtc() : EventTable.ToSqliteTime(until));
            }
            if (!db.Tenant.AllTenants)
            {
                var org = db.Tenant.OrganizationId!.Value;
                Add(command, "@org", postgres ? org : EventTable.ToSqliteId(org));
            }

            Observe(command, prefetch);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                yield return read(reader, postgres);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// While set (in this async flow only), each look-up query's text and parameters are added to it before it runs: the
    /// plan tests EXPLAIN exactly what the person's look-up, the access report, productions and the person page send,
    /// under the settings it ran with (<see cref="LookupPrefetch.Applied"/>).
    /// </summary>
    internal static readonly AsyncLocal<List<ObservedQuery>?> Observed = new();

    internal sealed record ObservedQuery(string Sql, IReadOnlyList<(string Name, object Value)> Parameters, IReadOnlyList<(string Name, string Value)> Settings);

    private static void Observe(DbCommand command, LookupPrefetch? prefetch = null) =>
        Observed.Value?.Add(new ObservedQuery(
            command.CommandText, [.. command.Parameters.Cast<DbParameter>().Select(p => (p.ParameterName, p.Value!))], prefetch?.Applied ?? []));

    private static void Add(DbCommand command, string name, object value)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        command.Parameters.Add(p);
    }

    private static Instant Time(DbDataReader r, int i, bool postgres) =>
        postgres ? Instant.FromDateTimeUtc(DateTime.SpecifyKind(r.GetDateTime(i), DateTimeKind.Utc)) : EventTable.FromSqliteTime(r.GetInt64(i));

    private static string? Text(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static int? Int(DbDataReader r, int i) => r.IsDBNull(i) ? null : Convert.ToInt32(r.GetValue(i), CultureInfo.InvariantCulture);

    private static long? Long(DbDataReader r, int i) => r.IsDBNull(i) ? null : Convert.ToInt64(r.GetValue(i), CultureInfo.InvariantCulture);

    private static UsageRecord ReadUsage(DbDataReader r, bool postgres) => new()
    {
        OrganizationId = r.GetGuid(0),
        StartTime = Time(r, 1, postgres),
        RecordKey = r.GetString(2),
        Kind = r.GetString(3),
        Direction = r.GetString(4),
        CallerNumber = Text(r, 5),
        CalleeNumber = r.GetString(6),
        DurationSeconds = Int(r, 7) ?? 0,
        BilledSeconds = Int(r, 8) ?? 0,
        Outcome = Text(r, 9),
        CellId = Text(r, 10),
        Country = Text(r, 11),
        Volume = Long(r, 12),
        Cost = r.IsDBNull(13) ? null : postgres ? r.GetDecimal(13) : decimal.Parse(r.GetString(13), CultureInfo.InvariantCulture),
        Currency = Text(r, 14),
        ServiceReference = Text(r, 15),
        ImportBatchId = r.GetGuid(16),
    };

    private static TrafficRecord ReadTraffic(DbDataReader r, bool postgres) => new()
    {
        OrganizationId = r.GetGuid(0),
        StartTime = Time(r, 1, postgres),
        RecordKey = r.GetString(2),
        Kind = r.GetString(3),
        Direction = r.GetString(4),
        SubscriberKind = r.GetString(5),
        Subscriber = r.GetString(6),
        Counterpart = Text(r, 7),
        DurationSeconds = Int(r, 8),
        Bytes = Long(r, 9),
        Protocol = Text(r, 10),
        CellId = Text(r, 11),
        Country = Text(r, 12),
        ServiceReference = Text(r, 13),
        ImportBatchId = r.GetGuid(14),
    };
}
