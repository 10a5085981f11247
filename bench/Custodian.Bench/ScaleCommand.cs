using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Requests.Answers;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Npgsql;

namespace Custodian.Bench;

/// <summary>
/// <c>scale</c>: issue 8 §1's benchmark in one run on one engine: the import through the product against the raw engine
/// (<see cref="ImportBenchmark"/>), a person's look-up warm and cold in arrival order, as the sweep leaves the months at
/// the month's worst moment (the last month whole and not yet rewritten, just before it settles; on SQLite sorted a
/// night at a time) and with every month rewritten in subscriber order (SQLite: sealed into month files; PostgreSQL:
/// <see cref="EventMonthRewrite"/>), each cold pass with what its slowest samples were made of, the access report of
/// the heaviest subscriber, the monthly sweep against a bare partition drop (<see cref="SweepBenchmark"/>), and the
/// database size per record.
/// </summary>
internal static class ScaleCommand
{
    public const double ImportRatioTarget = 0.70;

    public const double LookupTargetMs = 50;

    public const double AccessReportTargetSeconds = 5;

    public const double SweepTargetRatio = 2;

    public static Command Build()
    {
        var engine = new Option<string>("--engine") { Description = "sqlite or postgres", DefaultValueFactory = _ => "postgres" };
        engine.AcceptOnlyFromAmong("sqlite", "postgres");
        var rows = new Option<long>("--rows") { Description = "Usage records to generate (100000000 for the full size)", DefaultValueFactory = _ => 10_000_000 };
        var lookups = new Option<int>("--lookups") { Description = "Random subscribers for the warm look-ups", DefaultValueFactory = _ => 200 };
        var cold = new Option<int>("--cold-lookups") { Description = "Cold look-ups (each after dropping the OS cache and restarting PostgreSQL)", DefaultValueFactory = _ => 20 };
        var subscribers = new Option<int>("--subscribers") { Description = "Subscriber numbers the rows are spread over (default: rows / 1000)" };
        var months = new Option<int>("--months") { Description = "Months the rows span", DefaultValueFactory = _ => 3 };
        var pg = new Option<string?>("--pg") { Description = "PostgreSQL server where the benchmark may CREATE/DROP DATABASE; default: a throwaway cluster (cold look-ups need it)" };
        var workDir = new Option<string?>("--work-dir") { Description = "Folder for the CSV and SQLite files (default: the temp folder); removed afterwards" };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the generator", DefaultValueFactory = _ => 1 };
        var sweepRows = new Option<long?>("--sweep-rows")
        {
            Description = "Rows of the sweep part (seven months, one dropped; default: --rows; 0 skips it). It copies its database once per measured run, so at 100 million rows it needs ~70 GB free: 30000000 fits in ~25 GB",
        };
        var pgSettings = new Option<string[]>("--pg-setting")
        {
            Description = "A setting for the throwaway PostgreSQL cluster, name=value (repeatable), e.g. shared_buffers=6GB for the 100-million-row run",
            AllowMultipleArgumentsPerToken = false,
        };
        var rawOnly = new Option<bool>("--raw-only")
        {
            Description = "The raw engine baseline alone (binary COPY / prepared inserts of the generated rows), then the heavy access report and the size on that database: to repeat a run's baseline apart",
        };
        var noRaw = new Option<bool>("--no-raw")
        {
            Description = "Skip the raw engine baseline (the import ratio then comes from a --raw-only run on the same data): saves ~35 min at 100 million rows",
        };
        var inMain = new Option<bool>("--sqlite-in-main")
        {
            Description = "SQLite: sort the months where they are in the main file (what the sweep does once the ten attachable month files are taken) instead of sealing them into month files",
        };
        var command = new Command("scale", "Issue 8 §1 in one run: import vs raw, look-ups warm/cold in arrival order, as the sweep leaves the months and all rewritten, heavy access report, sweep vs bare drop, size per record")
        {
            engine, rows, lookups, cold, subscribers, months, pg, workDir, seed, sweepRows, pgSettings, rawOnly, noRaw, inMain,
        };
        command.SetAction(async (parse, ct) =>
        {
            var n = parse.GetValue(rows);
            var m = parse.GetValue(months);
            var sweep = parse.GetValue(sweepRows) ?? n;
            if (n < 7000 || sweep is > 0 and < 7000 || m < 1 || parse.GetValue(lookups) < 1 || parse.GetValue(cold) < 0)
            {
                await Console.Error.WriteLineAsync("--rows at least 7000, --sweep-rows 0 or at least 7000, --months and --lookups at least 1, --cold-lookups at least 0.");
                return 2;
            }

            var s = parse.GetValue(subscribers) is > 0 and var given ? given : (int)Math.Max(10, n / 1000);
            var shape = new UsageShape(n, s, 200_000, UsageShape.RecentMonths(m), m, parse.GetValue(seed));
            var which = parse.GetValue(engine) == "sqlite" ? DatabaseEngine.Sqlite : DatabaseEngine.Postgres;
            return await RunAsync(which, shape, parse.GetValue(lookups), parse.GetValue(cold), parse.GetValue(pg), parse.GetValue(workDir), sweep, parse.GetValue(pgSettings) ?? [], parse.GetValue(rawOnly), parse.GetValue(noRaw), parse.GetValue(inMain), ct);
        });
        return command;
    }

    private const string NoSuchNumber = "+31999999999";

    private sealed record Latencies(double[] Warm, double[]? Cold);

    private static async Task<int> RunAsync(DatabaseEngine engine, UsageShape shape, int lookups, int coldLookups, string? pg, string? workDirRoot, long sweepRows, string[] pgSettings, bool rawOnly, bool noRaw, bool inMain, CancellationToken ct)
    {
        var log = Console.Out;
        var ic = CultureInfo.InvariantCulture;
        var name = engine == DatabaseEngine.Sqlite ? "sqlite" : "postgres";
        var machine = Machine.Describe();
        log.WriteLine(machine);
        var work = workDirRoot is null
            ? Directory.CreateTempSubdirectory("custodian-scale.")
            : Directory.CreateDirectory(Path.Combine(workDirRoot, "custodian-scale." + Guid.NewGuid().ToString("N")[..10]));
        PostgresServer? server = null;
        try
        {
            if (engine == DatabaseEngine.Postgres)
            {
                var availability = await PostgresServer.ConnectOrStartAsync(pg, options: new ClusterOptions(ExtraSettings: pgSettings));
                if (availability.Server is null)
                {
                    await Console.Error.WriteLineAsync($"PostgreSQL is not available: {availability.Failure ?? availability.SkipReason}.");
                    return 1;
                }

                server = availability.Server;
                log.WriteLine($"postgres: {server.Description}{(pgSettings.Length > 0 ? " with " + string.Join(", ", pgSettings) : string.Empty)}");
            }

            var coldReason = Environment.UserName != "root"
                ? "not root: cannot drop the OS page cache"
                : engine == DatabaseEngine.Postgres && pg is not null ? "external PostgreSQL server: cannot restart it to empty shared_buffers" : null;
            if (coldReason is not null || coldLookups == 0)
            {
                log.WriteLine($"cold look-ups skipped: {coldReason ?? "--cold-lookups 0"}");
                coldLookups = 0;
            }

            var generator = new UsageGenerator(shape);
            if (rawOnly)
            {
                return await RawOnlyAsync(engine, generator, work.FullName, server, log, ct);
            }

            var csv = Path.Combine(work.FullName, "usage.csv");
            var bytes = generator.WriteCsv(csv);
            log.WriteLine(string.Create(ic, $"data: {shape.Rows:N0} usage records, {shape.Subscribers:N0} subscribers, {shape.Months} months from {shape.From:uuuu-MM}; CSV {bytes / 1e6:F0} MB"));

            var random = new SplitMix64(shape.Seed ^ 0x5EED);
            var numbers = Enumerable.Range(0, lookups).Select(_ => generator.SubscriberNumber((int)random.Below((ulong)shape.Subscribers))).ToArray();
            Latencies? before = null, steady = null, after = null;
            double rewriteSeconds = 0, reportSeconds = 0;
            int reportRecords = 0, steadyMonths = 0;
            long sizeAfter = 0;
            var benchmark = new ImportBenchmark(generator, csv, work.FullName, server, lookups, null, log);
            var import = await benchmark.RunAsync(engine, !noRaw, ct, async (database, token) =>
            {
                File.Delete(csv); // imported; the room is needed for the rewrite's sorted copies (~13.5 GB at 100 million rows)
                before = await MeasureAsync(database, server, numbers, coldLookups, name, "time order", log, token);

                // First what the sweep leaves at the month's worst moment: just before the last data month settles
                // (EventPartitions.SettleDays after its end), every earlier month is in subscriber order and it is not
                // (on SQLite it is sorted a night at a time, replayed below).
                var sw = Stopwatch.StartNew();
                var worstMoment = shape.From.PlusMonths(shape.Months).OnDayOfMonth(1).AtStartOfDayInZone(DateTimeZone.Utc).ToInstant()
                    + Duration.FromDays(EventPartitions.SettleDays) - Duration.FromSeconds(1);
                var sweepBefore = EventPartitions.SettledBefore(worstMoment);
                steadyMonths = await RewriteAsync(database, shape, sweepBefore, inMain, token);
                if (steadyMonths > 0 && steadyMonths < shape.Months)
                {
                    sw.Stop(); // the rewrite's time, not the measurement's
                    log.WriteLine(string.Create(ic, $"[{name}] {steadyMonths} of {shape.Months} months rewritten in subscriber order (those before {sweepBefore:uuuu-MM}, as the sweep leaves them at {worstMoment}) in {sw.Elapsed.TotalSeconds:F1} s"));
                    if (engine == DatabaseEngine.Sqlite)
                    {
                        var nights = Stopwatch.StartNew();
                        var (days, moved) = await NightlySortsAsync(database, shape.From.PlusMonths(shape.Months - 1), token);
                        log.WriteLine(string.Create(ic, $"[{name}] the last month as the nightly sweeps leave it: {days} days put back in arrival order, each followed by the sweep's tail sort ({moved:N0} rows moved), in {nights.Elapsed.TotalSeconds:F1} s"));
                    }

                    steady = await MeasureAsync(database, server, numbers, coldLookups, name, "as the sweep leaves them at worst", log, token);
                    sw.Start();
                }

                await RewriteAsync(database, shape, shape.From.PlusMonths(shape.Months), inMain, token);
                rewriteSeconds = sw.Elapsed.TotalSeconds;
                log.WriteLine(string.Create(ic, $"[{name}] months rewritten in subscriber order in {rewriteSeconds:F1} s"));
                after = await MeasureAsync(database, server, numbers, coldLookups, name, "subscriber order", log, token);
                sizeAfter = await SizeAfterAsync(database, token);
                (reportSeconds, reportRecords) = await AccessReportAsync(database, token);
                log.WriteLine(string.Create(ic, $"[{name}] access report of the heaviest subscriber: {reportRecords:N0} records in {reportSeconds:F2} s (median of 3 after a warm-up)"));
            });

            var sweep = sweepRows == 0 ? null : await new SweepBenchmark(engine, work.FullName, server, 1, log).MonthsAsync(sweepRows, shape.Seed, ct);

            log.WriteLine();
            log.WriteLine(machine);
            log.WriteLine(string.Create(ic, $"scale, {name} {import.Version}, {shape.Rows:N0} usage records ({shape.Subscribers:N0} subscribers, ~{import.RecordsPerLookup:F0} records per look-up)"));
            log.WriteLine();
            log.WriteLine("| measure | product | raw engine | target |");
            log.WriteLine("|---|---:|---:|---|");
            log.WriteLine(noRaw
                ? string.Create(ic, $"| import rows/s | {import.ProductRowsPerSecond:N0} | skipped (--no-raw) | |")
                : string.Create(ic, $"| import rows/s | {import.ProductRowsPerSecond:N0} | {import.RawRowsPerSecond:N0} ({(engine == DatabaseEngine.Sqlite ? "prepared inserts" : "binary COPY")}) | ratio {import.Ratio:F2} {Verdict(import.Ratio >= ImportRatioTarget)} (≥ {ImportRatioTarget:F2}) |"));
            log.WriteLine(string.Create(ic, $"| look-up warm p50 / p99, time order | {Pair(before!.Warm)} | {import.RawP50Ms:F1} / {import.RawP99Ms:F1} ms (bare query) | {Verdict(P99(before.Warm) <= LookupTargetMs)} (p99 ≤ {LookupTargetMs:F0} ms) |"));
            log.WriteLine(string.Create(ic, $"| look-up cold p50 / p99, time order | {ColdPair(before.Cold)} | | {ColdVerdict(before.Cold)} |"));
            if (steady is not null)
            {
                log.WriteLine(string.Create(ic, $"| look-up warm p50 / p99, as the sweep leaves them at worst ({steadyMonths} of {shape.Months} months rewritten) | {Pair(steady.Warm)} | | {Verdict(P99(steady.Warm) <= LookupTargetMs)} |"));
                log.WriteLine(string.Create(ic, $"| look-up cold p50 / p99, as the sweep leaves them at worst | {ColdPair(steady.Cold)} | | {ColdVerdict(steady.Cold)} |"));
            }

            log.WriteLine(string.Create(ic, $"| look-up warm p50 / p99, subscriber order | {Pair(after!.Warm)} | | {Verdict(P99(after.Warm) <= LookupTargetMs)} |"));
            log.WriteLine(string.Create(ic, $"| look-up cold p50 / p99, subscriber order | {ColdPair(after.Cold)} | | {ColdVerdict(after.Cold)} |"));
            log.WriteLine(string.Create(ic, $"| subscriber-order rewrite of {shape.Months} months | {rewriteSeconds:F1} s | | |"));
            log.WriteLine(string.Create(ic, $"| access report, heaviest subscriber ({reportRecords:N0} records) | {reportSeconds:F2} s | | {Verdict(reportSeconds <= AccessReportTargetSeconds)} (≤ {AccessReportTargetSeconds:F0} s) |"));
            log.WriteLine(sweep is null
                ? "| monthly sweep | skipped (--sweep-rows 0) | | |"
                : string.Create(ic, $"| monthly sweep of one month ({sweep.MonthRows:N0} rows) | {sweep.Product:F2} s | {sweep.Drop:F2} s (bare DROP) | ratio {sweep.Product / sweep.Drop:F1} {Verdict(sweep.Product <= SweepTargetRatio * sweep.Drop)} (≤ {SweepTargetRatio:F0}×) |"));
            log.WriteLine(string.Create(ic, $"| database size per record | {import.DatabaseBytes / (double)shape.Rows:F0} B (after rewrite {sizeAfter / (double)shape.Rows:F0} B) | | |"));
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

    private static string Verdict(bool ok) => ok ? "ok" : "MISSED";

    private static string ColdVerdict(double[]? cold) => cold is null ? "skipped" : Verdict(P99(cold) <= LookupTargetMs);

    private static double P99(double[] values) => ImportBenchmark.Percentile(values, 0.99);

    private static string Pair(double[] values) =>
        string.Create(CultureInfo.InvariantCulture, $"{ImportBenchmark.Percentile(values, 0.5):F1} / {P99(values):F1} ms");

    private static string ColdPair(double[]? values) => values is null ? "skipped" : Pair(values);

    /// <summary>Warm: one pass to warm up, one measured. Cold: before each sample the OS cache is dropped and PostgreSQL restarted.</summary>
    private static async Task<Latencies> MeasureAsync(
        BenchDatabase database, PostgresServer? server, string[] numbers, int coldLookups, string name, string order, TextWriter log, CancellationToken ct)
    {
        var scope = TenantScope.For(database.OrganizationId);
        async Task<double> LookUpAsync(string number)
        {
            // A connection broken by a restart fails once and leaves the pool; the sample is the attempt that answers.
            for (var attempt = 1; ; attempt++)
            {
                var start = Stopwatch.GetTimestamp();
                try
                {
                    await using var db = database.CreateContext(scope);
                    await EventLookup.FindAsync(db, SubjectIdentifierKind.Phone, number, ct);
                    return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                }
                catch (NpgsqlException) when (attempt < 5)
                {
                }
            }
        }

        foreach (var number in numbers)
        {
            await LookUpAsync(number);
        }

        var warm = new double[numbers.Length];
        for (var i = 0; i < numbers.Length; i++)
        {
            warm[i] = await LookUpAsync(numbers[i]);
        }

        async Task MakeColdAsync()
        {
            SqliteConnection.ClearAllPools();
            if (server is not null)
            {
                await server.RestartAsync();
                NpgsqlConnection.ClearAllPools();
            }

            await DropCachesAsync(ct);

            // A number with no records first (untimed): the connection, the catalogue and the indexes' upper pages
            // are loaded as on any running server; the sampled subscriber's own pages stay cold.
            await LookUpAsync(NoSuchNumber);
        }

        double[]? cold = null;
        var host = new HostCounters[Math.Min(coldLookups, numbers.Length)];
        var vacuuming = 0;
        if (coldLookups > 0)
        {
            cold = new double[host.Length];
            for (var i = 0; i < cold.Length; i++)
            {
                await MakeColdAsync();
                var start = HostCounters.Read();
                cold[i] = await LookUpAsync(numbers[i]);
                host[i] = HostCounters.Read() - start;
                if (server is not null && await database.ScalarAsync("SELECT COUNT(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'", ct) > 0)
                {
                    vacuuming++;
                }
            }
        }

        var ic = CultureInfo.InvariantCulture;
        log.WriteLine(string.Create(ic, $"[{name}] look-ups, {order}: warm p50/p99 {Pair(warm)} ({warm.Length}), cold {ColdPair(cold)} ({cold?.Length ?? 0})"));
        if (cold is not null)
        {
            // What the tail is made of: the slowest samples and the median one, each with what the disk and the CPUs did
            // meanwhile, and how many samples met an autovacuum worker reading beside them.
            log.WriteLine(string.Create(ic, $"[{name}]   cold, autovacuum at work after {vacuuming} of {cold.Length} samples; the slowest five and the median:"));
            var byTime = Enumerable.Range(0, cold.Length).OrderByDescending(i => cold[i]).ToArray();
            var median = byTime[byTime.Length / 2];
            var shown = byTime.Take(5).Append(median).Distinct().ToArray();
            foreach (var i in shown)
            {
                log.WriteLine(string.Create(ic, $"[{name}]     {cold[i],7:F1} ms  {numbers[i]}: {host[i].Describe()}"));
            }

            // PostgreSQL: the three slowest subscribers and the median one again, cold, under EXPLAIN (ANALYZE, BUFFERS):
            // a tail that comes back with the same subscriber is in the data or the plan, one that does not is the host's.
            if (server is not null)
            {
                foreach (var i in byTime.Take(3).Append(median).Distinct())
                {
                    await MakeColdAsync();
                    var start = HostCounters.Read();
                    var plan = await ColdPlan.ExplainAsync(database, NoSuchNumber, numbers[i], ct);
                    log.WriteLine(string.Create(ic, $"[{name}]   plan of {numbers[i]} (sample {cold[i]:F1} ms), cold again: {(HostCounters.Read() - start).Describe()}"));
                    log.Write(plan);
                }
            }
        }

        return new Latencies(warm, cold);
    }

    private static async Task DropCachesAsync(CancellationToken ct)
    {
        using var sync = Process.Start("sync")!;
        await sync.WaitForExitAsync(ct);
        await File.WriteAllTextAsync("/proc/sys/vm/drop_caches", "3", ct);
    }

    /// <summary>
    /// The data months before <paramref name="before"/> not yet in subscriber order put in it, as the sweep does for old
    /// months: sealing (SQLite; with <paramref name="inMain"/> sorting in the main file, as past the attach budget) or
    /// the rewrite (PostgreSQL). Returns how many data months are in subscriber order now.
    /// </summary>
    private static async Task<int> RewriteAsync(BenchDatabase database, UsageShape shape, YearMonth before, bool inMain, CancellationToken ct)
    {
        await using var connection = await database.OpenRawAsync(ct);
        var pending = connection is SqliteConnection && !inMain
            ? [.. (await EventPartitions.MainTableMonthsAsync(connection, null, UsageTable.Instance, ct)).Where(m => m.CompareTo(before) < 0)]
            : await EventMonthRewrite.PendingAsync(connection, UsageTable.Instance, before, ct);
        foreach (var month in pending)
        {
            if (connection is SqliteConnection sqlite)
            {
                _ = inMain
                    ? await EventMonthRewrite.RewriteSqliteAsync(sqlite, UsageTable.Instance, month, ct)
                    : await EventMonthFiles.SealAsync(sqlite, UsageTable.Instance, month, ct);
            }
            else
            {
                await EventMonthRewrite.RewriteAsync((NpgsqlConnection)connection, UsageTable.Instance, month, ct);
            }
        }

        if (connection is NpgsqlConnection postgres)
        {
            await using var analyze = new NpgsqlCommand("ANALYZE usage_records", postgres);
            await analyze.ExecuteNonQueryAsync(ct);
        }
        else if (inMain)
        {
            // The sweep ends with this checkpoint; without it the sorted pages would be read from the WAL.
            await using var checkpoint = new SqliteCommand("PRAGMA wal_checkpoint(TRUNCATE)", (SqliteConnection)connection);
            await checkpoint.ExecuteNonQueryAsync(ct);
        }

        return Enumerable.Range(0, shape.Months).Count(i => shape.From.PlusMonths(i).CompareTo(before) < 0);
    }

    /// <summary>
    /// SQLite: <paramref name="month"/>, imported whole in arrival order, as the nightly sweeps would have left it:
    /// its rows are taken out and put back one day at a time in arrival order, each day followed by the sweep's own
    /// tail sort (<see cref="EventMonthRewrite.SortTailSqliteAsync"/>), so the table ends as a run of sorted days.
    /// </summary>
    private static async Task<(int Days, long Moved)> NightlySortsAsync(BenchDatabase database, YearMonth month, CancellationToken ct)
    {
        await using var raw = await database.OpenRawAsync(ct);
        var connection = (SqliteConnection)raw;
        var table = UsageTable.Instance;
        var name = table.MonthTable(month);
        async Task ExecuteAsync(string sql)
        {
            await using var command = new SqliteCommand(sql, connection) { CommandTimeout = 0 };
            await command.ExecuteNonQueryAsync(ct);
        }

        await ExecuteAsync($"CREATE TEMP TABLE arrivals AS SELECT {table.ColumnList} FROM main.{name} ORDER BY rowid; CREATE INDEX temp.ix_arrivals ON arrivals (start_time)");
        await ExecuteAsync($"DELETE FROM main.{name}");
        long moved = 0;
        var days = month.ToDateInterval().Length;
        foreach (var day in month.ToDateInterval())
        {
            var low = EventTable.ToSqliteTime(day.AtStartOfDayInZone(DateTimeZone.Utc).ToInstant());
            var high = EventTable.ToSqliteTime(day.PlusDays(1).AtStartOfDayInZone(DateTimeZone.Utc).ToInstant());
            await ExecuteAsync(string.Create(CultureInfo.InvariantCulture,
                $"INSERT INTO main.{name} ({table.ColumnList}) SELECT {table.ColumnList} FROM temp.arrivals WHERE start_time >= {low} AND start_time < {high} ORDER BY rowid"));
            moved += await EventMonthRewrite.SortTailSqliteAsync(connection, table, month, ct);
        }

        await ExecuteAsync("DROP TABLE temp.arrivals; PRAGMA wal_checkpoint(TRUNCATE)");
        return (days, moved);
    }

    /// <summary>PostgreSQL: the database; SQLite: the main file, its WAL and the sealed month files (<c>&lt;database&gt;.months/</c>).</summary>
    private static async Task<long> SizeAfterAsync(BenchDatabase database, CancellationToken ct)
    {
        if (database.Engine == DatabaseEngine.Postgres)
        {
            return await ImportBenchmark.SizeAsync(database, ct);
        }

        await using var connection = (SqliteConnection)await database.OpenRawAsync(ct);
        var file = connection.DataSource;
        var months = EventMonthFiles.FolderOf(connection);
        var files = new[] { file, file + "-wal" }.Where(File.Exists)
            .Concat(months is not null && Directory.Exists(months) ? Directory.EnumerateFiles(months) : []);
        return files.Sum(f => new FileInfo(f).Length);
    }

    /// <summary><c>--raw-only</c>: the raw baseline on a fresh database, then the heavy access report and the size there.</summary>
    private static async Task<int> RawOnlyAsync(DatabaseEngine engine, UsageGenerator generator, string work, PostgresServer? server, TextWriter log, CancellationToken ct)
    {
        var ic = CultureInfo.InvariantCulture;
        var rows = generator.Shape.Rows;
        log.WriteLine(string.Create(ic, $"data: {rows:N0} usage records, {generator.Shape.Subscribers:N0} subscribers, {generator.Shape.Months} months from {generator.Shape.From:uuuu-MM} (raw baseline only)"));
        await using var raw = await BenchDatabase.CreateAsync(engine, work, server, "raw", null, ct);
        var seconds = await new ImportBenchmark(generator, string.Empty, work, server, 1, null, log).RawInsertAsync(raw, ct);
        log.WriteLine(string.Create(ic, $"| raw rows/s ({(engine == DatabaseEngine.Sqlite ? "prepared inserts" : "binary COPY")}) | {rows / seconds:N0} ({seconds:F1} s) |"));
        await raw.CheckpointAsync(ct);
        var size = await ImportBenchmark.SizeAsync(raw, ct);
        log.WriteLine(string.Create(ic, $"| database size per record | {size / (double)rows:F0} B |"));
        var (reportSeconds, reportRecords) = await AccessReportAsync(raw, ct);
        log.WriteLine(string.Create(ic, $"| access report, heaviest subscriber ({reportRecords:N0} records) | {reportSeconds:F2} s | {Verdict(reportSeconds <= AccessReportTargetSeconds)} (≤ {AccessReportTargetSeconds:F0} s) |"));
        return 0;
    }

    /// <summary>The subscriber with the most records (found by a scan, not timed); the report's model, HTML and JSON, median of three.</summary>
    private static async Task<(double Seconds, int Records)> AccessReportAsync(BenchDatabase database, CancellationToken ct)
    {
        string number;
        await using (var connection = await database.OpenRawAsync(ct))
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT caller_number FROM usage_records WHERE caller_number IS NOT NULL GROUP BY caller_number ORDER BY count(*) DESC LIMIT 1";
            command.CommandTimeout = 0; // a scan of every record: minutes at 100 million (the 30 s default ended the first full run)
            number = (string)(await command.ExecuteScalarAsync(ct))!;
        }

        var subject = new[] { new SubjectKey(SubjectIdentifierKind.Phone, number) };
        var builder = new AccessReportBuilder(
            database.Services.GetRequiredService<ProcessingRegister>(), database.Services.GetRequiredService<ReadAuditBatcher>(), TimeProvider.System);
        var actor = new AuditActor(AuditActorKind.Cli, "bench:scale");
        var runs = new List<double>();
        var records = 0;
        for (var i = 0; i < 4; i++)
        {
            var sw = Stopwatch.StartNew();
            await using var db = database.CreateContext(TenantScope.For(database.OrganizationId));
            var report = await builder.BuildAsync(db, subject, AnswerScope.All, actor, ct);
            _ = AccessReportHtml.Render(report, StatementLanguage.Dutch);
            using var json = new MemoryStream();
            AccessReportJson.Write(report, json);
            records = report.RecordCount;
            if (i > 0)
            {
                runs.Add(sw.Elapsed.TotalSeconds);
            }
        }

        return (ImportBenchmark.Percentile([.. runs], 0.5), records);
    }
}
