using Custodian.Core.Features.Events;
using Custodian.Core.Features.Retention;
using Custodian.Core.Persistence;
using Custodian.IntegrationTests.Import;
using Custodian.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.IntegrationTests.Retention;

/// <summary>
/// Sealed months (<see cref="EventMonthFiles"/>): on SQLite the sweep moves months that are no longer written into their
/// own files and removes an expired month by deleting its file. On PostgreSQL sealing does nothing and the same
/// assertions about records, counts and audit hold (the partition is its own file there already).
/// </summary>
public sealed class SealedMonthTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The fixture's clock is 2026-11-28: August to October have settled (EventPartitions.SettleDays after their end), November not.</summary>
    private static string Rows() => SweepTests.Usage(
        ("demo", "aug-1", "2026-08-03T10:00:00Z"),
        ("demo", "aug-2", "2026-08-30T10:00:00Z"),
        ("other", "sep-1", "2026-09-15T10:00:00Z"),
        ("demo", "oct-1", "2026-10-01T10:00:00Z"),
        ("demo", "nov-1", "2026-11-20T10:00:00Z"));

    [Theory, AllEngines]
    public async Task Sweep_OldMonths_AreSealedAndLookUpsCountsAndPlanStayTheSame(Engine engine)
    {
        await using var f = await SweepTests.CreateAsync(engine);
        await f.AddOrganizationAsync("demo");
        await f.AddOrganizationAsync("other");
        await f.ImportHistoryAsync(EventFamily.Usage, f.Write("usage.csv", Rows()));
        var before = (await f.UsageOfAsync("+442079460501")).Select(r => r.RecordKey).Order(StringComparer.Ordinal).ToList();

        var run = await f.Services.GetRequiredService<RetentionSweeper>().RunAsync(null, Ct);

        Assert.Empty(run!.DeletedCounts());
        Assert.Equal(before, (await f.UsageOfAsync("+442079460501")).Select(r => r.RecordKey).Order(StringComparer.Ordinal));
        Assert.Equal(5, await f.ScalarAsync("SELECT count(*) FROM usage_records"));
        await f.AssertMonthTotalsExactAsync();
        if (engine == Engine.Sqlite)
        {
            Assert.Equal(["usage-2026-08.db", "usage-2026-09.db", "usage-2026-10.db"], await SealedFilesAsync(f));
            Assert.Equal(["usage_records_2026_11", "usage_records_2026_12"], (await f.RowsAsync(
                "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name LIKE 'usage_records_2026%' ORDER BY name")).Select(r => r[0]));

            // A person's look-up seeks the identifier index in every month, sealed files included: no month is scanned.
            // In a sealed file the callee index covers every column, so the received calls (not in the file's caller
            // order) are read from its leaf pages, not one table page each (EventPartitions.SqliteMonthIndexSql).
            var plan = string.Join("\n", (await f.RowsAsync(
                $"EXPLAIN QUERY PLAN SELECT {UsageTable.Instance.ColumnList} FROM usage_records WHERE callee_number = '+442079460001'")).Select(r => r[^1]));
            Assert.DoesNotContain("SCAN", plan.Replace("SCAN CONSTANT ROW", "", StringComparison.Ordinal), StringComparison.Ordinal);
            Assert.Equal(3, plan.Split('\n').Count(line => line.Contains("USING COVERING INDEX ix_records_callee", StringComparison.Ordinal)));
        }
    }

    [Theory, AllEngines]
    public async Task Sweep_SealedMonthWithLateRows_DropsBothPartsAndRemovesTheFile(Engine engine)
    {
        await using var f = await SweepTests.CreateAsync(engine);
        await f.AddOrganizationAsync("demo");
        await f.AddOrganizationAsync("other");
        await f.ImportHistoryAsync(EventFamily.Usage, f.Write("usage.csv", Rows()));
        var sweeper = f.Services.GetRequiredService<RetentionSweeper>();
        await sweeper.RunAsync(null, Ct);

        // A call of August billed late: the sealed month gets a new main-file part, and both parts are read.
        await f.ImportHistoryAsync(EventFamily.Usage, f.Write("late.csv", SweepTests.Usage(("demo", "aug-late", "2026-08-31T23:00:00Z"))));
        Assert.Equal(3, await f.ScalarAsync("SELECT count(*) FROM usage_records WHERE record_key LIKE 'aug%'"));
        await f.AssertMonthTotalsExactAsync();

        // 1 March 2027 (Amsterdam): every August record has expired (31 August 23:00 UTC is 1 September in Amsterdam,
        // kept through 1 March), September's not yet.
        f.Time.SetUtcNow(new DateTimeOffset(2027, 3, 2, 12, 0, 0, TimeSpan.Zero));
        var run = await sweeper.RunAsync(null, Ct);

        Assert.Equal([new DroppedPartition("usage", "2026-08", 3, 0)], run!.DroppedPartitions());
        Assert.Equal(3, run.DeletedCounts().Sum(c => c.Count));
        Assert.Equal(0, await f.ScalarAsync("SELECT count(*) FROM usage_records WHERE record_key LIKE 'aug%'"));
        Assert.Equal(["sep-1", "oct-1", "nov-1"], (await f.RowsAsync("SELECT record_key FROM usage_records ORDER BY start_time")).Select(r => r[0]));
        await f.AssertMonthTotalsExactAsync();
        if (engine == Engine.Sqlite)
        {
            // September to November are sealed by now; the August file is gone.
            Assert.DoesNotContain("usage-2026-08.db", await SealedFilesAsync(f));
            Assert.False(File.Exists(Path.Combine(MonthsFolder(f), "usage-2026-08.db")));
            Assert.Equal(0, await f.ScalarAsync("SELECT count(*) FROM event_partitions WHERE dropping"));
        }
    }

    /// <summary>
    /// A sweep that died after its month transaction committed (the month marked <c>dropping</c>) but before the file
    /// was removed: nothing reads the month any more, and the next sweep removes the file.
    /// </summary>
    [Fact]
    public async Task Sweep_AfterACrashBeforeTheFileWasRemoved_RemovesIt()
    {
        await using var f = await SweepTests.CreateAsync(Engine.Sqlite);
        await f.AddOrganizationAsync("demo");
        await f.AddOrganizationAsync("other");
        await f.ImportHistoryAsync(EventFamily.Usage, f.Write("usage.csv", Rows()));
        var sweeper = f.Services.GetRequiredService<RetentionSweeper>();
        await sweeper.RunAsync(null, Ct);
        await f.ScalarAsync("UPDATE event_partitions SET dropping = TRUE WHERE month = 202608");

        Assert.Equal(0, await f.ScalarAsync("SELECT count(*) FROM usage_records WHERE record_key LIKE 'aug%'"));
        Assert.True(File.Exists(Path.Combine(MonthsFolder(f), "usage-2026-08.db")));

        await sweeper.RunAsync(null, Ct);

        Assert.False(File.Exists(Path.Combine(MonthsFolder(f), "usage-2026-08.db")));
        Assert.Equal(0, await f.ScalarAsync("SELECT count(*) FROM event_partitions WHERE month = 202608"));
    }

    /// <summary>
    /// An erasure's records in a sealed month are deleted in the month's file; one whose file commit was lost (the
    /// remembered id without the delete, as after a crash between the two commits) is finished by the next run.
    /// </summary>
    [Theory, AllEngines]
    public async Task DeleteRecords_InASealedMonth_DeletesThemAndFinishesAnInterruptedOne(Engine engine)
    {
        await using var f = await SweepTests.CreateAsync(engine);
        await f.AddOrganizationAsync("demo");
        await f.AddOrganizationAsync("other");
        await f.ImportHistoryAsync(EventFamily.Usage, f.Write("usage.csv", Rows()));
        await f.Services.GetRequiredService<RetentionSweeper>().RunAsync(null, Ct);
        var records = await f.UsageOfAsync("+442079460501");
        var aug1 = EventRecordId.Of(records.Single(r => r.RecordKey == "aug-1"));

        await using (var db = await f.Services.GetRequiredService<IDbContextFactory<CustodianDbContext>>().CreateDbContextAsync(Ct))
        {
            await db.Database.OpenConnectionAsync(Ct);
            await using (var tx = await db.Database.BeginTransactionAsync(Ct))
            {
                var deleted = await new EventRetention(db.Database.GetDbConnection(), tx.GetDbTransaction()).DeleteRecordsAsync(UsageTable.Instance, [aug1], Ct);
                Assert.Equal(1, deleted.Sum(d => d.Rows));
                await tx.CommitAsync(Ct);
            }

            await EventRetention.FinishFileErasuresAsync(db.Database.GetDbConnection(), Ct);
        }

        Assert.Equal(0, await f.ScalarAsync("SELECT count(*) FROM usage_records WHERE record_key = 'aug-1'"));
        await f.AssertMonthTotalsExactAsync();
        if (engine == Engine.Sqlite)
        {
            Assert.Equal(0, await f.ScalarAsync("SELECT count(*) FROM event_file_erasures"));

            // The main file committed, the month file did not: only the remembered id is there.
            var aug2 = EventRecordId.Of(records.Single(r => r.RecordKey == "aug-2"));
            await f.ScalarAsync(
                $"INSERT INTO event_file_erasures (family, month, organization_id, start_time, import_batch_id, record_key, index_column, index_value) VALUES " +
                $"('usage', 202608, x'{Convert.ToHexString(EventTable.ToSqliteId(aug2.OrganizationId))}', {EventTable.ToSqliteTime(aug2.StartTime)}, " +
                $"x'{Convert.ToHexString(EventTable.ToSqliteId(aug2.ImportBatchId))}', 'aug-2', 'callee_number', '{aug2.IndexValue}')");
            Assert.Equal(1, await f.ScalarAsync("SELECT count(*) FROM usage_records WHERE record_key = 'aug-2'"));

            await using var db = await f.Services.GetRequiredService<IDbContextFactory<CustodianDbContext>>().CreateDbContextAsync(Ct);
            await db.Database.OpenConnectionAsync(Ct);
            await EventRetention.FinishFileErasuresAsync(db.Database.GetDbConnection(), Ct);

            Assert.Equal(0, await f.ScalarAsync("SELECT count(*) FROM usage_records WHERE record_key = 'aug-2'"));
            Assert.Equal(0, await f.ScalarAsync("SELECT count(*) FROM event_file_erasures"));
            await f.AssertMonthTotalsExactAsync();
        }
    }

    private static string MonthsFolder(ImportFixture f)
    {
        using var connection = new SqliteConnection(f.Database.Target.ConnectionString);
        connection.Open();
        return EventMonthFiles.FolderOf(connection)!;
    }

    private static async Task<List<string>> SealedFilesAsync(ImportFixture f) =>
        [.. (await f.RowsAsync("SELECT sealed_file FROM event_partitions WHERE sealed_file IS NOT NULL AND NOT dropping ORDER BY sealed_file")).Select(r => r[0])];
}
