using System.Diagnostics;
using System.Globalization;
using Custodian.Testing;
using Custodian.Testing.Crash;
using Xunit;

namespace Custodian.IntegrationTests.Crash;

/// <summary>
/// Issue 8 §4 for imports and audit appends: a real <c>custodian import usage</c> killed (SIGKILL) at every named fail
/// point of the importer and of the audit append, and at random moments (several kills in a row on one copy: a restart
/// killed again), then run to the end, ends like a fault-free import of the same file (<see cref="PreparedImport"/>).
/// </summary>
public sealed class ImportCrashTests
{
    /// <summary>Random kills per engine in CI (<c>CUSTODIAN_CRASH_KILLS</c> overrides: the nightly mode).</summary>
    public const int CiKills = 100;

    /// <summary>Kills in a row on one copy before the run to the end: each trial costs one copy and one comparison.</summary>
    public const int KillsPerTrial = 5;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task ImportUsage_KilledAtEveryFailPoint_RerunEndsLikeAFaultFreeImport(Engine engine)
    {
        await using var prepared = await PrepareAsync(engine);

        foreach (var point in PreparedImport.FailPointsToHit)
        {
            var trial = await prepared.TrialAsync([CrashKill.At(point)], Ct);
            Assert.True(trial.Landed == 1, $"{point}: the import should have been killed there, it finished");
            Assert.True(trial.Passed, $"{point}: {string.Join("; ", trial.Divergences)}");
        }
    }

    /// <summary>
    /// Random moments drawn from the measured duration of the fault-free import, seeded: a failure names the seed and the
    /// trial, and <c>CUSTODIAN_CRASH_SEED</c> replays the same draw (timing still varies a little between machines).
    /// </summary>
    [Theory, AllEngines]
    public async Task ImportUsage_KilledAtRandomMoments_RerunEndsLikeAFaultFreeImport(Engine engine)
    {
        await using var prepared = await PrepareAsync(engine);
        var seed = CrashSettings.Seed;
        var random = new Random(seed);
        var kills = CrashSettings.Kills(CiKills);
        var clock = Stopwatch.StartNew();

        // All moments drawn first, so the seed alone replays them; trials on their own copies run side by side (a child
        // spends much of its life waiting for fsync or the database).
        var chains = Enumerable.Range(0, (kills + KillsPerTrial - 1) / KillsPerTrial)
            .Select(n => (IReadOnlyList<CrashKill>)[.. Enumerable.Range(0, Math.Min(KillsPerTrial, kills - (n * KillsPerTrial))).Select(_ => prepared.RandomKill(random))])
            .ToList();
        var trials = new ImportTrial[chains.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, chains.Count),
            new ParallelOptions { MaxDegreeOfParallelism = CrashSettings.Parallel, CancellationToken = Ct },
            async (n, ct) => trials[n] = await prepared.TrialAsync(chains[n], ct));
        var landed = trials.Sum(t => t.Landed);
        var failed = trials.Select((t, n) => (Trial: t, N: n)).Where(t => !t.Trial.Passed).ToList();
        Assert.True(failed.Count == 0, string.Join("\n", failed.Take(3).Select(f => string.Create(CultureInfo.InvariantCulture,
            $"seed {seed} ({CrashSettings.SeedVariable}), trial {f.N} of {trials.Length}: {f.Trial}: {string.Join("; ", f.Trial.Divergences)}"))));

        var summary = string.Create(CultureInfo.InvariantCulture,
            $"import crash {engine}: {kills} random kills ({landed} landed before the import finished), 0 divergences, seed {seed}, {clock.Elapsed.TotalSeconds:F1} s; reference import {prepared.ReferenceRunTime.TotalMilliseconds:F0} ms, idle run {prepared.IdleRunTime.TotalMilliseconds:F0} ms");
        TestContext.Current.SendDiagnosticMessage(summary);
        Console.WriteLine(summary);
        // Kills after the end still restart and compare, but test less: most must land (a third, as the machine's load varies).
        Assert.True(landed >= kills / 3, $"only {landed} of {kills} kills landed before the import finished: the delays miss the work ({summary})");
    }

    private static async Task<PreparedImport> PrepareAsync(Engine engine)
    {
        var server = engine == Engine.Postgres ? await TestDatabase.RequirePostgresAsync() : null;
        return await PreparedImport.CreateAsync(engine, server, Path.GetTempPath(), Ct);
    }
}
