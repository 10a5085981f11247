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

    private static async Task<IReadOnlyList<T>> QueryAsync<T>(
        CustodianDbContext db, EventTable table, string[] columns, string value, Func<DbDataReader, bool, T> read, CancellationToken ct)
        where T : class
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var connection = db.Database.GetDbConnection();
            var postgres = connection is NpgsqlConnection;
            await using var command = connection.CreateCommand();
            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            var tenant = db.Tenant.AllTenants ? "" : " AND organization_id = @org";
            // One arm per identifier column, each an index seek; a record that holds the value in both columns comes once.
            var arms = columns.Select((c, i) =>
                $"SELECT {table.ColumnList} FROM {table.Name} WHERE {c} = @value{tenant}" +
                string.Concat(columns.Take(i).Select(earlier => $" AND ({earlier} IS NULL OR {earlier} <> @value)")));
            command.CommandText = string.Join(" UNION ALL ", arms) + " ORDER BY start_time";
            Add(command, "@value", value);
            if (!db.Tenant.AllTenants)
            {
                var org = db.Tenant.OrganizationId!.Value;
                Add(command, "@org", postgres ? org : EventTable.ToSqliteId(org));
            }

            var rows = new List<T>();
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                rows.Add(read(reader, postgres));
            }

            return rows;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

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
