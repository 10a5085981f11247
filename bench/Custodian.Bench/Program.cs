using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Custodian.Bench;
using Custodian.Core.Persistence;
using Custodian.Testing;

var root = new RootCommand("Custodian benchmarks (bench/README.md). Run with: dotnet run -c Release --project bench/Custodian.Bench -- import ...");
root.Subcommands.Add(ImportCommand.Build());
root.Subcommands.Add(ParseCommand.Build());
root.Subcommands.Add(AuditSoakCommand.Build());
root.Subcommands.Add(SweepCommand.Build());
root.Subcommands.Add(SweepSoakCommand.Build());
root.Subcommands.Add(AccessReportCommand.Build());
root.Subcommands.Add(ScaleCommand.Build());
root.Subcommands.Add(LoadCommand.Build());
root.Subcommands.Add(PortabilityCommand.Build());
root.Subcommands.Add(ExportMemoryCommand.Build());
return await root.Parse(args).InvokeAsync();

/// <summary><c>import</c>: issue 3 §7's import and look-up benchmark, on SQLite, PostgreSQL or both.</summary>
internal static class ImportCommand
{
    /// <summary>Import rate of the product over the raw engine rate, on both engines.</summary>
    public const double RatioTarget = 0.70;

    /// <summary>p99 of one subscriber's look-up, SQLite, warm cache, at 10 million rows.</summary>
    public const double LookupP99TargetMs = 20;

    public static Command Build()
    {
        var engine = new Option<string>("--engine") { Description = "sqlite, postgres or both", DefaultValueFactory = _ => "both" };
        engine.AcceptOnlyFromAmong("sqlite", "postgres", "both");
        var rows = new Option<long>("--rows") { Description = "Usage records to generate (10000000 for the full run)", DefaultValueFactory = _ => 2_000_000 };
        var lookups = new Option<int>("--lookups") { Description = "Random subscribers whose records are looked up", DefaultValueFactory = _ => 200 };
        var pg = new Option<string?>("--pg")
        {
            Description = "Connection string of a PostgreSQL server where the benchmark may CREATE/DROP DATABASE; default: a throwaway cluster from the installed server binaries (durable settings), like the tests",
        };
        var subscribers = new Option<int>("--subscribers") { Description = "Subscriber numbers the rows are spread over", DefaultValueFactory = _ => 10_000 };
        var counterparts = new Option<int>("--counterparts") { Description = "Distinct outside numbers", DefaultValueFactory = _ => 200_000 };
        var months = new Option<int>("--months") { Description = "Months the rows span (one partition each)", DefaultValueFactory = _ => 3 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the generator (same seed, same file)", DefaultValueFactory = _ => 1 };
        var workDir = new Option<string?>("--work-dir") { Description = "Folder for the CSV file and SQLite databases (default: the temp folder); removed afterwards" };
        var chunkRows = new Option<int?>("--chunk-rows") { Description = "Override the product's rows per import chunk (ImportOptions.ChunkRows), to try a tuning" };
        var json = new Option<string?>("--json") { Description = "Also write the results as JSON to this file" };
        var command = new Command("import", "Generate N usage records as Custodian usage CSV, import them through the product's EventImporter, measure the raw engine limit for the same rows and indexes, and the look-up latency of one subscriber's records")
        {
            engine, rows, lookups, pg, subscribers, counterparts, months, seed, workDir, chunkRows, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var shape = new UsageShape(parse.GetValue(rows), parse.GetValue(subscribers), parse.GetValue(counterparts), UsageShape.RecentMonths(parse.GetValue(months)), parse.GetValue(months), parse.GetValue(seed));
            if (shape.Rows < 1 || shape.Subscribers < 1 || shape.Counterparts < 1 || shape.Months < 1 || parse.GetValue(lookups) < 1)
            {
                await Console.Error.WriteLineAsync("--rows, --subscribers, --counterparts, --months and --lookups must be at least 1.");
                return 2;
            }

            var engines = parse.GetValue(engine) switch
            {
                "sqlite" => new[] { DatabaseEngine.Sqlite },
                "postgres" => [DatabaseEngine.Postgres],
                _ => [DatabaseEngine.Sqlite, DatabaseEngine.Postgres],
            };
            return await RunAsync(shape, engines, parse.GetValue(lookups), parse.GetValue(pg), parse.GetValue(workDir), parse.GetValue(chunkRows), parse.GetValue(json), ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(
        UsageShape shape, DatabaseEngine[] engines, int lookups, string? pg, string? workDirRoot, int? chunkRows, string? jsonPath, CancellationToken ct)
    {
        var log = Console.Out;
        var machine = Machine.Describe();
        log.WriteLine(machine);
        var work = workDirRoot is null
            ? Directory.CreateTempSubdirectory("custodian-bench.")
            : Directory.CreateDirectory(Path.Combine(workDirRoot, "custodian-bench." + Guid.NewGuid().ToString("N")[..10]));
        PostgresServer? server = null;
        try
        {
            if (engines.Contains(DatabaseEngine.Postgres))
            {
                var availability = await PostgresServer.ConnectOrStartAsync(pg);
                if (availability.Server is null)
                {
                    await Console.Error.WriteLineAsync($"PostgreSQL is not available: {availability.Failure ?? availability.SkipReason}. Give --pg or install the server binaries.");
                    return 1;
                }

                server = availability.Server;
                log.WriteLine($"postgres: {server.Description}");
            }

            var generator = new UsageGenerator(shape);
            var csv = Path.Combine(work.FullName, "usage.csv");
            var sw = Stopwatch.StartNew();
            var bytes = generator.WriteCsv(csv);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"data: {shape.Rows:N0} usage records over {shape.Subscribers:N0} subscribers and {shape.Counterparts:N0} counterparts, {shape.Months} months from {shape.From:uuuu-MM}, seed {shape.Seed}; CSV {bytes / 1e6:F0} MB ({bytes / (double)shape.Rows:F0} B/row) written in {sw.Elapsed.TotalSeconds:F1} s"));

            var results = new List<EngineResult>();
            var benchmark = new ImportBenchmark(generator, csv, work.FullName, server, lookups, chunkRows, log);
            foreach (var engine in engines)
            {
                results.Add(await benchmark.RunAsync(engine, ct));
            }

            Summarize(log, machine, shape, results);
            if (jsonPath is not null)
            {
                var document = new
                {
                    machine,
                    data = new { shape.Rows, shape.Subscribers, shape.Counterparts, From = shape.From.ToString("uuuu-MM", CultureInfo.InvariantCulture), shape.Months, shape.Seed, CsvBytes = bytes },
                    targets = new { ratio = RatioTarget, lookupP99Ms = LookupP99TargetMs, lookupTargetAtRows = 10_000_000 },
                    results = results.Select(r => new
                    {
                        r.Engine,
                        r.Version,
                        r.Rows,
                        r.ProductSeconds,
                        r.ProductRowsPerSecond,
                        r.RawSeconds,
                        r.RawRowsPerSecond,
                        r.Ratio,
                        r.Lookups,
                        r.RecordsPerLookup,
                        r.ProductP50Ms,
                        r.ProductP99Ms,
                        r.RawP50Ms,
                        r.RawP99Ms,
                        r.DatabaseBytes,
                    }),
                };
                await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(document, JsonOptions), ct);
                log.WriteLine($"results written to {jsonPath}");
            }

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

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private static void Summarize(TextWriter log, Machine machine, UsageShape shape, List<EngineResult> results)
    {
        var ic = CultureInfo.InvariantCulture;
        log.WriteLine();
        log.WriteLine(machine);
        log.WriteLine(string.Create(ic, $"{shape.Rows:N0} usage records; targets: product/raw ≥ {RatioTarget:F2} on both engines, SQLite look-up p99 ≤ {LookupP99TargetMs:F0} ms (warm, at 10,000,000 rows)"));
        log.WriteLine();
        log.WriteLine("| engine | version | product rows/s | raw rows/s | ratio | look-up p50 / p99 (product) | bare query p50 / p99 | records per look-up | database size |");
        log.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            var ratio = r.Ratio >= RatioTarget ? "ok" : "BELOW TARGET";
            var lookup = r.Engine == "sqlite" && shape.Rows >= 10_000_000 ? (r.ProductP99Ms <= LookupP99TargetMs ? " ok" : " ABOVE TARGET") : "";
            log.WriteLine(string.Create(ic,
                $"| {r.Engine} | {r.Version} | {r.ProductRowsPerSecond:N0} | {r.RawRowsPerSecond:N0} | {r.Ratio:F2} {ratio} | {r.ProductP50Ms:F1} / {r.ProductP99Ms:F1} ms{lookup} | {r.RawP50Ms:F1} / {r.RawP99Ms:F1} ms | {r.RecordsPerLookup:F0} | {r.DatabaseBytes / 1e6:F0} MB ({r.DatabaseBytes / (double)r.Rows:F0} B/row) |"));
        }
    }
}
