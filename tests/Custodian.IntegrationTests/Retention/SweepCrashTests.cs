using System.Globalization;
using Custodian.Core.Common;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Store;
using Custodian.Features.Retention;
using Custodian.IntegrationTests.Import;
using Custodian.Testing;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Retention;

/// <summary>
/// security.md C-01 for the sweep: a real <c>custodian retention run</c> killed (SIGKILL) at every named step boundary,
/// then run again, ends in the state of an uninterrupted sweep: the same records left, nothing deleted early, each
/// deletion audited exactly once, the audit chain intact.
/// </summary>
public sealed class SweepCrashTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Every fail point of the sweep, with the pass to die on (a later pass where the step repeats).</summary>
    public static readonly string[] FailPointsToHit =
    [
        "retention.sweep.started",
        "retention.month.preserved",
        "retention.month.dropped",
        "retention.month.before_commit:2",
        "retention.month.committed",
        "retention.rows.deleted:2",
        "retention.rows.audited",
        "retention.rows.committed:3",
        "retention.records.deleted:2",
        "retention.records.audited",
        "retention.records.committed:2",
        "retention.sweep.finishing",
    ];

    [Theory, AllEngines]
    public async Task RetentionRun_KilledAtEveryStepBoundary_RerunEndsLikeAnUninterruptedSweep(Engine engine)
    {
        // Times relative to the real clock (the child process uses it): well clear of the cutoff on either side, so the
        // few seconds between runs cannot move a record across it.
        var now = Instant.FromDateTimeOffset(TimeProvider.System.GetUtcNow());
        var file = Data(now);
        var reference = await SweptAsync(engine, file, failPoint: null);
        Assert.True(reference.Deleted > 30, "the data set must give the sweep several batches and months");

        foreach (var point in FailPointsToHit)
        {
            var trial = await SweptAsync(engine, file, point);
            Assert.True(reference.Remaining.SequenceEqual(trial.Remaining), $"{point}: other records left than an uninterrupted sweep leaves");
            Assert.True(reference.Months.SequenceEqual(trial.Months), $"{point}: other months left");
            Assert.True(reference.Deleted == trial.Deleted, $"{point}: the receipt counts {trial.Deleted} deletions, not {reference.Deleted}");
            Assert.True(reference.Deleted == trial.Audited, $"{point}: the audit trail counts {trial.Audited} deletions, not {reference.Deleted}");
        }
    }

    /// <summary>C-02: killed at random moments (seeded, so a failure can be replayed), the rerun still ends the same.</summary>
    [Theory, AllEngines]
    public async Task RetentionRun_KilledAtRandomMoments_RerunEndsLikeAnUninterruptedSweep(Engine engine)
    {
        var now = Instant.FromDateTimeOffset(TimeProvider.System.GetUtcNow());
        var file = Data(now);
        var reference = await SweptAsync(engine, file, failPoint: null);
        var random = new Random(20261128);
        for (var trial = 0; trial < 4; trial++)
        {
            var delay = TimeSpan.FromMilliseconds(random.Next(300, 2500));
            var outcome = await SweptAsync(engine, file, null, delay);
            Assert.True(reference.Remaining.SequenceEqual(outcome.Remaining), $"killed after {delay.TotalMilliseconds} ms: other records left");
            Assert.True(reference.Months.SequenceEqual(outcome.Months), $"killed after {delay.TotalMilliseconds} ms: other months left");
            Assert.True(reference.Deleted == outcome.Deleted && reference.Deleted == outcome.Audited, $"killed after {delay.TotalMilliseconds} ms: counts differ");
        }
    }

    private sealed record Outcome(IReadOnlyList<string> Remaining, IReadOnlyList<string> Months, long Deleted, long Audited);

    private static async Task<Outcome> SweptAsync(Engine engine, string csv, string? failPoint, TimeSpan? killAfter = null)
    {
        var data = Directory.CreateTempSubdirectory("custodian-sweep-crash.");
        try
        {
            return await SweptAsync(engine, csv, failPoint, killAfter, data.FullName);
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    private static async Task<Outcome> SweptAsync(Engine engine, string csv, string? failPoint, TimeSpan? killAfter, string data)
    {
        await using var f = await SweepTests.CreateAsync(engine, data);
        var demo = await f.AddOrganizationAsync("demo");
        await f.AddOrganizationAsync("other");
        Assert.Equal(ImportOutcome.Imported, (await f.ImportHistoryAsync(EventFamily.Usage, f.Write("usage.csv", csv))).Outcome);
        await AddRecordingsAsync(f, demo);
        var key = Path.Combine(f.Folder, "master.key");
        await File.WriteAllTextAsync(key, Convert.ToBase64String([.. Enumerable.Range(1, 32).Select(i => (byte)i)]), Ct);

        if (failPoint is not null)
        {
            var killed = await RunChildAsync(f, data, key, failPoint);
            Assert.True(killed == 137, $"{failPoint}: the sweep should have been killed there, it exited {killed}");
        }
        else if (killAfter is { } delay)
        {
            await RunChildAsync(f, data, key, null, delay); // killed, or finished first: either way the rerun must end the same
        }

        var exit = await RunChildAsync(f, data, key, null);
        Assert.True(exit == 0, $"{failPoint}: the rerun failed ({exit})");
        await SweepTests.AssertAuditIntactAsync(f);
        var remaining = (await f.RowsAsync("SELECT record_key FROM usage_records ORDER BY record_key")).Select(r => r[0])
            .Concat((await f.RowsAsync("SELECT caller_number FROM support_call_recordings ORDER BY caller_number")).Select(r => "recording " + r[0]))
            .Concat((await f.RowsAsync("SELECT count(*) FROM blobs")).Select(r => "blobs " + r[0]))
            .Concat((await f.RowsAsync("SELECT count(*) FROM data_keys WHERE destroyed_at IS NULL")).Select(r => "live keys " + r[0]))
            .ToList();

        // Every remaining recording's content is still there (a kill after a batch's commit may leave the deleted ones'
        // contents as orphans, unreadable because their keys are destroyed, for the blob orphan sweep).
        var store = f.Services.GetRequiredService<IBlobStore>();
        foreach (var row in await f.RowsAsync("SELECT store_key FROM blobs"))
        {
            Assert.True(await store.ExistsAsync(row[0], Ct), $"{failPoint}: a remaining blob lost its content");
        }

        var months = (await f.RowsAsync("SELECT month FROM event_partitions WHERE family = 'usage' ORDER BY month")).Select(r => r[0]).ToList();
        await using var db = f.CreateContext();
        var runs = db.Set<RetentionSweepRun>().ToList();
        Assert.True(runs.Count >= 1 && runs.All(r => r.State == RetentionSweepRun.Completed), $"{failPoint}: every sweep should be completed");
        Assert.True(failPoint is null && killAfter is not null || runs.Count == 1, $"{failPoint}: a killed sweep is resumed, not started anew");

        // A process that finished before its kill leaves a completed sweep; the rerun then starts a second one that
        // finds nothing (more) to delete. The receipts together count what went.
        return new Outcome(remaining, months, runs.Sum(r => r.DeletedCounts().Sum(c => c.Count)), await SweepTests.SumOfAuditedCountsAsync(f));
    }

    /// <summary>Support-line recordings (90 days) with encrypted content, one every five days over the last 200 days.</summary>
    private static async Task AddRecordingsAsync(ImportFixture f, Guid organization)
    {
        var now = Instant.FromDateTimeOffset(TimeProvider.System.GetUtcNow());
        var blobs = f.Services.GetRequiredService<EncryptedBlobs>();
        await using var db = f.CreateContext();
        for (var day = 2; day < 200; day += 5)
        {
            var id = Guid.CreateVersion7();
            using var content = new MemoryStream([1, 2, 3, 4]);
            var blob = await blobs.PutAsync(db, organization, DataKeyOwner.Subject(id), content, "audio/wav", Ct);
            db.Set<SupportCallRecording>().Add(new SupportCallRecording
            {
                Id = id,
                OrganizationId = organization,
                CallerNumber = string.Create(CultureInfo.InvariantCulture, $"+3120123{day:D4}"),
                CalledAt = now - Duration.FromDays(day),
                DurationSeconds = 60,
                ContentBlobId = blob.Id,
                MediaType = "audio/wav",
                ContentLength = 4,
                CreatedAt = now,
            });
            await db.SaveChangesAsync(Ct);
        }
    }

    private static async Task<int> RunChildAsync(ImportFixture f, string data, string key, string? failPoint, TimeSpan? killAfter = null)
    {
        var start = new System.Diagnostics.ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "custodian"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { [RetentionRunCommand.BatchRowsVariable] = "7" },
        };
        if (failPoint is not null)
        {
            start.Environment[FailPoints.Variable] = failPoint;
        }

        foreach (var arg in new[] { "retention", "run", "--db", f.Database.Target.ConnectionString, "--data", data, "--master-key-file", key })
        {
            start.ArgumentList.Add(arg);
        }

        using var child = System.Diagnostics.Process.Start(start)!;
        var output = child.StandardOutput.ReadToEndAsync(Ct);
        var error = child.StandardError.ReadToEndAsync(Ct);
        if (killAfter is { } delay && !child.WaitForExit(delay))
        {
            child.Kill(); // SIGKILL: no clean-up, like a power cut
        }

        await child.WaitForExitAsync(Ct);
        _ = await output;
        _ = await error;
        return child.ExitCode;
    }

    /// <summary>Records over the last ten months, two organisations, a few a day: several months to drop and several batches of rows.</summary>
    private static string Data(Instant now)
    {
        var rows = new List<(string, string, string)>();
        for (var day = 0; day < 300; day += 3)
        {
            for (var k = 0; k < 2; k++)
            {
                var at = now - Duration.FromDays(day) - Duration.FromHours(k * 7 + 1);
                rows.Add((k == 0 ? "demo" : "other", $"d{day:D3}-{k}", at.ToString("uuuu-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)));
            }
        }

        return SweepTests.Usage([.. rows]);
    }
}
