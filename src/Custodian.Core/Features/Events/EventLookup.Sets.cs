using System.Data.Common;
using System.Globalization;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using NodaTime;
using Npgsql;

namespace Custodian.Core.Features.Events;

/// <summary>
/// Which records of one event family an export reads: those holding any of <paramref name="Values"/> in one of the
/// family's identifier columns, minus those holding any of <paramref name="Excluded"/> (a person's identifiers that an
/// earlier part of the export already covered), optionally only those started in [From, Until).
/// </summary>
internal sealed record EventSet(IReadOnlyList<string> Values, IReadOnlyList<string> Excluded, (Instant From, Instant Until)? Window = null)
{
    public bool IsEmpty => Values.Count == 0;
}

/// <summary>Per organisation, how many records of a family an <see cref="EventSet"/> holds.</summary>
internal sealed record EventSetCount(string Category, Guid OrganizationId, long Count);

internal static partial class EventLookup
{
    /// <summary>
    /// The usage (<paramref name="usage"/>) records of an <see cref="EventSet"/>, or the traffic records, with a cursor,
    /// each once, by start time: what an export streams instead of holding. One arm per identifier column (an index
    /// range per value and month, as <see cref="FindAsync"/>), the earlier columns excluded in the later arms.
    /// Tenant-filtered like <see cref="FindAsync"/>. The context's connection stays open while the caller enumerates.
    /// </summary>
    public static async IAsyncEnumerable<object> StreamSetAsync(
        CustodianDbContext db, bool usage, EventSet set, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(set);
        if (set.IsEmpty || db.Tenant is { AllTenants: false, OrganizationId: null })
        {
            yield break;
        }

        var (table, columns) = Family(usage);
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var prefetch = await LookupPrefetch.BeginAsync(db.Database.GetDbConnection(), db.Database.CurrentTransaction?.GetDbTransaction(), ct);
            await using var command = SetCommand(db, table, columns, set, table.ColumnList, out var postgres);
            command.Transaction = prefetch.Transaction;
            command.CommandText += " ORDER BY start_time";
            Observe(command, prefetch);
            await using var reader = await command.ExecuteReaderAsync(ct);
            var rows = RowsStreamed.Value;
            while (await reader.ReadAsync(ct))
            {
                rows?.Increment();
                yield return usage ? ReadUsage(reader, postgres) : ReadTraffic(reader, postgres);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// How many records <see cref="StreamSetAsync"/> would give, per organisation, counted by the database over the
    /// same index ranges (nothing is read into memory): what an export writes before its records (a count in a
    /// caption, the list of organisations) comes from here, and the export checks it wrote exactly that many.
    /// </summary>
    public static async Task<IReadOnlyList<EventSetCount>> CountSetAsync(CustodianDbContext db, bool usage, EventSet set, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(set);
        if (set.IsEmpty || db.Tenant is { AllTenants: false, OrganizationId: null })
        {
            return [];
        }

        var (table, columns) = Family(usage);
        var category = usage ? UsageRecord.Category : TrafficRecord.Category;
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var command = SetCommand(db, table, columns, set, "organization_id", out _);
            command.CommandText = $"SELECT organization_id, COUNT(*) FROM ({command.CommandText}) AS found GROUP BY organization_id";
            Observe(command);
            var counts = new List<EventSetCount>();
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                counts.Add(new EventSetCount(category, reader.GetGuid(0), Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture)));
            }

            return counts;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// While set (in this async flow only), counts the rows <see cref="StreamSetAsync"/> has read: the streaming tests
    /// compare it with the bytes an export has written at the same moment.
    /// </summary>
    internal static readonly AsyncLocal<RowCounter?> RowsStreamed = new();

    internal sealed class RowCounter
    {
        private long _rows;

        public long Rows => Interlocked.Read(ref _rows);

        public void Increment() => Interlocked.Increment(ref _rows);
    }

    private static (EventTable Table, string[] Columns) Family(bool usage) =>
        usage ? (UsageTable.Instance, ["caller_number", "callee_number"]) : (TrafficTable.Instance, ["subscriber", "counterpart"]);

    private static DbCommand SetCommand(CustodianDbContext db, EventTable table, string[] columns, EventSet set, string select, out bool postgres)
    {
        var connection = db.Database.GetDbConnection();
        postgres = connection is NpgsqlConnection;
        var command = connection.CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        var values = string.Join(", ", set.Values.Select((_, i) => string.Create(CultureInfo.InvariantCulture, $"@v{i}")));
        var excluded = string.Join(", ", set.Excluded.Select((_, i) => string.Create(CultureInfo.InvariantCulture, $"@x{i}")));
        var filter = db.Tenant.AllTenants ? "" : " AND organization_id = @org";
        filter += set.Window is null ? "" : " AND start_time >= @from AND start_time < @until";
        filter += set.Excluded.Count == 0 ? "" : string.Concat(columns.Select(c => $" AND ({c} IS NULL OR {c} NOT IN ({excluded}))"));
        var arms = columns.Select((c, i) =>
            $"SELECT {select} FROM {table.Name} WHERE {c} IN ({values}){filter}" +
            string.Concat(columns.Take(i).Select(earlier => $" AND ({earlier} IS NULL OR {earlier} NOT IN ({values}))")));
        command.CommandText = string.Join(" UNION ALL ", arms);
        for (var i = 0; i < set.Values.Count; i++)
        {
            Add(command, string.Create(CultureInfo.InvariantCulture, $"@v{i}"), set.Values[i]);
        }

        for (var i = 0; i < set.Excluded.Count; i++)
        {
            Add(command, string.Create(CultureInfo.InvariantCulture, $"@x{i}"), set.Excluded[i]);
        }

        if (set.Window is var (from, until))
        {
            Add(command, "@from", postgres ? from.ToDateTimeUtc() : EventTable.ToSqliteTime(from));
            Add(command, "@until", postgres ? until.ToDateTimeUtc() : EventTable.ToSqliteTime(until));
        }

        if (!db.Tenant.AllTenants)
        {
            var org = db.Tenant.OrganizationId!.Value;
            Add(command, "@org", postgres ? org : EventTable.ToSqliteId(org));
        }

        return command;
    }
}
