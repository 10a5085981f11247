using System.Diagnostics;
using System.Globalization;
using Custodian.Testing;
using Custodian.Testing.Crash;
using Xunit;

namespace Custodian.IntegrationTests.Crash;

/// <summary>
/// Issue 8 §4 for the work inside <c>custodian serve</c>: an erasure's execution, an access answer and an authority-order
/// production, each POSTed to a real serve child that is killed (SIGKILL) at every named fail point and at random
/// moments, then retried on a restarted serve, end like a fault-free run (<see cref="PreparedServe"/>).
/// </summary>
public sealed class ServeCrashTests
{
    /// <summary>
    /// Random kills per engine in CI, one per action (<c>CUSTODIAN_CRASH_KILLS</c> overrides: the nightly mode): each costs
    /// two serve starts, and the import harness makes CI's 200 random kills.
    /// </summary>
    public const int CiKills = 3;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task ServeActions_KilledAtEveryFailPoint_RetryEndsLikeAFaultFreeRun(Engine engine)
    {
        await using var prepared = await PrepareAsync(engine);
        var points = PreparedServe.FailPointsToHit.SelectMany(p => p.Value.Select(f => (Action: p.Key, Point: f))).ToList();
        var trials = new ServeTrial[points.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, points.Count),
            new ParallelOptions { MaxDegreeOfParallelism = CrashSettings.Parallel, CancellationToken = Ct },
            async (n, ct) => trials[n] = await prepared.TrialAsync(points[n].Action, [CrashKill.At(points[n].Point)], ct));
        var problems = trials.Where(t => t.Landed != 1 || !t.Passed)
            .Select(t => $"{t}: {(t.Landed == 1 ? string.Empty : "the fail point was not reached; ")}{string.Join("; ", t.Divergences)}").ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Theory, AllEngines]
    public async Task ServeActions_KilledAtRandomMoments_RetryEndsLikeAFaultFreeRun(Engine engine)
    {
        await using var prepared = await PrepareAsync(engine);
        var seed = CrashSettings.Seed;
        var random = new Random(seed);
        var kills = CrashSettings.Kills(CiKills);
        var clock = Stopwatch.StartNew();
        var actions = Enum.GetValues<ServeAction>();
        var draws = Enumerable.Range(0, kills).Select(n => (Action: actions[n % actions.Length], Kill: (CrashKill?)null)).ToList();
        draws = [.. draws.Select(d => (d.Action, (CrashKill?)prepared.RandomKill(d.Action, random)))];
        var trials = new ServeTrial[draws.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, draws.Count),
            new ParallelOptions { MaxDegreeOfParallelism = CrashSettings.Parallel, CancellationToken = Ct },
            async (n, ct) => trials[n] = await prepared.TrialAsync(draws[n].Action, [draws[n].Kill!], ct));
        var failed = trials.Select((t, n) => (Trial: t, N: n)).Where(t => !t.Trial.Passed).ToList();
        Assert.True(failed.Count == 0, string.Join("\n", failed.Take(3).Select(f => string.Create(CultureInfo.InvariantCulture,
            $"seed {seed} ({CrashSettings.SeedVariable}), trial {f.N} of {trials.Length}: {f.Trial}: {string.Join("; ", f.Trial.Divergences)}"))));

        var summary = string.Create(CultureInfo.InvariantCulture,
            $"serve crash {engine}: {kills} random kills ({trials.Sum(t => t.Landed)} landed before the action finished), 0 divergences, seed {seed}, {clock.Elapsed.TotalSeconds:F1} s; serve start {prepared.ServeStartTime.TotalMilliseconds:F0} ms; actions {string.Join(", ", actions.Select(a => $"{a} {prepared.ActionTime(a).TotalMilliseconds:F0} ms"))}");
        TestContext.Current.SendDiagnosticMessage(summary);
        Console.WriteLine(summary);
    }

    private static async Task<PreparedServe> PrepareAsync(Engine engine)
    {
        var server = engine == Engine.Postgres ? await TestDatabase.RequirePostgresAsync() : null;
        return await PreparedServe.CreateAsync(engine, server, Path.GetTempPath(), Ct);
    }
}
