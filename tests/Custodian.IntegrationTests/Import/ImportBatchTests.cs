using Custodian.Core.Features.Events;
using Custodian.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.IntegrationTests.Import;

/// <summary>Import batches: the overview, abandoning one, and the file's identity across import options.</summary>
public sealed class ImportBatchTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task AbandonAsync_InterruptedImport_RemovesItsRowsAuditsAndTheFileImportsAfresh(Engine engine)
    {
        await using var f = await ImportFixture.CreateAsync(engine, chunkRows: 500);
        await f.AddOrganizationAsync("demo");
        var path = f.Write("big.csv", UsageFile.Generate(2_000, rejectEvery: 0));
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        f.Options.AfterChunkCommitted = n =>
        {
            if (n == 2)
            {
                interrupt.Cancel();
            }
        };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => f.ImportAsync(EventFamily.Usage, path, ct: interrupt.Token));
        f.Options.AfterChunkCommitted = null;
        var interrupted = Assert.Single(await f.Services.GetRequiredService<ImportBatchList>().ListAsync(Ct));
        Assert.True(interrupted.Resumable);
        Assert.Equal(1_000, await f.ScalarAsync("SELECT count(*) FROM usage_records"));

        var abandoned = await f.AbandonAsync(interrupted.Id);

        Assert.Equal(ImportAbandonOutcome.Abandoned, abandoned.Outcome);
        Assert.Equal(1_000, abandoned.RowsRemoved);
        Assert.Equal(0, await f.ScalarAsync("SELECT count(*) FROM usage_records"));
        await f.AssertMonthTotalsExactAsync();
        var listed = Assert.Single(await f.Services.GetRequiredService<ImportBatchList>().ListAsync(Ct));
        Assert.Equal((ImportBatch.Abandoned, false), (listed.Status, listed.Resumable));
        Assert.NotNull(listed.FinishedAt);
        var audit = Assert.Single(await f.RowsAsync("SELECT objects, details FROM audit_events WHERE action = 'import.abandoned'"));
        Assert.Contains(interrupted.Id.ToString(), audit[0], StringComparison.Ordinal);
        Assert.Contains("in_progress", audit[1], StringComparison.Ordinal);

        var again = await f.ImportAsync(EventFamily.Usage, path);

        Assert.Equal(ImportOutcome.Imported, again.Outcome);
        Assert.NotEqual(interrupted.Id, again.BatchId);
        Assert.Equal(0, again.ResumedAfterLine);
        Assert.Equal(2_000, await f.ScalarAsync("SELECT count(*) FROM usage_records"));
        Assert.Equal(2_000, await f.ScalarAsync("SELECT count(DISTINCT record_key) FROM usage_records"));
        await f.AssertMonthTotalsExactAsync();
    }

    [Theory, AllEngines]
    public async Task AbandonAsync_CompletedBatchOverTwoMonths_RemovesOnlyItsRowsAndIsIdempotent(Engine engine)
    {
        await using var f = await ImportFixture.CreateAsync(engine);
        await f.AddOrganizationAsync("demo");
        var kept = await f.ImportAsync(EventFamily.Usage, f.Copy("usage.csv"));
        var traffic = await f.ImportAsync(EventFamily.Traffic, f.Copy("traffic.csv"));
        var usageRows = await f.ScalarAsync("SELECT count(*) FROM usage_records");
        Assert.True(await f.ScalarAsync("SELECT count(DISTINCT month) FROM event_partitions WHERE family = 'traffic'") >= 2);

        var first = await f.AbandonAsync(traffic.BatchId!.Value);
        var second = await f.AbandonAsync(traffic.BatchId!.Value);

        Assert.Equal((ImportAbandonOutcome.Abandoned, 3L), (first.Outcome, first.RowsRemoved));
        Assert.Equal(ImportAbandonOutcome.AlreadyAbandoned, second.Outcome);
        Assert.Equal(0, await f.ScalarAsync("SELECT count(*) FROM traffic_records"));
        Assert.Equal(usageRows, await f.ScalarAsync("SELECT count(*) FROM usage_records"));
        await f.AssertMonthTotalsExactAsync();
        Assert.Equal(ImportOutcome.AlreadyImported, (await f.ImportAsync(EventFamily.Usage, f.Copy("usage.csv"))).Outcome);
        Assert.Equal(kept.BatchId, (await f.ImportAsync(EventFamily.Usage, f.Copy("usage.csv"))).BatchId);
        Assert.Equal(1, await f.ScalarAsync("SELECT count(*) FROM audit_events WHERE action = 'import.abandoned'"));
        Assert.Equal((ImportAbandonOutcome.NotFound), (await f.AbandonAsync(Guid.NewGuid())).Outcome);
    }

    [Theory, AllEngines]
    public async Task AbandonAsync_StoppedHalfWay_ImportRefusesUntilARerunFinishesIt(Engine engine)
    {
        await using var f = await ImportFixture.CreateAsync(engine);
        await f.AddOrganizationAsync("demo");
        var path = f.Copy("traffic.csv");
        var batch = (await f.ImportAsync(EventFamily.Traffic, path)).BatchId!.Value;

        // What a crash after the first step leaves: the batch marked, (some of) its rows still there.
        await f.ScalarAsync($"UPDATE import_batches SET status = 'abandoning', committed_line = -1 WHERE status = 'completed'");
        var refused = await f.ImportAsync(EventFamily.Traffic, path);
        var finished = await f.AbandonAsync(batch);

        Assert.Equal("import.batch_abandoning", refused.Problem?.Rule);
        Assert.Contains($"custodian import abandon {batch}", refused.Problem!.Message, StringComparison.Ordinal);
        Assert.Equal((ImportAbandonOutcome.Abandoned, 3L), (finished.Outcome, finished.RowsRemoved));
        Assert.Equal(0, await f.ScalarAsync("SELECT count(*) FROM traffic_records"));
        Assert.Equal(ImportOutcome.Imported, (await f.ImportAsync(EventFamily.Traffic, path)).Outcome);
    }

    [Theory, AllEngines]
    public async Task AbandonAsync_ImportStillRunning_ItsNextChunkIsRolledBack(Engine engine)
    {
        await using var f = await ImportFixture.CreateAsync(engine, chunkRows: 500);
        await f.AddOrganizationAsync("demo");
        var path = f.Write("big.csv", UsageFile.Generate(1_500, rejectEvery: 0));
        ImportAbandonResult? abandoned = null;
        f.Options.AfterChunkCommitted = n =>
        {
            if (n == 1)
            {
                // Another operator abandons the batch between two chunks of a running import.
                var batch = Guid.Parse(f.RowsAsync("SELECT id FROM import_batches").GetAwaiter().GetResult()[0][0]);
                abandoned = f.AbandonAsync(batch).GetAwaiter().GetResult();
            }
        };

        var running = await Assert.ThrowsAsync<InvalidOperationException>(() => f.ImportAsync(EventFamily.Usage, path));

        Assert.Contains("advanced by another process", running.Message, StringComparison.Ordinal);
        Assert.Equal((ImportAbandonOutcome.Abandoned, 500L), (abandoned?.Outcome, abandoned?.RowsRemoved));
        Assert.Equal(0, await f.ScalarAsync("SELECT count(*) FROM usage_records"));
        Assert.Equal([["abandoned"]], await f.RowsAsync("SELECT status FROM import_batches"));
    }

    [Theory, AllEngines]
    public async Task AbandonAsync_BatchAGrownFileContinues_IsRefusedNamingTheLaterBatch(Engine engine)
    {
        await using var f = await ImportFixture.CreateAsync(engine);
        await f.AddOrganizationAsync("demo");
        var path = f.Copy("asterisk-18.csv");
        var first = await f.ImportAsync(EventFamily.Usage, path, "asterisk");
        var added = string.Join('\n', (await File.ReadAllLinesAsync(ImportFixture.Sample("asterisk-17.csv"), Ct)).Take(2).Select(l => l.Replace("1791961923.18", "1791961923.99", StringComparison.Ordinal))) + "\n";
        await File.AppendAllTextAsync(path, added, Ct);
        var grown = await f.ImportAsync(EventFamily.Usage, path, "asterisk");

        var refused = await f.AbandonAsync(first.BatchId!.Value);
        var later = await f.AbandonAsync(grown.BatchId!.Value);
        var thenEarlier = await f.AbandonAsync(first.BatchId!.Value);

        Assert.Equal((ImportAbandonOutcome.ContinuedByLaterBatch, grown.BatchId), (refused.Outcome, refused.BlockingBatchId));
        Assert.Equal((ImportAbandonOutcome.Abandoned, 2L), (later.Outcome, later.RowsRemoved));
        Assert.Equal((ImportAbandonOutcome.Abandoned, 4L), (thenEarlier.Outcome, thenEarlier.RowsRemoved));
        Assert.Equal(0, await f.ScalarAsync("SELECT count(*) FROM usage_records"));
    }

    [Theory, AllEngines]
    public async Task ImportAsync_SameFileOtherTimeZone_IsRefusedNamingTheEarlierBatchAndItsOptions(Engine engine)
    {
        await using var f = await ImportFixture.CreateAsync(engine);
        await f.AddOrganizationAsync("demo");
        var path = f.Copy("asterisk-18.csv");
        var first = await f.ImportAsync(EventFamily.Usage, path, "asterisk", timeZone: "Europe/Amsterdam");

        var sameOptions = await f.ImportAsync(EventFamily.Usage, path, "asterisk", timeZone: "Europe/Amsterdam");
        var otherZone = await f.ImportAsync(EventFamily.Usage, path, "asterisk", timeZone: "Europe/London");

        Assert.Equal(ImportOutcome.AlreadyImported, sameOptions.Outcome);
        Assert.Equal(ImportOutcome.FileError, otherZone.Outcome);
        Assert.Equal("import.options_differ", otherZone.Problem!.Rule);
        Assert.Contains($"batch {first.BatchId}", otherZone.Problem.Message, StringComparison.Ordinal);
        Assert.Contains("--timezone Europe/Amsterdam", otherZone.Problem.Message, StringComparison.Ordinal);
        Assert.Contains("--timezone Europe/London", otherZone.Problem.Message, StringComparison.Ordinal);
        Assert.Contains($"custodian import abandon {first.BatchId}", otherZone.Problem.Message, StringComparison.Ordinal);
        Assert.Equal(4, await f.ScalarAsync("SELECT count(*) FROM usage_records"));

        await f.AbandonAsync(first.BatchId!.Value);
        var reread = await f.ImportAsync(EventFamily.Usage, path, "asterisk", timeZone: "Europe/London");

        Assert.Equal(ImportOutcome.Imported, reread.Outcome);
        Assert.Equal(reread.RowsImported, await f.ScalarAsync("SELECT count(*) FROM usage_records"));
    }

    [Theory, AllEngines]
    public async Task ImportAsync_SameFileWithTenantOrOtherFormat_IsRefused(Engine engine)
    {
        await using var f = await ImportFixture.CreateAsync(engine);
        await f.AddOrganizationAsync("demo");
        await f.AddOrganizationAsync("other");
        var traffic = f.Copy("traffic.csv");
        var asterisk = f.Copy("asterisk-18.csv");
        await f.ImportAsync(EventFamily.Traffic, traffic);
        var stored = (await f.ImportAsync(EventFamily.Usage, asterisk, "asterisk", tenant: "demo")).RowsImported;

        var withTenant = await f.ImportAsync(EventFamily.Traffic, traffic, tenant: "other");
        var otherTenant = await f.ImportAsync(EventFamily.Usage, asterisk, "asterisk", tenant: "other");
        var otherFormat = await f.ImportAsync(EventFamily.Usage, asterisk, "custodian", tenant: "demo");

        Assert.Equal("import.options_differ", withTenant.Problem?.Rule);
        Assert.Contains("no --tenant", withTenant.Problem!.Message, StringComparison.Ordinal);
        Assert.Contains("--tenant other", withTenant.Problem.Message, StringComparison.Ordinal);
        Assert.Equal("import.options_differ", otherTenant.Problem?.Rule);
        Assert.Contains("--tenant demo", otherTenant.Problem!.Message, StringComparison.Ordinal);
        Assert.Equal("import.options_differ", otherFormat.Problem?.Rule);
        Assert.Contains("--format asterisk", otherFormat.Problem!.Message, StringComparison.Ordinal);
        Assert.Equal(3, await f.ScalarAsync("SELECT count(*) FROM traffic_records"));
        Assert.Equal(stored, await f.ScalarAsync("SELECT count(*) FROM usage_records"));
        Assert.Equal(2, await f.ScalarAsync("SELECT count(*) FROM import_batches"));
    }
}
