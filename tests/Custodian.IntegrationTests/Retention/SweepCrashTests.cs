using Custodian.Testing;
using Custodian.Testing.Crash;
using Custodian.Testing.Retention;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Retention;

/// <summary>
/// security.md C-01 for the sweep: a real <c>custodian retention run</c> killed (SIGKILL) at every named step boundary,
/// then run again, ends in the state of an uninterrupted sweep: the same records left, nothing deleted early, each
/// deletion audited exactly once, the audit chain intact, blobs and rows agreeing. The harness (<see cref="PreparedSweep"/>)
/// is the one the nightly soak (<c>bench/Custodian.Bench sweep-soak</c>, 1,000 random kills per engine) uses.
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

    /// <summary>
    /// SQLite only: the sealed-month paths (<c>EventMonthFiles</c>). The template has its old months sealed but the newest
    /// sealable one, so the sweep deletes the partly expired month's rows in its file, drops sealed months and seals one.
    /// </summary>
    public static readonly string[] SqliteFilePoints =
    [
        "retention.rows.file_committed:2",
        "retention.seal.copied",
        "retention.month.sealed",
    ];

    /// <summary>PostgreSQL only: the subscriber-order rewrite of an old month (<c>EventMonthRewrite</c>), killed between copy and swap.</summary>
    public static readonly string[] PostgresRewritePoints = ["retention.month.rewrite_copied"];

    /// <summary>Batched deletes in a main-database month table: on SQLite the partly expired month is sealed, so not passed there.</summary>
    public static readonly string[] MainTableRowPoints = ["retention.rows.deleted:2", "retention.rows.audited", "retention.rows.committed:3"];

    [Theory, AllEngines]
    public async Task RetentionRun_KilledAtEveryStepBoundary_RerunEndsLikeAnUninterruptedSweep(Engine engine)
    {
        await using var trials = await TrialsAsync(engine);
        Assert.True(trials.Sweep.Reference.Deleted > 30, "the data set must give the sweep several batches and months");

        // Each trial sweeps its own copy, so they run side by side (a child spends much of its life waiting for fsync);
        // one that swept on another Amsterdam day (midnight passed) is run again alone on a data set prepared anew.
        var points = (engine == Engine.Sqlite ? FailPointsToHit.Except(MainTableRowPoints).Concat(SqliteFilePoints) : FailPointsToHit.Concat(PostgresRewritePoints)).ToList();
        var results = new SweepTrial[points.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, points.Count),
            new ParallelOptions { MaxDegreeOfParallelism = CrashSettings.Parallel, CancellationToken = Ct },
            async (n, ct) => results[n] = await trials.Sweep.TrialAsync(SweepKill.At(points[n]), ct));
        for (var n = 0; n < points.Count; n++)
        {
            var trial = results[n].OtherDay ? await trials.RunAsync(SweepKill.At(points[n])) : results[n];
            Assert.True(trial.Killed, $"{points[n]}: the sweep should have been killed there, it finished");
            Assert.True(trial.Passed, $"{points[n]}: {string.Join("; ", trial.Divergences)}");
        }
    }

    /// <summary>C-02: killed at random moments (seeded, so a failure can be replayed), the rerun still ends the same.</summary>
    [Theory, AllEngines]
    public async Task RetentionRun_KilledAtRandomMoments_RerunEndsLikeAnUninterruptedSweep(Engine engine)
    {
        await using var trials = await TrialsAsync(engine);
        var random = new Random(20261128);
        for (var n = 0; n < 4; n++)
        {
            var kill = SweepKill.After(TimeSpan.FromMilliseconds(random.Next(300, 2500))); // killed, or finished first: either way the rerun must end the same
            var trial = await trials.RunAsync(kill);
            Assert.True(trial.Passed, $"{kill} ({trial.Position}): {string.Join("; ", trial.Divergences)}");
        }
    }

    private static async Task<Trials> TrialsAsync(Engine engine)
    {
        var server = engine == Engine.Postgres ? await TestDatabase.RequirePostgresAsync() : null;
        var trials = new Trials(engine, server);
        await trials.PrepareAsync();
        return trials;
    }

    /// <summary>The standard data set prepared once; prepared again if a trial's sweep ran on another Amsterdam day (midnight passed).</summary>
    private sealed class Trials(Engine engine, PostgresServer? server) : IAsyncDisposable
    {
        public PreparedSweep Sweep { get; private set; } = null!;

        public async Task PrepareAsync()
        {
            if (Sweep is not null)
            {
                await Sweep.DisposeAsync();
            }

            // Ages relative to the real clock (the child process sweeps on it).
            var now = Instant.FromDateTimeOffset(TimeProvider.System.GetUtcNow());
            Sweep = await PreparedSweep.CreateAsync(engine, SweepDataSet.Standard(now), server, Path.GetTempPath(), Ct);
        }

        public async Task<SweepTrial> RunAsync(SweepKill kill)
        {
            var trial = await Sweep.TrialAsync(kill, Ct);
            if (trial.OtherDay)
            {
                await PrepareAsync();
                trial = await Sweep.TrialAsync(kill, Ct);
            }

            return trial;
        }

        public ValueTask DisposeAsync() => Sweep.DisposeAsync();
    }
}
