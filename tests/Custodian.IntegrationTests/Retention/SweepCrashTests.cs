using System.Globalization;
using Custodian.Core.Common;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Retention;
using Custodian.Features.Retention;
using Custodian.IntegrationTests.Import;
using Custodian.Testing;
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

    private sealed record Outcome(IReadOnlyList<string> Remaining, IReadOnlyList<string> Months, long Deleted, long Audited);

    private static async Task<Outcome> SweptAsync(Engine engine, string csv, string? failPoint)
    {
        await using var f = await SweepTests.CreateAsync(engine);
        await f.AddOrganizationAsync("demo");
        await f.AddOrganizationAsync("other");
        Assert.Equal(ImportOutcome.Imported, (await f.ImportAsync(EventFamily.Usage, f.Write("usage.csv", csv))).Outcome);
        var key = Path.Combine(f.Folder, "master.key");
        await File.WriteAllTextAsync(key, Convert.ToBase64String([.. Enumerable.Range(1, 32).Select(i => (byte)i)]), Ct);

        if (failPoint is not null)
        {
            var killed = await RunChildAsync(f, key, failPoint);
            Assert.True(killed == 137, $"{failPoint}: the sweep should have been killed there, it exited {killed}");
        }

        var exit = await RunChildAsync(f, key, null);
        Assert.True(exit == 0, $"{failPoint}: the rerun failed ({exit})");
        await SweepTests.AssertAuditIntactAsync(f);
        var remaining = (await f.RowsAsync("SELECT record_key FROM usage_records ORDER BY record_key")).Select(r => r[0]).ToList();
        var months = (await f.RowsAsync("SELECT month FROM event_partitions WHERE family = 'usage' ORDER BY month")).Select(r => r[0]).ToList();
        await using var db = f.CreateContext();
        var runs = db.Set<RetentionSweepRun>().ToList();
        Assert.True(runs.Count == 1 && runs[0].State == RetentionSweepRun.Completed, $"{failPoint}: one completed sweep expected");
        return new Outcome(remaining, months, runs[0].DeletedCounts().Sum(c => c.Count), await SweepTests.SumOfAuditedCountsAsync(f));
    }

    private static async Task<int> RunChildAsync(ImportFixture f, string key, string? failPoint)
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

        foreach (var arg in new[] { "retention", "run", "--db", f.Database.Target.ConnectionString, "--data", f.Folder, "--master-key-file", key })
        {
            start.ArgumentList.Add(arg);
        }

        using var child = System.Diagnostics.Process.Start(start)!;
        var output = child.StandardOutput.ReadToEndAsync(Ct);
        var error = child.StandardError.ReadToEndAsync(Ct);
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
