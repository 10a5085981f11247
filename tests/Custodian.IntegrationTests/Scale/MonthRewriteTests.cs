using System.Globalization;
using System.Text;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Retention;
using Custodian.IntegrationTests.Import;
using Custodian.IntegrationTests.Retention;
using Custodian.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Npgsql;
using Xunit;

namespace Custodian.IntegrationTests.Scale;

/// <summary>
/// Settled months rewritten in subscriber order (issue 8 §1): PostgreSQL by the sweep step <c>events.usage.cluster</c>
/// (<see cref="EventMonthRewrite"/>), SQLite by sealing (<see cref="EventMonthFiles"/>) or, past the attach budget, in
/// the main file, and on SQLite the months still written to a night at a time. Same answers before and after, rows
/// physically in subscriber order after, readers never waiting for the copy, an interrupted rewrite redone.
/// </summary>
public sealed class MonthRewriteTests
{
    private static readonly YearMonth OldMonth = new(2026, 9);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Caller(int i) => string.Create(CultureInfo.InvariantCulture, $"+4420794605{10 + i}");

    /// <summary>Five callers' rows of September 2026 interleaved in time order (as they arrive), 30 each.</summary>
    private static string SeptemberRows()
    {
        var text = new StringBuilder("organization,record_id,kind,direction,caller,callee,start,duration\n");
        for (var n = 0; n < 150; n++)
        {
            var start = (Instant.FromUtc(2026, 9, 1, 0, 0) + Duration.FromHours(n)).ToString("uuuu-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            text.Append(CultureInfo.InvariantCulture, $"demo,r{n},mobile,outbound,{Caller(4 - (n % 5))},+442079460001,{start},60\n");
        }

        return text.ToString();
    }

    private static async Task<ImportFixture> SeptemberAsync(Engine engine)
    {
        var f = await SweepTests.CreateAsync(engine);
        await f.AddOrganizationAsync("demo");
        await f.ImportHistoryAsync(EventFamily.Usage, f.Write("usage.csv", SeptemberRows()));
        return f;
    }

    private static async Task<List<string>> LookUpsAsync(ImportFixture f)
    {
        var answers = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            answers.Add(string.Join(',', (await f.UsageOfAsync(Caller(i))).Select(r => r.RecordKey).Order(StringComparer.Ordinal)));
        }

        return answers;
    }

    [Theory, AllEngines]
    public async Task Sweep_OldMonth_RewrittenInSubscriberOrderOnceWithTheSameAnswers(Engine engine)
    {
        await using var f = await SeptemberAsync(engine);
        var before = await LookUpsAsync(f);
        var plan = engine == Engine.Postgres ? await PlanAsync(f) : null;

        var sweeper = f.Services.GetRequiredService<RetentionSweeper>();
        await sweeper.RunAsync(null, Ct);

        Assert.Equal(before, await LookUpsAsync(f));
        Assert.All(before, a => Assert.Equal(30, a.Split(',').Length));
        Assert.Equal(150, await f.ScalarAsync("SELECT count(*) FROM usage_records"));
        await f.AssertMonthTotalsExactAsync();
        if (engine == Engine.Sqlite)
        {
            // SQLite's sorted copy is the sealed month file (EventMonthFiles.SealAsync orders by the same columns).
            Assert.Equal(1, await f.ScalarAsync("SELECT count(*) FROM event_partitions WHERE month = 202609 AND family = 'usage' AND sealed_file IS NOT NULL"));
            return;
        }

        Assert.Equal(plan, await PlanAsync(f));
        var physical = (await f.RowsAsync("SELECT caller_number FROM usage_records_2026_09 ORDER BY ctid")).Select(r => r[0]).ToList();
        Assert.Equal(physical.Order(StringComparer.Ordinal), physical);
        Assert.Equal(1, await f.ScalarAsync("SELECT count(*) FROM event_partitions WHERE family = 'usage' AND rewritten"));
        Assert.Equal(0, await f.ScalarAsync("SELECT count(*) FROM pg_class WHERE relname = 'usage_records_2026_09_sorted'"));

        // Done once: the next sweep leaves the month's storage as it is.
        var file = await f.ScalarAsync("SELECT relfilenode FROM pg_class WHERE relname = 'usage_records_2026_09'");
        await sweeper.RunAsync(null, Ct);
        Assert.Equal(file, await f.ScalarAsync("SELECT relfilenode FROM pg_class WHERE relname = 'usage_records_2026_09'"));
    }

    /// <summary>
    /// The copy asks for SHARE on the month only (a writer's open transaction makes it wait; we see the request in
    /// <c>pg_locks</c>), a reader on another connection is answered meanwhile; the rewrite is then interrupted (as a
    /// kill at <see cref="EventMonthRewrite.CopiedFailPoint"/> would: its one transaction rolls back), a leftover copy
    /// table is planted, and the next sweep drops it and finishes the month.
    /// </summary>
    [Fact]
    public async Task Rewrite_WhileAWriterHoldsTheMonth_ReadersGoOnAndAnInterruptedRewriteIsRedoneBySweep()
    {
        await using var f = await SeptemberAsync(Engine.Postgres);
        await using var db = f.CreateContext();
        var connectionString = db.Database.GetConnectionString()!;
        await using var rewriter = new NpgsqlConnection(connectionString);
        await using var writer = new NpgsqlConnection(connectionString);
        await using var reader = new NpgsqlConnection(connectionString);
        await Task.WhenAll(rewriter.OpenAsync(Ct), writer.OpenAsync(Ct), reader.OpenAsync(Ct));

        await using (var writing = await writer.BeginTransactionAsync(Ct))
        {
            await using (var insert = new NpgsqlCommand(
                "INSERT INTO usage_records_2026_09 SELECT * FROM usage_records_2026_09 LIMIT 1", writer, writing))
            {
                await insert.ExecuteNonQueryAsync(Ct);
            }

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            var rewrite = EventMonthRewrite.RewriteAsync(rewriter, UsageTable.Instance, OldMonth, stop.Token);
            string? waiting = null;
            for (var i = 0; i < 200 && waiting is null; i++)
            {
                await using var locks = new NpgsqlCommand(
                    $"SELECT mode FROM pg_locks WHERE relation = 'usage_records_2026_09'::regclass AND pid = {rewriter.ProcessID} AND NOT granted", reader);
                waiting = (string?)await locks.ExecuteScalarAsync(Ct);
                if (waiting is null)
                {
                    await Task.Delay(25, Ct);
                }
            }

            Assert.Equal("ShareLock", waiting);
            await using (var read = new NpgsqlCommand("SET statement_timeout = '5s'; SELECT count(*) FROM usage_records WHERE caller_number = '+442079460510'", reader))
            {
                Assert.Equal(30L, await read.ExecuteScalarAsync(Ct));
            }

            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<Exception>(() => rewrite);
            await writing.RollbackAsync(Ct);
        }

        Assert.Equal(0, await f.ScalarAsync("SELECT count(*) FROM event_partitions WHERE rewritten"));
        await f.ScalarAsync("CREATE TABLE usage_records_2026_09_sorted (LIKE usage_records); SELECT 0");

        await f.Services.GetRequiredService<RetentionSweeper>().RunAsync(null, Ct);

        Assert.Equal(1, await f.ScalarAsync("SELECT count(*) FROM event_partitions WHERE family = 'usage' AND rewritten"));
        Assert.Equal(150, await f.ScalarAsync("SELECT count(*) FROM usage_records_2026_09"));
        Assert.Equal(30, (await f.UsageOfAsync(Caller(0))).Count);
        await f.AssertMonthTotalsExactAsync();
    }

    /// <summary>
    /// SQLite attaches at most ten month files, and six months of usage and traffic would need twelve. On 10 December
    /// November has settled: usage June to November and traffic June to September are sealed (ten files), traffic
    /// October and November stay in the main file, sorted there (one of them arrived interleaved). When June expires
    /// and its two files go, the next sweep seals them. A sort that fails is rolled back whole. The answers never change.
    /// </summary>
    [Fact]
    public async Task Sweep_SettledMonthsBeyondTheAttachBudget_AreSortedInTheMainFileUntilAFilePlaceFrees()
    {
        await using var f = await SweepTests.CreateAsync(Engine.Sqlite);
        await f.AddOrganizationAsync("demo");
        var months = Enumerable.Range(6, 6).Select(m => new YearMonth(2026, m)).ToList();
        await f.ImportHistoryAsync(EventFamily.Usage, f.Write("usage.csv", SweepTests.Usage(
            [.. months.Select(m => ("demo", $"u-{m.Month}", string.Create(CultureInfo.InvariantCulture, $"{m.Year:D4}-{m.Month:D2}-20T10:00:00Z")))])));
        var traffic = new StringBuilder("organization,record_id,kind,direction,subscriber,counterpart,start,duration,bytes,protocol,cell_id,country\n");
        foreach (var m in months)
        {
            // October: four subscribers' rows interleaved in time order, as they arrive; one row in the other months.
            for (var n = 0; n < (m.Month == 10 ? 40 : 1); n++)
            {
                var start = (Instant.FromUtc(m.Year, m.Month, 20, 0, 0) + Duration.FromMinutes(n)).ToString("uuuu-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
                traffic.Append(CultureInfo.InvariantCulture, $"demo,t-{m.Month}-{n},telephony,inbound,{Caller(3 - (n % 4))},+442079460001,{start},60,,sip,,\n");
            }
        }

        await f.ImportHistoryAsync(EventFamily.Traffic, f.Write("traffic.csv", traffic.ToString()));
        var before = await TrafficLookUpsAsync(f);
        var sweeper = f.Services.GetRequiredService<RetentionSweeper>();

        f.Time.SetUtcNow(new DateTimeOffset(2026, 12, 10, 12, 0, 0, TimeSpan.Zero));

        // First the sort fails at its last statement (marking the registry): its one transaction rolls back whole,
        // and the run, resumed, sorts the month.
        await f.ScalarAsync("CREATE TRIGGER fail_mark BEFORE UPDATE OF rewritten ON event_partitions BEGIN SELECT RAISE(ABORT, 'test: marking fails'); END; SELECT 0");
        var failure = await Assert.ThrowsAsync<SqliteException>(() => sweeper.RunAsync(null, Ct));
        Assert.Contains("test: marking fails", failure.Message, StringComparison.Ordinal);
        var arrival = (await f.RowsAsync("SELECT subscriber FROM main.traffic_records_2026_10 ORDER BY rowid")).Select(r => r[0]).ToList();
        Assert.NotEqual(arrival.Order(StringComparer.Ordinal), arrival);
        Assert.Equal(0, await f.ScalarAsync("SELECT count(*) FROM main.sqlite_master WHERE name LIKE '%sorted%'"));
        Assert.Equal(0, await f.ScalarAsync("SELECT count(*) FROM event_partitions WHERE rewritten"));
        Assert.Equal(before, await TrafficLookUpsAsync(f));
        await f.ScalarAsync("DROP TRIGGER fail_mark; SELECT 0");
        await sweeper.RunAsync(null, Ct);

        Assert.Equal(EventMonthFiles.AttachLimit, await f.ScalarAsync("SELECT count(*) FROM event_partitions WHERE sealed_file IS NOT NULL"));
        Assert.Equal(["202610", "202611"], (await f.RowsAsync(
            "SELECT month FROM event_partitions WHERE family = 'traffic' AND rewritten AND sealed_file IS NULL ORDER BY month")).Select(r => r[0]));
        var physical = (await f.RowsAsync("SELECT subscriber FROM main.traffic_records_2026_10 ORDER BY rowid")).Select(r => r[0]).ToList();
        Assert.Equal(40, physical.Count);
        Assert.Equal(physical.Order(StringComparer.Ordinal), physical);
        Assert.Equal(before, await TrafficLookUpsAsync(f));
        await f.AssertMonthTotalsExactAsync();

        // The sorted month's counterpart index covers every column, as in a sealed file: a look-up by counterpart
        // reads its leaf pages, not one table page per record.
        var plan = string.Join("\n", (await f.RowsAsync(
            $"EXPLAIN QUERY PLAN SELECT {TrafficTable.Instance.ColumnList} FROM traffic_records WHERE counterpart = '+442079460001'")).Select(r => r[^1]));
        Assert.Contains("USING COVERING INDEX ix_traffic_records_2026_10_counterpart", plan, StringComparison.Ordinal);

        // 5 January 2027: June has expired, its two files go, and October and November take their places.
        f.Time.SetUtcNow(new DateTimeOffset(2027, 1, 5, 12, 0, 0, TimeSpan.Zero));
        await sweeper.RunAsync(null, Ct);

        Assert.Equal(
            ["traffic-2026-07.db", "traffic-2026-08.db", "traffic-2026-09.db", "traffic-2026-10.db", "traffic-2026-11.db"],
            (await f.RowsAsync("SELECT sealed_file FROM event_partitions WHERE family = 'traffic' AND sealed_file IS NOT NULL ORDER BY month")).Select(r => r[0]));
        Assert.Equal(0, await f.ScalarAsync("SELECT count(*) FROM main.sqlite_master WHERE name IN ('traffic_records_2026_10', 'traffic_records_2026_11')"));
        Assert.Equal([.. before.Select(a => string.Join(',', a.Split(',').Where(k => !k.StartsWith("t-6-", StringComparison.Ordinal))))], await TrafficLookUpsAsync(f));
        await f.AssertMonthTotalsExactAsync();
    }

    /// <summary>
    /// SQLite, a month still written to: each sweep moves the rows that arrived since the last one to the table's end in
    /// subscriber order, and leaves the rows it sorted before where they are. A sort that fails is rolled back whole.
    /// </summary>
    [Fact]
    public async Task Sweep_OpenMonth_SortsTheRowsThatArrivedSinceTheLastSweepAtTheTableEnd()
    {
        await using var f = await SweepTests.CreateAsync(Engine.Sqlite);
        await f.AddOrganizationAsync("demo");
        await f.ImportHistoryAsync(EventFamily.Usage, f.Write("first.csv", NovemberRows("a", 1, 40)));
        var sweeper = f.Services.GetRequiredService<RetentionSweeper>();
        const string Physical = "SELECT rowid, record_key, caller_number FROM main.usage_records_2026_11 ORDER BY rowid";
        var arrival = await f.RowsAsync(Physical);

        await f.ScalarAsync("CREATE TRIGGER fail_mark BEFORE UPDATE OF sorted_rowid ON event_partitions BEGIN SELECT RAISE(ABORT, 'test: marking fails'); END; SELECT 0");
        await Assert.ThrowsAsync<SqliteException>(() => sweeper.RunAsync(null, Ct));
        Assert.Equal(arrival, await f.RowsAsync(Physical));
        await f.ScalarAsync("DROP TRIGGER fail_mark; SELECT 0");
        await sweeper.RunAsync(null, Ct);

        var first = await f.RowsAsync(Physical);
        Assert.Equal(40, first.Count);
        Assert.Equal(first.Select(r => r[2]).Order(StringComparer.Ordinal), first.Select(r => r[2]));
        Assert.Equal(long.Parse(first[^1][0], CultureInfo.InvariantCulture), await f.ScalarAsync(
            "SELECT sorted_rowid FROM event_partitions WHERE family = 'usage' AND month = 202611"));

        // A day later: twenty more, interleaved as they arrive, after the sorted ones; the next sweep sorts only them.
        await f.ImportHistoryAsync(EventFamily.Usage, f.Write("second.csv", NovemberRows("b", 21, 20)));
        var before = await LookUpsAsync(f);
        Assert.NotEqual(
            (await f.RowsAsync(Physical)).Skip(40).Select(r => r[2]).Order(StringComparer.Ordinal),
            (await f.RowsAsync(Physical)).Skip(40).Select(r => r[2]));
        await sweeper.RunAsync(null, Ct);

        var both = await f.RowsAsync(Physical);
        Assert.Equal(first, both.Take(40));
        Assert.Equal(both.Skip(40).Select(r => r[2]).Order(StringComparer.Ordinal), both.Skip(40).Select(r => r[2]));
        Assert.All(both.Skip(40), r => Assert.StartsWith("b", r[1], StringComparison.Ordinal));
        Assert.Equal(before, await LookUpsAsync(f));
        await f.AssertMonthTotalsExactAsync();

        // Nothing new: the next sweep moves nothing.
        await sweeper.RunAsync(null, Ct);
        Assert.Equal(both, await f.RowsAsync(Physical));
    }

    /// <summary><paramref name="count"/> rows of November 2026 from day <paramref name="day"/>, hourly, four callers interleaved.</summary>
    private static string NovemberRows(string prefix, int day, int count)
    {
        var text = new StringBuilder("organization,record_id,kind,direction,caller,callee,start,duration\n");
        for (var n = 0; n < count; n++)
        {
            var start = (Instant.FromUtc(2026, 11, day, 0, 0) + Duration.FromHours(n)).ToString("uuuu-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            text.Append(CultureInfo.InvariantCulture, $"demo,{prefix}{n},mobile,outbound,{Caller(3 - (n % 4))},+442079460001,{start},60\n");
        }

        return text.ToString();
    }

    private static async Task<List<string>> TrafficLookUpsAsync(ImportFixture f)
    {
        var answers = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            answers.Add(string.Join(',', (await f.RowsAsync($"SELECT record_key FROM traffic_records WHERE subscriber = '{Caller(i)}'"))
                .Select(r => r[0]).Order(StringComparer.Ordinal)));
        }

        return answers;
    }

    private static async Task<string> PlanAsync(ImportFixture f)
    {
        await f.ScalarAsync("ANALYZE usage_records; SELECT 0");
        // September's part of the plan: the sweep also creates the months ahead, which add arms of their own.
        return string.Join('\n', (await f.RowsAsync(
            "EXPLAIN (COSTS OFF) SELECT record_key FROM usage_records WHERE caller_number = '+442079460510' AND organization_id IS NOT NULL"))
            .Select(r => r[0].Trim()).Where(l => l.Contains("2026_09", StringComparison.Ordinal)));
    }
}
