using System.Data.Common;
using System.Globalization;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using NodaTime;
using Npgsql;

namespace Custodian.Core.Features.Events;

/// <summary>One event family's records under one identifier: how many per month, and the latest few in full.</summary>
/// <param name="Category">The register category of the family (<see cref="UsageRecord.Category"/>, <see cref="TrafficRecord.Category"/>).</param>
/// <param name="Months">Records per UTC month (the partitions' months), oldest first; months without records are absent.</param>
/// <param name="Latest">The newest records, newest first (<see cref="UsageRecord"/> or <see cref="TrafficRecord"/>).</param>
internal sealed record EventSummary(string Category, IReadOnlyList<EventMonthCount> Months, IReadOnlyList<object> Latest)
{
    public long Total => Months.Sum(m => m.Count);
}

internal sealed record EventMonthCount(YearMonth Month, long Count);

internal static partial class EventLookup
{
    /// <summary>The most records <see cref="SummarizeAsync"/> returns in full per family.</summary>
    public const int MaxLatest = 100;

    /// <summary>
    /// For a person's page: per event family that holds the identifier, the count per month and the
    /// <paramref name="latest"/> newest records. The same indexed equality arms as <see cref="FindAsync"/> (identifier,
    /// then tenant, then time), so it reads only index ranges of the one value, never a table; a family without
    /// records is left out. Tenant-filtered like <see cref="FindAsync"/>.
    /// </summary>
    public static async Task<IReadOnlyList<EventSummary>> SummarizeAsync(
        CustodianDbContext db, SubjectIdentifierKind kind, string value, int latest, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        latest = Math.Clamp(latest, 0, MaxLatest);
        if (db.Tenant is { AllTenants: false, OrganizationId: null })
        {
            return [];
        }

        var found = new List<EventSummary>();
        if (kind == SubjectIdentifierKind.Phone)
        {
            found.Add(await SummarizeAsync(db, UsageTable.Instance, UsageRecord.Category, ["caller_number", "callee_number"], value, latest, ReadUsage, ct));
        }

        if (kind is SubjectIdentifierKind.Phone or SubjectIdentifierKind.Email or SubjectIdentifierKind.Ip)
        {
            found.Add(await SummarizeAsync(db, TrafficTable.Instance, TrafficRecord.Category, ["subscriber", "counterpart"], value, latest, ReadTraffic, ct));
        }

        return [.. found.Where(f => f.Months.Count > 0)];
    }

    private static async Task<EventSummary> SummarizeAsync<T>(
        CustodianDbContext db, EventTable table, string category, string[] columns, string value, int latest,
        Func<DbDataReader, bool, T> read, CancellationToken ct)
        where T : class
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var connection = db.Database.GetDbConnection();
            var postgres = connection is NpgsqlConnection;
            var tenant = db.Tenant.AllTenants ? "" : " AND organization_id = @org";
            string Where(int i) =>
                $"{columns[i]} = @value{tenant}" +
                string.Concat(columns.Take(i).Select(earlier => $" AND ({earlier} IS NULL OR {earlier} <> @value)"));

            // UTC months, as the partitions are cut: one month's count is one partition's index range.
            var month = postgres
                ? "(EXTRACT(YEAR FROM start_time AT TIME ZONE 'UTC') * 100 + EXTRACT(MONTH FROM start_time AT TIME ZONE 'UTC'))::integer"
                : "CAST(strftime('%Y%m', start_time / 1000000, 'unixepoch') AS INTEGER)";
            var months = new List<EventMonthCount>();
            await using (var command = Command(db, connection, postgres, value))
            {
                var arms = columns.Select((_, i) => $"SELECT {month} AS m FROM {table.Name} WHERE {Where(i)}");
                command.CommandText = $"SELECT m, COUNT(*) FROM ({string.Join(" UNION ALL ", arms)}) AS months GROUP BY m ORDER BY m";
                Observe(command);
                await using var reader = await command.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    var ym = Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture);
                    months.Add(new EventMonthCount(new YearMonth(ym / 100, ym % 100), Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture)));
                }
            }

            var rows = new List<object>();
            if (latest > 0 && months.Count > 0)
            {
                await using var command = Command(db, connection, postgres, value);
                // Each arm takes its own newest rows first (a backward range of its index), then the union is cut.
                var arms = columns.Select((_, i) =>
                    $"SELECT * FROM (SELECT {table.ColumnList} FROM {table.Name} WHERE {Where(i)} ORDER BY start_time DESC LIMIT {latest}) AS a{i}");
                command.CommandText = $"SELECT * FROM ({string.Join(" UNION ALL ", arms)}) AS latest ORDER BY start_time DESC, record_key LIMIT {latest}";
                Observe(command);
                await using var reader = await command.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    rows.Add(read(reader, postgres));
                }
            }

            return new EventSummary(category, months, rows);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static DbCommand Command(CustodianDbContext db, DbConnection connection, bool postgres, string value)
    {
        var command = connection.CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        Add(command, "@value", value);
        if (!db.Tenant.AllTenants)
        {
            var org = db.Tenant.OrganizationId!.Value;
            Add(command, "@org", postgres ? org : EventTable.ToSqliteId(org));
        }

        return command;
    }
}
