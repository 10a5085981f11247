using System.Globalization;
using System.Text;
using Custodian.Configuration;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Retention;
using Custodian.Core.Persistence;
using Custodian.IntegrationTests.Import;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Retention;

/// <summary>The retention sweep on the month-partitioned usage and traffic records: exact cutoffs, receipts, resumption.</summary>
public sealed class SweepTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal static ProcessingRegister ShippedRegister { get; } = RegisterLoader.LoadFile(SettingsResolver.ShippedRegisterPath).Register!;

    /// <param name="engine">The database engine.</param>
    /// <param name="dataFolder">Where blobs and the key store live (a child <c>custodian --data</c> must see the same); default: a new temp folder.</param>
    internal static Task<ImportFixture> CreateAsync(Engine engine, string? dataFolder = null) =>
        ImportFixture.CreateAsync(engine, more: s => s
            .AddSingleton(ShippedRegister)
            .AddCustodianBlobs(dataFolder ?? Path.Combine(Path.GetTempPath(), "custodian-sweep-blobs", Guid.NewGuid().ToString("N")))
            .AddCustodianRetentionSweep());

    /// <summary>
    /// The fixture's clock is 2026-11-28 12:00 UTC. Six months are counted in whole Amsterdam days (docs/retention.md):
    /// a record of 27 May is kept through 27 November and expired on the 28th; one of 28 May is kept through the 28th.
    /// So the last expired instant is 27 May 23:59:59.999999 CEST (21:59:59Z) and 28 May 00:00 CEST (22:00Z) is not.
    /// </summary>
    private static string UsageRows() => Usage(
        ("demo", "march", "2026-03-15T10:00:00Z"),
        ("demo", "april-last-second", "2026-04-30T23:59:59Z"),
        ("other", "may-first", "2026-05-01T00:00:00Z"),
        ("demo", "at-cutoff", "2026-05-27T21:59:59Z"),
        ("demo", "after-cutoff", "2026-05-27T22:00:00Z"),
        ("other", "june", "2026-06-10T08:00:00Z"),
        ("demo", "november", "2026-11-20T08:00:00Z"));

    internal static string Usage(params (string Org, string Id, string Start)[] rows)
    {
        var text = new StringBuilder("organization,record_id,kind,direction,caller,callee,start,duration\n");
        foreach (var (org, id, start) in rows)
        {
            text.Append(CultureInfo.InvariantCulture, $"{org},{id},mobile,outbound,+442079460501,+442079460001,{start},60\n");
        }

        return text.ToString();
    }

    [Theory, AllEngines]
    public async Task Run_ExpiredMonthsAndRows_DeletesExactlyUpToTheCutoff(Engine engine)
    {
        await using var f = await CreateAsync(engine);
        var demo = await f.AddOrganizationAsync("demo");
        var other = await f.AddOrganizationAsync("other");
        Assert.Equal(ImportOutcome.Imported, (await f.ImportHistoryAsync(EventFamily.Usage, f.Write("usage.csv", UsageRows()))).Outcome);

        var run = await f.Services.GetRequiredService<RetentionSweeper>().RunAsync(null, Ct);

        Assert.NotNull(run);
        Assert.Equal(RetentionSweepRun.Completed, run.State);
        Assert.Equal(Instant.FromUtc(2026, 11, 28, 12, 0), run.Cutoff);
        Assert.Equal(["after-cutoff", "june", "november"], (await f.RowsAsync("SELECT record_key FROM usage_records ORDER BY start_time")).Select(r => r[0]));
        // December to February: created ahead of the cutoff's month (EventPartitions.EnsureAheadAsync).
        Assert.Equal(["202605", "202606", "202611", "202612", "202701", "202702"], (await f.RowsAsync("SELECT month FROM event_partitions WHERE family = 'usage' ORDER BY month")).Select(r => r[0]));
        Assert.Equal(
            // With each line the longest its records outlived their expiry: demo's March record (below); other's of
            // 1 May expired at the start of 2 November in Amsterdam (1 November 23:00 UTC), 26 days 13 hours before.
            [
                new SweepCount("usage.call_detail_records", demo, 3, (long)Duration.FromDays(73).Plus(Duration.FromHours(14)).TotalSeconds),
                new SweepCount("usage.call_detail_records", other, 1, (long)Duration.FromDays(26).Plus(Duration.FromHours(13)).TotalSeconds),
            ],
            run.DeletedCounts().OrderBy(c => c.OrganizationId == demo ? 0 : 1));
        Assert.Equal([new DroppedPartition("usage", "2026-03", 1, 0), new DroppedPartition("usage", "2026-04", 1, 0)], run.DroppedPartitions());

        // The March record (15 March) expired at the start of 16 September in Amsterdam (15 September 22:00 UTC):
        // 73 days 14 hours before the sweep, because nothing swept this database before.
        Assert.Equal((long)Duration.FromDays(73).Plus(Duration.FromHours(14)).TotalSeconds, run.MaxLatenessSeconds);
        await AssertAuditIntactAsync(f);
        Assert.Equal(4, await SumOfAuditedCountsAsync(f));
        await f.AssertMonthTotalsExactAsync();
    }

    [Theory, AllEngines]
    public async Task Run_Twice_SecondDeletesNothing(Engine engine)
    {
        await using var f = await CreateAsync(engine);
        await f.AddOrganizationAsync("demo");
        await f.AddOrganizationAsync("other");
        await f.ImportHistoryAsync(EventFamily.Usage, f.Write("usage.csv", UsageRows()));
        var sweeper = f.Services.GetRequiredService<RetentionSweeper>();
        await sweeper.RunAsync(null, Ct);

        var second = await sweeper.RunAsync(null, Ct);

        Assert.Empty(second!.DeletedCounts());
        Assert.Empty(second.DroppedPartitions());
        Assert.Equal(3, await f.ScalarAsync("SELECT count(*) FROM usage_records"));
    }

    [Theory, AllEngines]
    public async Task Run_AfterAnInterruptedSweep_FinishesItWithItsOriginalCutoff(Engine engine)
    {
        await using var f = await CreateAsync(engine);
        await f.AddOrganizationAsync("demo");
        await f.AddOrganizationAsync("other");
        await f.ImportHistoryAsync(EventFamily.Usage, f.Write("usage.csv", UsageRows()));
        var sweeper = f.Services.GetRequiredService<RetentionSweeper>();

        // Interrupted after its first committed batch (the March partition).
        await Assert.ThrowsAsync<InvalidOperationException>(() => sweeper.RunAsync(new StopAfterFirstBatch(), Ct));
        Assert.Equal(6, await f.ScalarAsync("SELECT count(*) FROM usage_records"));

        // A day later the record a second after the first cutoff has expired too, but the resumed sweep keeps its cutoff.
        f.Time.Advance(TimeSpan.FromDays(1));
        var resumed = await sweeper.RunAsync(null, Ct);

        Assert.Equal(Instant.FromUtc(2026, 11, 28, 12, 0), resumed!.Cutoff);
        Assert.Equal(2, resumed.Attempts);
        Assert.Equal(["after-cutoff", "june", "november"], (await f.RowsAsync("SELECT record_key FROM usage_records ORDER BY start_time")).Select(r => r[0]));
        Assert.Equal(4, resumed.DeletedCounts().Sum(c => c.Count));

        // The next sweep is a new one, with today's cutoff.
        var next = await sweeper.RunAsync(null, Ct);
        Assert.Equal(Instant.FromUtc(2026, 11, 29, 12, 0), next!.Cutoff);
        Assert.Equal(["june", "november"], (await f.RowsAsync("SELECT record_key FROM usage_records ORDER BY start_time")).Select(r => r[0]));
        await AssertAuditIntactAsync(f);
        Assert.Equal(5, await SumOfAuditedCountsAsync(f));
        await f.AssertMonthTotalsExactAsync();
    }

    [Theory, AllEngines]
    public async Task Run_ManyRowsInAPartlyExpiredMonth_DeletesInBatchesAndLookUpStillWorks(Engine engine)
    {
        await using var f = await CreateAsync(engine);
        await f.AddOrganizationAsync("demo");
        var rows = Enumerable.Range(0, 250)
            .Select(i => ("demo", $"may-{i}", (Instant.FromUtc(2026, 5, 20, 0, 0) + Duration.FromHours(i)).ToString("uuuu-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)))
            .ToArray();
        await f.ImportHistoryAsync(EventFamily.Usage, f.Write("usage.csv", Usage(rows)));
        var sweeper = new RetentionSweeper(
            f.Services.GetRequiredService<IDbContextFactory<CustodianDbContext>>(),
            f.Services.GetRequiredService<IAuditTrail>(),
            f.Time,
            ShippedRegister,
            f.Services.GetRequiredService<IBlobStore>())
        { BatchSize = 40 };

        var run = await sweeper.RunAsync(null, Ct);

        // 20 May 00:00 UTC + i hours is before 27 May 22:00 UTC (the start of 28 May in Amsterdam) for i < 190.
        Assert.Equal(190, run!.DeletedCounts().Sum(c => c.Count));
        Assert.Equal(5, run.Batches); // 190 rows in batches of 40
        Assert.Equal(60, (await f.UsageOfAsync("+442079460501")).Count);
        await AssertAuditIntactAsync(f);
        await f.AssertMonthTotalsExactAsync();
    }

    /// <summary>
    /// Issue 4 §1: after a sweep the SQLite file and its WAL hold no byte of what was deleted (secure_delete zeroes freed
    /// pages; the sweep checkpoints and truncates the WAL). Canaries in a dropped month and in a partly expired one.
    /// </summary>
    [Fact]
    public async Task Run_Sqlite_DeletedNumbersAreNotReadableInTheFileOrTheWal()
    {
        await using var f = await CreateAsync(Engine.Sqlite);
        await f.AddOrganizationAsync("demo");
        var csv = new StringBuilder("organization,record_id,kind,direction,caller,callee,start,duration\n");
        for (var i = 0; i < 300; i++)
        {
            // +44 20 7946 77xx (Ofcom's drama range). March is dropped whole; the May rows (1-13 May) go row by row.
            var start = i % 2 == 0 ? Instant.FromUtc(2026, 3, 1, 0, 0) + Duration.FromMinutes(i) : Instant.FromUtc(2026, 5, 1, 0, 0) + Duration.FromHours(i);
            csv.Append(CultureInfo.InvariantCulture, $"demo,c{i},mobile,outbound,+4420794677{i % 100:D2},+442079460001,{start:uuuu-MM-dd'T'HH:mm:ss'Z'},60\n");
        }

        await f.ImportHistoryAsync(EventFamily.Usage, f.Write("canary.csv", csv.ToString()));
        var file = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(f.Database.Target.ConnectionString).DataSource;
        Assert.Contains("+44207946771", await ReadAllAsync(file) + await ReadAllAsync(file + "-wal"), StringComparison.Ordinal);

        var run = await f.Services.GetRequiredService<RetentionSweeper>().RunAsync(null, Ct);

        Assert.Equal(300, run!.DeletedCounts().Sum(c => c.Count));
        Assert.Equal(["2026-03"], run.DroppedPartitions().Select(p => p.Month));
        var bytes = await ReadAllAsync(file) + await ReadAllAsync(file + "-wal");
        foreach (var deleted in Enumerable.Range(0, 100).Select(i => $"+4420794677{i:D2}"))
        {
            Assert.DoesNotContain(deleted, bytes, StringComparison.Ordinal);
        }
    }

    private static async Task<string> ReadAllAsync(string path)
    {
        if (!File.Exists(path))
        {
            return "";
        }

        // Read while the database is open: share everything, and read bytes as Latin-1 so every byte maps to one char.
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.Latin1);
        return await reader.ReadToEndAsync(Ct);
    }

    /// <summary>G2.6: when the audit trail cannot take a deletion's event, the deletion does not happen (fail closed).</summary>
    [Theory, AllEngines]
    public async Task Run_AuditRefusesDeletionEvents_NothingIsDeletedAndARerunFinishes(Engine engine)
    {
        await using var f = await CreateAsync(engine);
        await f.AddOrganizationAsync("demo");
        await f.AddOrganizationAsync("other");
        await f.ImportHistoryAsync(EventFamily.Usage, f.Write("usage.csv", UsageRows()));
        await using (var db = f.CreateContext())
        {
            await db.Database.ExecuteSqlRawAsync(engine == Engine.Sqlite
                ? "CREATE TRIGGER audit_full BEFORE INSERT ON audit_events WHEN NEW.action <> 'retention.sweep_started' BEGIN SELECT RAISE(ABORT, 'disk full (simulated)'); END;"
                : """
                  CREATE FUNCTION audit_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
                    IF NEW.action <> 'retention.sweep_started' THEN RAISE EXCEPTION 'disk full (simulated)'; END IF;
                    RETURN NEW; END $$;
                  CREATE TRIGGER audit_full BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_full();
                  """, Ct);
        }

        var sweeper = f.Services.GetRequiredService<RetentionSweeper>();
        await Assert.ThrowsAnyAsync<Exception>(() => sweeper.RunAsync(null, Ct));

        Assert.Equal(7, await f.ScalarAsync("SELECT count(*) FROM usage_records"));
        Assert.Equal(5, await f.ScalarAsync("SELECT count(*) FROM event_partitions WHERE family = 'usage'"));
        await using (var db = f.CreateContext())
        {
            await db.Database.ExecuteSqlRawAsync(engine == Engine.Postgres ? "DROP TRIGGER audit_full ON audit_events" : "DROP TRIGGER audit_full", Ct);
        }

        var run = await sweeper.RunAsync(null, Ct);
        Assert.Equal(4, run!.DeletedCounts().Sum(c => c.Count));
        await AssertAuditIntactAsync(f);
    }

    internal static async Task AssertAuditIntactAsync(ImportFixture f)
    {
        await using var db = f.CreateContext();
        var verification = await f.Services.GetRequiredService<AuditVerifier>().VerifyAsync(db, null, Ct);
        Assert.True(verification.Intact, string.Join("; ", verification.Problems));
    }

    /// <summary>The records the sweep's audit events say were deleted, summed: equal to what went, never counted twice.</summary>
    internal static async Task<long> SumOfAuditedCountsAsync(ImportFixture f)
    {
        await using var db = f.CreateContext();
        var details = await db.Set<AuditEvent>().AsNoTracking()
            .Where(e => e.Action == "retention.deleted" || e.Action == "retention.month_dropped")
            .Select(e => e.Details)
            .ToListAsync(Ct);
        return details.Sum(d => System.Text.Json.JsonDocument.Parse(d!).RootElement.GetProperty("count").GetString() is { } c ? long.Parse(c, CultureInfo.InvariantCulture) : 0);
    }

    private sealed class StopAfterFirstBatch : ISweepProgress
    {
        public void Deleted(string step, long rows) => throw new InvalidOperationException("simulated interruption");
    }
}
