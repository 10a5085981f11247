using System.CommandLine;
using System.Globalization;
using Custodian.Core.Persistence;
using Custodian.Testing;

namespace Custodian.Bench;

/// <summary>
/// <c>sweep</c>: issue 4 §4's retention benchmark on one engine: (1) the product's sweep of one wholly expired month
/// against a hand-written DELETE of the same rows and the bare partition drop, each on its own copy of the same
/// database; (2) the sweep of M individually expiring support-line recordings with encrypted contents.
/// </summary>
internal static class SweepCommand
{
    /// <summary>Product sweep time over the bare DROP's (both engines).</summary>
    public const double DropRatioTarget = 2.0;

    public const double DeleteRatioTargetSqlite = 50.0;

    public const double DeleteRatioTargetPostgres = 15.0;

    /// <summary>Records per second of the sweep of individually expiring records with blobs (SQLite).</summary>
    public const double RecordsPerSecondTarget = 5_000;

    public static Command Build()
    {
        var engine = new Option<string>("--engine") { Description = "sqlite or postgres", DefaultValueFactory = _ => "sqlite" };
        engine.AcceptOnlyFromAmong("sqlite", "postgres");
        var rows = new Option<long>("--rows") { Description = "Usage records over seven months (10000000 for the full run; 0 skips part 1)", DefaultValueFactory = _ => 2_000_000 };
        var records = new Option<int>("--records") { Description = "Expired support-line recordings with blobs (0 skips part 2)", DefaultValueFactory = _ => 100_000 };
        var repeat = new Option<int>("--repeat") { Description = "Runs of each measurement, each on its own fresh copy; the median is reported", DefaultValueFactory = _ => 1 };
        var pg = new Option<string?>("--pg") { Description = "PostgreSQL server where the benchmark may CREATE/DROP DATABASE; default: a throwaway cluster like the tests'" };
        var workDir = new Option<string?>("--work-dir") { Description = "Folder for the CSV file, SQLite databases and blobs (default: the temp folder); removed afterwards" };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the usage generator", DefaultValueFactory = _ => 1 };
        var command = new Command("sweep", "Retention sweep: product vs plain DELETE vs bare DROP of an expired month; sweep rate of individually expiring records with blobs")
        {
            engine, rows, records, repeat, pg, workDir, seed,
        };
        command.SetAction(async (parse, ct) =>
        {
            var which = parse.GetValue(engine) == "postgres" ? DatabaseEngine.Postgres : DatabaseEngine.Sqlite;
            var n = parse.GetValue(rows);
            var m = parse.GetValue(records);
            var r = parse.GetValue(repeat);
            if (n < 0 || m < 0 || r < 1 || (n > 0 && n < 7000))
            {
                await Console.Error.WriteLineAsync("--rows must be 0 or at least 7000, --records at least 0, --repeat at least 1.");
                return 2;
            }

            return await RunAsync(which, n, m, r, parse.GetValue(pg), parse.GetValue(workDir), parse.GetValue(seed), ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(DatabaseEngine engine, long rows, int records, int repeat, string? pg, string? workDirRoot, ulong seed, CancellationToken ct)
    {
        var log = Console.Out;
        var machine = Machine.Describe();
        log.WriteLine(machine);
        log.WriteLine(Load());
        var work = workDirRoot is null
            ? Directory.CreateTempSubdirectory("custodian-sweep-bench.")
            : Directory.CreateDirectory(Path.Combine(workDirRoot, "custodian-sweep-bench." + Guid.NewGuid().ToString("N")[..10]));
        PostgresServer? server = null;
        try
        {
            if (engine == DatabaseEngine.Postgres)
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

            var benchmark = new SweepBenchmark(engine, work.FullName, server, repeat, log);
            SweepBenchmark.MonthResult? months = null;
            SweepBenchmark.RecordsResult? recordResult = null;
            if (rows > 0)
            {
                months = await benchmark.MonthsAsync(rows, seed, ct);
            }

            if (records > 0)
            {
                recordResult = await benchmark.RecordsAsync(records, ct);
            }

            Summarize(log, machine, engine, repeat, months, recordResult);
            log.WriteLine(Load());
            return 0;
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

    private static void Summarize(TextWriter log, Machine machine, DatabaseEngine engine, int repeat, SweepBenchmark.MonthResult? months, SweepBenchmark.RecordsResult? records)
    {
        var ic = CultureInfo.InvariantCulture;
        var name = engine == DatabaseEngine.Sqlite ? "SQLite" : "PostgreSQL";
        var deleteTarget = engine == DatabaseEngine.Sqlite ? DeleteRatioTargetSqlite : DeleteRatioTargetPostgres;
        log.WriteLine();
        log.WriteLine(machine);
        log.WriteLine(string.Create(ic, $"{name}; {(repeat > 1 ? $"median of {repeat} runs" : "one run")}, each on its own fresh copy"));
        if (months is { } m)
        {
            log.WriteLine(string.Create(ic,
                $"month drop: {m.TotalRows:N0} usage records over 7 months, the expired month {m.Month} holds {m.MonthRows:N0}; targets product/drop ≤ {DropRatioTarget:F0}×, DELETE/product ≥ {deleteTarget:F0}×"));
            log.WriteLine();
            log.WriteLine("| engine | product sweep | plain DELETE | VACUUM after DELETE | bare DROP | product / DROP | DELETE / product | WAL checkpoint after DROP / DELETE |");
            log.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
            var dropRatio = m.Product / m.Drop;
            var deleteRatio = m.Delete / m.Product;
            log.WriteLine(string.Create(ic,
                $"| {name} | {m.Product:F3} s ({Runs(m.ProductRuns)}) | {m.Delete:F2} s ({Runs(m.DeleteRuns)}) | {(m.Vacuum is { } v ? $"{v:F2} s" : "—")} | {m.Drop:F3} s ({Runs(m.DropRuns)}) | " +
                $"**{dropRatio:F2}×** {(dropRatio <= DropRatioTarget ? "ok" : "ABOVE TARGET")} | **{deleteRatio:F0}×** {(deleteRatio >= deleteTarget ? "ok" : "BELOW TARGET")} | " +
                $"{(m.DropCheckpoint is { } dc ? $"{dc:F3} s / {m.DeleteCheckpoint:F3} s" : "—")} |"));
            log.WriteLine(string.Create(ic, $"first sweep in the process (JIT, EF model; not in the median): {m.ColdProduct:F3} s"));
        }

        if (records is { } r)
        {
            log.WriteLine();
            log.WriteLine(string.Create(ic, $"records: {r.Records:N0} expired support-line recordings with encrypted contents ({r.ContentBytes} B plaintext each, one data key each); target ≥ {RecordsPerSecondTarget:N0} records/s on SQLite"));
            var rate = r.Records / r.Seconds;
            log.WriteLine(string.Create(ic,
                $"| {name} | {r.Seconds:F1} s ({Runs(r.Runs)}) | **{rate:N0} records/s** {(engine == DatabaseEngine.Postgres ? "" : rate >= RecordsPerSecondTarget ? "ok" : "BELOW TARGET")} |"));
        }
    }

    private static string Runs(IEnumerable<double> runs) => string.Join(", ", runs.Select(r => r.ToString(r < 1 ? "F3" : "F2", CultureInfo.InvariantCulture)));

    /// <summary>The load average, so a figure measured on a busy machine says so.</summary>
    internal static string Load() =>
        File.Exists("/proc/loadavg") ? "load average: " + string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "load average: unknown";
}
