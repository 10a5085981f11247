using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Features.Tenancy;
using Custodian.IntegrationTests.Retention;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
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

        var observed = new List<EventLookup.ObservedQuery>();
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
        // The record-reading ones (not the summary's counts and latest few) run with read-ahead on PostgreSQL (LookupPrefetch).
        Assert.Equal(engine == Engine.Postgres ? 8 : 0, observed.Count(o => o.Settings.Count > 0));
        await using var check = f.CreateContext();
        await check.Database.OpenConnectionAsync(Ct);
        var connection = check.Database.GetDbConnection();
        foreach (var (sql, parameters, settings) in observed)
        {
            if (engine == Engine.Sqlite)
            {
                var scans = await SqliteScansAsync(connection, sql, parameters);
                Assert.True(scans.Count == 0, $"{string.Join(", ", scans)} in the plan of: {sql}");
                continue;
            }

            var nodes = await PostgresEventScansAsync(connection, sql, parameters, settings);
            Assert.True(!nodes.Any(n => n.Node == "Seq Scan"), $"{string.Join(", ", nodes)} in the plan of: {sql}");
            // Read-ahead happens only in bitmap heap scans: a plain index scan would read a cold person's pages one by one.
            Assert.True(settings.Count == 0 || !nodes.Any(n => n.Node == "Index Scan"), $"{string.Join(", ", nodes)} in the plan of: {sql}");
        }
    }

    /// <summary>
    /// The read-ahead settings (<see cref="LookupPrefetch"/>) are transaction-local: a look-up inside the caller's
    /// transaction puts them back for the caller's later queries, and one outside leaves nothing on the pooled session.
    /// </summary>
    [Theory, AllEngines]
    public async Task LookUp_InAndOutsideTheCallersTransaction_LeavesThePlannerSettingsAsTheyWere(Engine engine)
    {
        await using var f = await SweepTests.CreateAsync(engine);
        var org = await f.AddOrganizationAsync("demo");
        var other = await f.AddOrganizationAsync("other");
        await SeedAsync(f, engine, org, other);

        await using var db = f.CreateContext(TenantScope.For(org));
        await db.Database.OpenConnectionAsync(Ct);
        var connection = db.Database.GetDbConnection();
        async Task<string> SettingsAsync()
        {
            await using var command = Command(connection, engine == Engine.Postgres
                ? "SELECT current_setting('enable_indexscan') || ' ' || current_setting('effective_io_concurrency')" : "SELECT 'sqlite'", []);
            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            return (string)(await command.ExecuteScalarAsync(Ct))!;
        }

        var before = await SettingsAsync();
        Assert.NotEmpty(await EventLookup.FindAsync(db, SubjectIdentifierKind.Phone, Number(7), Ct));
        Assert.Equal(before, await SettingsAsync());

        await using (var tx = await db.Database.BeginTransactionAsync(Ct))
        {
            Assert.NotEmpty(await EventLookup.FindAsync(db, SubjectIdentifierKind.Phone, Number(7), Ct));
            Assert.Equal(before, await SettingsAsync());
            await foreach (var _ in EventLookup.StreamSetAsync(db, usage: true, new EventSet([Number(7)], []), Ct))
            {
                break; // an export that stops early puts them back too
            }

            Assert.Equal(before, await SettingsAsync());
            await tx.CommitAsync(Ct);
        }

        Assert.Equal(before, await SettingsAsync());
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

    /// <summary>
    /// The scan nodes (type, relation) on event tables that hold rows (a scan of an empty partition, one created ahead,
    /// reads nothing), planned under <paramref name="settings"/> as the look-up ran.
    /// </summary>
    private static async Task<List<(string Node, string Relation)>> PostgresEventScansAsync(
        DbConnection connection, string sql, IReadOnlyList<(string Name, object Value)> parameters, IReadOnlyList<(string Name, string Value)> settings)
    {
        await using var tx = await connection.BeginTransactionAsync(Ct);
        foreach (var (name, value) in settings)
        {
            await ExecuteAsync(connection, "SELECT set_config(@n, @v, true)", ("@n", name), ("@v", value));
        }

        await using var command = Command(connection, "EXPLAIN (FORMAT JSON) " + sql, parameters);
        var json = JsonDocument.Parse((string)(await command.ExecuteScalarAsync(Ct))!);
        var scans = new List<(string Node, string Relation)>();
        void Walk(JsonElement node)
        {
            if (node.TryGetProperty("Relation Name", out var name) && name.GetString() is { } relation
                && (relation.StartsWith("usage_records", StringComparison.Ordinal) || relation.StartsWith("traffic_records", StringComparison.Ordinal)))
            {
                scans.Add((node.GetProperty("Node Type").GetString()!, relation));
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
        var nonEmpty = new List<(string Node, string Relation)>();
        foreach (var scan in scans)
        {
            await using var rows = Command(connection, $"SELECT reltuples FROM pg_class WHERE relname = '{scan.Relation}'", []);
            if (Convert.ToDouble(await rows.ExecuteScalarAsync(Ct), CultureInfo.InvariantCulture) > 0)
            {
                nonEmpty.Add(scan);
            }
        }

        await tx.RollbackAsync(Ct);
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
