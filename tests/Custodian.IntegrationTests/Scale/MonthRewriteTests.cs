using System.Globalization;
using System.Text;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Retention;
using Custodian.IntegrationTests.Import;
using Custodian.IntegrationTests.Retention;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Npgsql;
using Xunit;

namespace Custodian.IntegrationTests.Scale;

/// <summary>
/// Old months rewritten in subscriber order (issue 8 §1): PostgreSQL by the sweep step <c>events.usage.cluster</c>
/// (<see cref="EventMonthRewrite"/>), SQLite by sealing (<see cref="EventMonthFiles"/>). Same answers before and after,
/// rows physically in subscriber order after, readers never waiting for the copy, an interrupted rewrite redone.
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

    private static async Task<string> PlanAsync(ImportFixture f)
    {
        await f.ScalarAsync("ANALYZE usage_records; SELECT 0");
        // September's part of the plan: the sweep also creates the months ahead, which add arms of their own.
        return string.Join('\n', (await f.RowsAsync(
            "EXPLAIN (COSTS OFF) SELECT record_key FROM usage_records WHERE caller_number = '+442079460510' AND organization_id IS NOT NULL"))
            .Select(r => r[0].Trim()).Where(l => l.Contains("2026_09", StringComparison.Ordinal)));
    }
}
