using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Features.Tenancy;
using Custodian.IntegrationTests.Retention;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Scale;

/// <summary>
/// The queries a person's look-up sends (<see cref="EventLookup"/>: used by the subject look-up, the access report and
/// portability (SubjectRecordLoader), authority-order productions (DisclosurePackage through the same loader), the
/// back-office person page (<see cref="EventLookup.SummarizeAsync"/>) and itemised bills) never scan a usage or traffic
/// table: each is EXPLAINed, exactly as sent, over enough analysed rows that the planner's choice means something.
/// </summary>
public sealed class EventPlanTests
{
    private const int Rows = 40_000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task LookUpQueries_OverAnalysedMonths_NeverScanAnEventTable(Engine engine)
    {
        await using var f = await SweepTests.CreateAsync(engine);
        var org = await f.AddOrganizationAsync("demo");
        var other = await f.AddOrganizationAsync("other");
        await SeedAsync(f, engine, org, other);

        var observed = new List<(string Sql, IReadOnlyList<(string Name, object Value)> Parameters)>();
        EventLookup.Observed.Value = observed;
        try
        {
            foreach (var scope in new[] { TenantScope.Everything, TenantScope.For(org) })
            {
                await using var db = f.CreateContext(scope);
                Assert.NotEmpty(await EventLookup.FindAsync(db, SubjectIdentifierKind.Phone, Number(7), Ct));
                Assert.NotEmpty(await EventLookup.FindAsync(db, SubjectIdentifierKind.Ip, "192.0.2.7", Ct));
                Assert.NotEmpty(await EventLookup.SummarizeAsync(db, SubjectIdentifierKind.Phone, Number(7), 20, Ct));
                Assert.NotEmpty(await EventLookup.FindUsageByCallerAsync(db, Number(7), Instant.FromUtc(2026, 10, 1, 0, 0), Instant.FromUtc(2026, 11, 1, 0, 0), Ct));
            }
        }
        finally
        {
            EventLookup.Observed.Value = null;
        }

        Assert.Equal(16, observed.Count); // per scope: phone 2 (usage, traffic), IP 1, summary 4 (counts and latest per family), bill 1
        await using var check = f.CreateContext();
        await check.Database.OpenConnectionAsync(Ct);
        var connection = check.Database.GetDbConnection();
        foreach (var (sql, parameters) in observed)
        {
            var scans = engine == Engine.Postgres
                ? await PostgresScansAsync(connection, sql, parameters)
                : await SqliteScansAsync(connection, sql, parameters);
            Assert.True(scans.Count == 0, $"{string.Join(", ", scans)} in the plan of: {sql}");
        }
    }

    internal static string Number(int i) => "+3120" + i.ToString("D7", CultureInfo.InvariantCulture);

    /// <summary>
    /// <see cref="Rows"/> usage and as many traffic records over September to November 2026 (2,000 callers, ~20 records
    /// each, one in ten of another organisation), plus a few in May (before any month: the held table), then ANALYZE.
    /// </summary>
    private static async Task SeedAsync(Custodian.IntegrationTests.Import.ImportFixture f, Engine engine, Guid org, Guid other)
    {
        await using var db = f.CreateContext();
        await db.Database.OpenConnectionAsync(Ct);
        var connection = db.Database.GetDbConnection();
        foreach (var table in EventTable.All)
        {
            await EventPartitions.EnsurePartitionsAsync(connection, engine == Engine.Postgres ? Core.Persistence.DatabaseEngine.Postgres : Core.Persistence.DatabaseEngine.Sqlite,
                table, new YearMonth(2026, 9), new YearMonth(2026, 11), Ct);
        }

        var batch = Guid.NewGuid();
        if (engine == Engine.Postgres)
        {
            const string Org = "CASE WHEN i % 10 = 0 THEN @other ELSE @org END";
            const string Start = "CASE WHEN i % 100 = 0 THEN timestamptz '2026-05-01' ELSE timestamptz '2026-09-01' END + i * interval '190 seconds'";
            const string Number = "'+3120' || lpad((i % 2000)::text, 7, '0')";
            await ExecuteAsync(connection, $"""
                INSERT INTO usage_records (organization_id, start_time, record_key, kind, direction, caller_number, callee_number, duration_seconds, billed_seconds, import_batch_id)
                SELECT {Org}, {Start}, 'u' || i, 'voice', 'outbound', {Number}, '+3161' || lpad((i % 3000)::text, 7, '0'), 60, 60, @batch FROM generate_series(1, {Rows}) i;
                INSERT INTO traffic_records (organization_id, start_time, record_key, kind, direction, subscriber_kind, subscriber, counterpart, import_batch_id)
                SELECT {Org}, {Start}, 't' || i, 'data', 'outbound', 'phone', {Number}, '192.0.2.' || (i % 250), @batch FROM generate_series(1, {Rows}) i;
                ANALYZE usage_records; ANALYZE traffic_records;
                """, ("@org", org), ("@other", other), ("@batch", batch));
            return;
        }

        foreach (var table in EventTable.All)
        {
            foreach (var month in new[] { new YearMonth(2026, 9), new YearMonth(2026, 10), new YearMonth(2026, 11) })
            {
                var low = EventTable.ToSqliteTime(Instant.FromUtc(month.Year, month.Month, 1, 0, 0));
                var high = EventTable.ToSqliteTime(Instant.FromUtc(month.PlusMonths(1).Year, month.PlusMonths(1).Month, 1, 0, 0));
                var select = table.Family == EventFamily.Usage
                    ? "(organization_id, start_time, record_key, kind, direction, caller_number, callee_number, duration_seconds, billed_seconds, import_batch_id) " +
                      "SELECT org, t, 'u' || i, 'voice', 'outbound', num, '+3161' || printf('%07d', i % 3000), 60, 60, @batch"
                    : "(organization_id, start_time, record_key, kind, direction, subscriber_kind, subscriber, counterpart, import_batch_id) " +
                      "SELECT org, t, 't' || i, 'data', 'outbound', 'phone', num, '192.0.2.' || (i % 250), @batch";
                await ExecuteAsync(connection, $"""
                    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {Rows}),
                    r AS (SELECT i, CASE WHEN i % 10 = 0 THEN @other ELSE @org END AS org, @start + i * 190000000 AS t, '+3120' || printf('%07d', i % 2000) AS num FROM n)
                    INSERT INTO {table.MonthTable(month)} {select} FROM r WHERE t >= {low} AND t < {high};
                    """, ("@org", EventTable.ToSqliteId(org)), ("@other", EventTable.ToSqliteId(other)), ("@batch", EventTable.ToSqliteId(batch)),
                    ("@start", EventTable.ToSqliteTime(Instant.FromUtc(2026, 9, 1, 0, 0))));
            }
        }

        await ExecuteAsync(connection, "ANALYZE");
    }

    /// <summary>Seq Scan nodes on event tables that hold rows (a scan of an empty partition, one created ahead, reads nothing).</summary>
    private static async Task<List<string>> PostgresScansAsync(DbConnection connection, string sql, IReadOnlyList<(string Name, object Value)> parameters)
    {
        await using var command = Command(connection, "EXPLAIN (FORMAT JSON) " + sql, parameters);
        var json = JsonDocument.Parse((string)(await command.ExecuteScalarAsync(Ct))!);
        var scans = new List<string>();
        void Walk(JsonElement node)
        {
            if (node.GetProperty("Node Type").GetString() == "Seq Scan" && node.GetProperty("Relation Name").GetString() is { } relation
                && (relation.StartsWith("usage_records", StringComparison.Ordinal) || relation.StartsWith("traffic_records", StringComparison.Ordinal)))
            {
                scans.Add(relation);
            }

            if (node.TryGetProperty("Plans", out var children))
            {
                foreach (var child in children.EnumerateArray())
                {
                    Walk(child);
                }
            }
        }

        Walk(json.RootElement[0].GetProperty("Plan"));
        var nonEmpty = new List<string>();
        foreach (var relation in scans)
        {
            await using var rows = Command(connection, $"SELECT reltuples FROM pg_class WHERE relname = '{relation}'", []);
            if (Convert.ToDouble(await rows.ExecuteScalarAsync(Ct), CultureInfo.InvariantCulture) > 0)
            {
                nonEmpty.Add(relation);
            }
        }

        return nonEmpty;
    }

    /// <summary>SCAN lines of EXPLAIN QUERY PLAN on an event table that use no index.</summary>
    private static async Task<List<string>> SqliteScansAsync(DbConnection connection, string sql, IReadOnlyList<(string Name, object Value)> parameters)
    {
        await using var command = Command(connection, "EXPLAIN QUERY PLAN " + sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var scans = new List<string>();
        while (await reader.ReadAsync(Ct))
        {
            var detail = reader.GetString(reader.FieldCount - 1);
            if (detail.StartsWith("SCAN ", StringComparison.Ordinal) && !detail.Contains("INDEX", StringComparison.Ordinal)
                && (detail.Contains("usage_records", StringComparison.Ordinal) || detail.Contains("traffic_records", StringComparison.Ordinal) || detail.Contains("records", StringComparison.Ordinal)))
            {
                scans.Add(detail);
            }
        }

        return scans;
    }

    private static DbCommand Command(DbConnection connection, string sql, IEnumerable<(string Name, object Value)> parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value;
            command.Parameters.Add(p);
        }

        return command;
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = Command(connection, sql, parameters);
        await command.ExecuteNonQueryAsync(Ct);
    }
}
