using System.Diagnostics;
using System.Globalization;
using Custodian.Testing;
using Custodian.Testing.Crash;
using Xunit;

namespace Custodian.IntegrationTests.Crash;

/// <summary>
/// Issue 8 §4 for imports, abandons and audit appends: a real <c>custodian import usage</c>, <c>import traffic</c> and
/// <c>import abandon</c> killed (SIGKILL) at every named fail point of the importer, the abandon and the audit append,
/// and at random moments (several kills in a row on one copy: a restart killed again), then run to the end, ends like
/// the same operation run fault-free (<see cref="PreparedImport"/>); after an abandon the file imports afresh.
/// </summary>
public sealed class ImportCrashTests
{
    /// <summary>Random kills per engine in CI, over all operations (<c>CUSTODIAN_CRASH_KILLS</c> overrides: the nightly mode).</summary>
    public const int CiKills = 100;

    /// <summary>Kills in a row on one copy before the run to the end: each trial costs one copy and one comparison.</summary>
    public const int KillsPerTrial = 5;

    /// <summary>
    /// How the random kills are shared out, in tenths: the usage import (the largest, most chunked work) keeps most;
    /// the traffic import and the abandon (of a whole batch and of an interrupted one) split the rest.
    /// </summary>
    private static readonly (CrashOperation Operation, int Tenths)[] Shares =
    [
        (CrashOperation.ImportUsage, 6),
        (CrashOperation.ImportTraffic, 2),
        (CrashOperation.AbandonImported, 1),
        (CrashOperation.AbandonInterrupted, 1),
    ];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task Import_KilledAtEveryFailPoint_RerunEndsLikeAFaultFreeRun(Engine engine)
    {
        await using var prepared = await PrepareAsync(engine);
        var points = Shares.SelectMany(s => PreparedImport.FailPointsOf[s.Operation].Select(p => (s.Operation, Point: p))).ToList();

        // Each trial on its own copy: side by side, like the random ones.
        var trials = new ImportTrial[points.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, points.Count),
            new ParallelOptions { MaxDegreeOfParallelism = CrashSettings.Parallel, CancellationToken = Ct },
            async (n, ct) => trials[n] = await prepared.TrialAsync(points[n].Operation, [CrashKill.At(points[n].Point)], ct));
        foreach (var trial in trials)
        {
            Assert.True(trial.Landed == 1, $"{trial}: the run should have been killed there, it finished");
            Assert.True(trial.Passed, $"{trial}: {string.Join("; ", trial.Divergences)}");
        }
    }

    /// <summary>
    /// Random moments drawn from the measured duration of each fault-free operation, seeded: a failure names the seed and
    /// the trial, and <c>CUSTODIAN_CRASH_SEED</c> replays the same draw (timing still varies a little between machines).
    /// </summary>
    [Theory, AllEngines]
    public async Task Import_KilledAtRandomMoments_RerunEndsLikeAFaultFreeRun(Engine engine)
    {
        await using var prepared = await PrepareAsync(engine);
        var seed = CrashSettings.Seed;
        var random = new Random(seed);
        var kills = CrashSettings.Kills(CiKills);
        var clock = Stopwatch.StartNew();

        // All moments drawn first, so the seed alone replays them; trials on their own copies run side by side (a child
        // spends much of its life waiting for fsync or the database).
        var chains = new List<(CrashOperation Operation, IReadOnlyList<CrashKill> Kills)>();
        var left = kills;
        foreach (var (operation, tenths) in Shares)
        {
            var share = operation == Shares[^1].Operation ? left : kills * tenths / 10;
            left -= share;
            for (var from = 0; from < share; from += KillsPerTrial)
            {
                chains.Add((operation, [.. Enumerable.Range(0, Math.Min(KillsPerTrial, share - from)).Select(_ => prepared.RandomKill(operation, random))]));
            }
        }

        var trials = new ImportTrial[chains.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, chains.Count),
            new ParallelOptions { MaxDegreeOfParallelism = CrashSettings.Parallel, CancellationToken = Ct },
            async (n, ct) => trials[n] = await prepared.TrialAsync(chains[n].Operation, chains[n].Kills, ct));
        var landed = trials.Sum(t => t.Landed);
        var failed = trials.Select((t, n) => (Trial: t, N: n)).Where(t => !t.Trial.Passed).ToList();
        Assert.True(failed.Count == 0, string.Join("\n", failed.Take(3).Select(f => string.Create(CultureInfo.InvariantCulture,
            $"seed {seed} ({CrashSettings.SeedVariable}), trial {f.N} of {trials.Length}: {f.Trial}: {string.Join("; ", f.Trial.Divergences)}"))));

        var perOperation = string.Join(", ", trials.GroupBy(t => t.Operation).Select(g => string.Create(CultureInfo.InvariantCulture,
            $"{g.Key} {g.Sum(t => t.Kills.Count)} ({g.Sum(t => t.Landed)} landed)")));
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"import crash {engine}: {kills} random kills: {perOperation}; 0 divergences, seed {seed}, {clock.Elapsed.TotalSeconds:F1} s; reference usage import {prepared.ReferenceRunTime.TotalMilliseconds:F0} ms, idle run {prepared.IdleRunTime.TotalMilliseconds:F0} ms");
        TestContext.Current.SendDiagnosticMessage(summary);
        Console.WriteLine(summary);
        // Kills after the end still restart and compare, but test less: most must land (a third, as the machine's load varies).
        Assert.True(landed >= kills / 3, $"only {landed} of {kills} kills landed before the operation finished: the delays miss the work ({summary})");
    }

    private static async Task<PreparedImport> PrepareAsync(Engine engine)
    {
        var server = engine == Engine.Postgres ? await TestDatabase.RequirePostgresAsync() : null;
        return await PreparedImport.CreateAsync(engine, server, Path.GetTempPath(), Ct, operations: [.. Shares.Select(s => s.Operation)]);
    }
}
