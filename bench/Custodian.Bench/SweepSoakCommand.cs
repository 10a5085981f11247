using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Custodian.Testing;
using Custodian.Testing.Retention;
using NodaTime;

namespace Custodian.Bench;

/// <summary>
/// <c>sweep-soak</c>: security.md G3.2 (≥ 1,000 random <c>kill -9</c> per nightly run) for the retention sweep. N kills of
/// real <c>custodian retention run</c> processes, each on a fresh copy of a prepared data set, each followed by a rerun
/// and the full comparison with the data set's uninterrupted sweep (<see cref="PreparedSweep"/>, the harness of the CI
/// test <c>SweepCrashTests</c>). The data set changes every <c>--kills-per-data-set</c> kills (seeded), so the kills land
/// in month drops, held-row moves, partial-month deletes, record batches with blobs and the receipt's steps.
/// </summary>
internal static class SweepSoakCommand
{
    public static Command Build()
    {
        var engine = new Option<string>("--engine") { Description = "sqlite or postgres", DefaultValueFactory = _ => "sqlite" };
        engine.AcceptOnlyFromAmong("sqlite", "postgres");
        var kills = new Option<int>("--kills") { Description = "Processes to kill (each followed by a rerun and the comparison)", DefaultValueFactory = _ => 1000 };
        var seed = new Option<int>("--seed") { Description = "Seed of the data sets and the kills (the same seed draws the same data sets and kills)", DefaultValueFactory = _ => 1 };
        var perDataSet = new Option<int>("--kills-per-data-set") { Description = "Kills on one data set before the next is drawn", DefaultValueFactory = _ => 10 };
        var dataSeed = new Option<int?>("--data-seed") { Description = "Replay: use only the data set of this seed (printed with each failure)" };
        var kill = new Option<string?>("--kill") { Description = "Replay: every kill this one: 'fail:<point>[:n]' or 'after:<ms>' (printed with each failure)" };
        var pg = new Option<string?>("--pg") { Description = "PostgreSQL server where the soak may CREATE/DROP DATABASE; default: a throwaway cluster (durable settings), like the tests" };
        var custodian = new Option<string?>("--custodian")
        {
            Description = "The custodian executable to kill (default: the one built beside the bench; eng/nightly.sh passes a ReadyToRun publish, which starts faster)",
        };
        var workDir = new Option<string?>("--work-dir") { Description = "Folder for the templates and the copies (default: the temp folder); removed afterwards" };
        var command = new Command("sweep-soak", "Kill real `custodian retention run` processes at random moments and fail points, rerun, and compare each result with an uninterrupted sweep")
        {
            engine, kills, seed, perDataSet, dataSeed, kill, pg, custodian, workDir,
        };
        command.SetAction(async (parse, ct) =>
        {
            SweepKill? fixedKill = null;
            if (parse.GetValue(kill) is { } spec && (fixedKill = ParseKill(spec)) is null)
            {
                await Console.Error.WriteLineAsync("--kill must be 'fail:<point>[:n]' or 'after:<ms>'.");
                return 2;
            }

            if (parse.GetValue(kills) < 1 || parse.GetValue(perDataSet) < 1)
            {
                await Console.Error.WriteLineAsync("--kills and --kills-per-data-set must be at least 1.");
                return 2;
            }

            var options = new Options(
                parse.GetValue(engine) == "postgres" ? Engine.Postgres : Engine.Sqlite,
                parse.GetValue(kills),
                parse.GetValue(seed),
                parse.GetValue(perDataSet),
                parse.GetValue(dataSeed),
                fixedKill,
                parse.GetValue(custodian) is { } path ? Path.GetFullPath(path) : PreparedSweep.DefaultExecutable);
            return await RunAsync(options, parse.GetValue(pg), parse.GetValue(workDir), ct);
        });
        return command;
    }

    private sealed record Options(Engine Engine, int Kills, int Seed, int KillsPerDataSet, int? DataSeed, SweepKill? Kill, string Custodian);

    private sealed record Failure(int DataSeed, SweepKill Kill, string Position, IReadOnlyList<string> Divergences);

    private static async Task<int> RunAsync(Options options, string? pg, string? workDirRoot, CancellationToken ct)
    {
        var log = Console.Out;
        var ic = CultureInfo.InvariantCulture;
        log.WriteLine(Machine.Describe());
        var work = workDirRoot is null
            ? Directory.CreateTempSubdirectory("custodian-sweep-soak.")
            : Directory.CreateDirectory(Path.Combine(workDirRoot, "custodian-sweep-soak." + Guid.NewGuid().ToString("N")[..10]));
        PostgresServer? server = null;
        var total = Stopwatch.StartNew();
        try
        {
            if (options.Engine == Engine.Postgres)
            {
                var availability = await PostgresServer.ConnectOrStartAsync(pg);
                server = availability.Server;
                if (server is null)
                {
                    await Console.Error.WriteLineAsync($"PostgreSQL is not available: {availability.Failure ?? availability.SkipReason}. Give --pg or install the server binaries.");
                    return 1;
                }

                log.WriteLine($"postgres: {server.Description}");
            }

            if (!File.Exists(options.Custodian))
            {
                await Console.Error.WriteLineAsync($"No custodian executable at {options.Custodian}.");
                return 1;
            }

            log.WriteLine(string.Create(ic, $"sweep-soak: {options.Engine}, {options.Kills} kills, seed {options.Seed}, a new data set every {options.KillsPerDataSet} kills, killing {options.Custodian}"));
            var random = new Random(options.Seed);
            var positions = new Dictionary<string, int>(StringComparer.Ordinal);
            var failures = new List<Failure>();
            int killed = 0, attempts = 0, dataSets = 0, otherDay = 0;
            var prepare = TimeSpan.Zero;
            var trials = TimeSpan.Zero;
            while (killed < options.Kills && attempts < options.Kills * 5)
            {
                var dataSeed = options.DataSeed ?? random.Next();
                var sw = Stopwatch.StartNew();
                var now = Instant.FromDateTimeOffset(TimeProvider.System.GetUtcNow());
                await using var sweep = await PreparedSweep.CreateAsync(options.Engine, SweepDataSet.Random(dataSeed, now), server, work.FullName, ct, options.Custodian);
                prepare += sw.Elapsed;
                dataSets++;
                log.WriteLine(string.Create(ic,
                    $"data set {dataSets}: {sweep.Data.Describe()}; uninterrupted run {sweep.ReferenceRunTime.TotalSeconds:F2} s (one with nothing to do {sweep.IdleRunTime.TotalSeconds:F2} s), {sweep.Reference.Deleted} deleted; prepared in {sw.Elapsed.TotalSeconds:F1} s"));
                var before = killed;

                // The machine's load changes the process's times: a timed kill that came too late shortens the window.
                var idle = sweep.IdleRunTime;
                var run = sweep.ReferenceRunTime;
                for (var k = 0; killed - before < options.KillsPerDataSet && k < options.KillsPerDataSet * 3 && killed < options.Kills && attempts < options.Kills * 5; k++)
                {
                    var kill = options.Kill ?? DrawKill(random, idle, run);
                    attempts++;
                    var trial = await sweep.TrialAsync(kill, ct);
                    trials += trial.Elapsed;
                    if (trial.OtherDay)
                    {
                        otherDay++;
                        log.WriteLine("  the Amsterdam day changed since the reference: drawing a new data set");
                        break;
                    }

                    if (kill is SweepKill.AfterDelay && !trial.Killed && trial.FirstRunTime < run)
                    {
                        idle = idle * (trial.FirstRunTime / run);
                        run = trial.FirstRunTime;
                    }

                    if (trial.Killed)
                    {
                        killed++;
                        positions[trial.Position] = positions.GetValueOrDefault(trial.Position) + 1;
                    }

                    if (!trial.Passed)
                    {
                        failures.Add(new Failure(dataSeed, kill, trial.Position, trial.Divergences));
                        log.WriteLine($"  FAILED: {kill} at {trial.Position}: {string.Join("; ", trial.Divergences)}");
                        log.WriteLine($"  replay: {Replay(options, dataSeed, kill)}");
                    }

                    if (killed > 0 && killed % 50 == 0 && trial.Killed)
                    {
                        log.WriteLine(string.Create(ic, $"  {killed} kills, {failures.Count} failures, {total.Elapsed.TotalMinutes:F1} min"));
                    }
                }
            }

            log.WriteLine();
            log.WriteLine(Machine.Describe());
            log.WriteLine(string.Create(ic,
                $"sweep-soak {options.Engine}, seed {options.Seed}: {killed} kills in {attempts} trials ({attempts - killed} finished before their kill or never reached their fail point), {dataSets} data sets{(otherDay > 0 ? $", {otherDay} trials redone after midnight" : "")}"));
            log.WriteLine(string.Create(ic,
                $"elapsed {total.Elapsed.TotalMinutes:F1} min: {total.Elapsed.TotalSeconds / Math.Max(1, killed):F2} s per kill overall; one trial (copy, kill, rerun, comparison) {trials.TotalSeconds / Math.Max(1, attempts):F2} s; one data set (store, template, reference) {prepare.TotalSeconds / Math.Max(1, dataSets):F2} s"));
            log.WriteLine(string.Create(ic, $"distinct step boundaries hit (the sweep's stored step and batch when it died): {positions.Count}"));
            foreach (var group in positions.GroupBy(p => Step(p.Key)).OrderBy(g => Order(g.Key)))
            {
                log.WriteLine(string.Create(ic, $"  {group.Key,-40} {group.Count(),4} boundaries, {group.Sum(p => p.Value),5} kills"));
            }

            log.WriteLine(failures.Count == 0 ? "no divergence" : string.Create(ic, $"{failures.Count} DIVERGENCES:"));
            foreach (var f in failures)
            {
                log.WriteLine($"  data seed {f.DataSeed}, {f.Kill} at {f.Position}: {string.Join("; ", f.Divergences)}");
                log.WriteLine($"    replay: {Replay(options, f.DataSeed, f.Kill)}");
            }

            return failures.Count == 0 && killed >= options.Kills ? 0 : 1;
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }

            work.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Half of the kills at a random fail point (a random pass of the repeating ones); the rest from outside at a
    /// random moment of the uninterrupted run: mostly (9 in 10) between the end of an idle run's time (start-up, checks)
    /// and the end of the uninterrupted run, where the sweep works, otherwise anywhere from the process start.
    /// </summary>
    private static SweepKill DrawKill(Random random, TimeSpan idle, TimeSpan run)
    {
        if (random.Next(2) == 0)
        {
            var point = SweepKill.FailPoints[random.Next(SweepKill.FailPoints.Count)];
            var repeats = point is not ("retention.sweep.started" or "retention.sweep.finishing");
            return SweepKill.At(repeats ? string.Create(CultureInfo.InvariantCulture, $"{point}:{random.Next(1, 5)}") : point);
        }

        var from = random.Next(10) == 0 ? 0 : Math.Min(idle.TotalMilliseconds * 0.8, run.TotalMilliseconds * 0.8);
        var to = run.TotalMilliseconds * 1.05;
        return SweepKill.After(TimeSpan.FromMilliseconds(Math.Round(from + random.NextDouble() * (to - from))));
    }

    private static SweepKill? ParseKill(string spec)
    {
        if (spec.StartsWith("fail:", StringComparison.Ordinal) && spec.Length > 5)
        {
            return SweepKill.At(spec[5..]);
        }

        return spec.StartsWith("after:", StringComparison.Ordinal) && int.TryParse(spec[6..], NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            ? SweepKill.After(TimeSpan.FromMilliseconds(ms))
            : null;
    }

    private static string Replay(Options options, int dataSeed, SweepKill kill) =>
        string.Create(CultureInfo.InvariantCulture,
            $"dotnet run -c Release --project bench/Custodian.Bench -- sweep-soak --engine {(options.Engine == Engine.Postgres ? "postgres" : "sqlite")} --data-seed {dataSeed} --kill {KillSpec(kill)} --kills 20");

    private static string KillSpec(SweepKill kill) => kill switch
    {
        SweepKill.AtFailPoint p => "fail:" + p.FailPoint,
        SweepKill.AfterDelay d => string.Create(CultureInfo.InvariantCulture, $"after:{d.Delay.TotalMilliseconds:F0}"),
        _ => "none",
    };

    private static string Step(string position) => position.Split(" after batch ")[0];

    private static int Order(string step) => step switch
    {
        "before the sweep started" => -1,
        "finished" => 1000,
        _ => Core.Features.Retention.RetentionSweeper.Steps.ToList().IndexOf(step),
    };
}
