using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Disclosures;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Requests.Answers;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;

namespace Custodian.Bench;

/// <summary>
/// <c>export-memory</c> (issue 8 §5, "exports of a million records stream with flat memory"): one subscriber with N
/// usage records (SQLite), and each streamed export of them written to a file: the portability package, the access
/// report (HTML then JSON, as a request's answer is produced) and an authority-order production. Per export: elapsed
/// time, output size, and the growth of the managed heap and of RSS over the figures just before it (peaks sampled
/// every 20 ms). Each size runs in a child process of its own (RSS never shrinks back within one), the smaller N first,
/// so the table puts the growth at N next to the growth at the smaller N: flat memory is growth that does not scale.
/// </summary>
internal static class ExportMemoryCommand
{
    private const string ResultPrefix = "RESULT ";

    private static readonly string[] Kinds = ["portability", "access-report", "production"];

    public static Command Build()
    {
        var records = new Option<long>("--records") { Description = "Usage records of the one subscriber", DefaultValueFactory = _ => 100_000 };
        var smaller = new Option<long?>("--smaller") { Description = "The smaller N to compare with (default: --records / 10)" };
        var kind = new Option<string>("--export") { Description = "portability, access-report, production or all", DefaultValueFactory = _ => "all" };
        var workDir = new Option<string?>("--work-dir") { Description = "Folder for the SQLite database and the outputs (default: the temp folder); removed afterwards" };
        var single = new Option<bool>("--single") { Description = "Internal: run one size in this process and print its results", Hidden = true };
        var command = new Command("export-memory", "Stream one subscriber's portability package, access report and authority-order production of N usage records (SQLite) and report elapsed, size, managed heap and RSS growth next to a smaller N")
        {
            records, smaller, kind, workDir, single,
        };
        command.SetAction(async (parse, ct) =>
        {
            var n = parse.GetValue(records);
            var which = parse.GetValue(kind)!;
            if (n < 1 || (which != "all" && !Kinds.Contains(which)))
            {
                await Console.Error.WriteLineAsync("--records at least 1; --export one of portability, access-report, production, all.");
                return 2;
            }

            var kinds = which == "all" ? Kinds : [which];
            if (parse.GetValue(single))
            {
                return await RunOneAsync(n, kinds, parse.GetValue(workDir), ct);
            }

            var small = parse.GetValue(smaller) ?? Math.Max(1, n / 10);
            return await CompareAsync([small, n], which, parse.GetValue(workDir), ct);
        });
        return command;
    }

    private static async Task<int> CompareAsync(long[] sizes, string which, string? workDir, CancellationToken ct)
    {
        var ic = CultureInfo.InvariantCulture;
        Console.WriteLine(Machine.Describe());
        Console.WriteLine(string.Create(ic, $"load average before: {File.ReadAllText("/proc/loadavg").Trim()}"));
        var results = new List<string[]>();
        foreach (var n in sizes)
        {
            var (file, prefix) = Self();
            var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in prefix.Concat(["export-memory", "--single", "--records", n.ToString(ic), "--export", which]))
            {
                start.ArgumentList.Add(a);
            }

            if (workDir is not null)
            {
                start.ArgumentList.Add("--work-dir");
                start.ArgumentList.Add(workDir);
            }

            using var child = Process.Start(start)!;
            string? line;
            while ((line = await child.StandardOutput.ReadLineAsync(ct)) is not null)
            {
                if (line.StartsWith(ResultPrefix, StringComparison.Ordinal))
                {
                    results.Add(line[ResultPrefix.Length..].Split('\t'));
                }
                else
                {
                    Console.WriteLine(line);
                }
            }

            await child.WaitForExitAsync(ct);
            if (child.ExitCode != 0)
            {
                Console.Error.WriteLine(string.Create(ic, $"the run with {n:N0} records failed ({child.ExitCode})"));
                return 1;
            }
        }

        Console.WriteLine(string.Create(ic, $"load average after: {File.ReadAllText("/proc/loadavg").Trim()}"));
        Console.WriteLine();
        Console.WriteLine($"{"export",-14} {"records",12} {"elapsed s",10} {"output MiB",11} {"heap +MiB",10} {"RSS +MiB",9}");
        foreach (var r in results.OrderBy(r => Array.IndexOf(Kinds, r[0])).ThenBy(r => long.Parse(r[1], ic)))
        {
            Console.WriteLine(string.Create(ic,
                $"{r[0],-14} {long.Parse(r[1], ic),12:N0} {double.Parse(r[2], ic),10:F1} {long.Parse(r[3], ic) / 1048576.0,11:F1} {long.Parse(r[4], ic) / 1048576.0,10:F1} {long.Parse(r[5], ic) / 1048576.0,9:F1}"));
        }

        return 0;
    }

    /// <summary>How to start this program again: the apphost, or <c>dotnet</c> with the entry assembly.</summary>
    private static (string File, string[] Prefix) Self()
    {
        var process = Environment.ProcessPath ?? "dotnet";
        return Path.GetFileNameWithoutExtension(process) == "dotnet"
            ? (process, [Environment.GetCommandLineArgs()[0]])
            : (process, []);
    }

    private static async Task<int> RunOneAsync(long records, string[] kinds, string? workDirRoot, CancellationToken ct)
    {
        var ic = CultureInfo.InvariantCulture;
        var work = workDirRoot is null
            ? Directory.CreateTempSubdirectory("custodian-export-bench.")
            : Directory.CreateDirectory(Path.Combine(workDirRoot, "custodian-export-bench." + Guid.NewGuid().ToString("N")[..10]));
        try
        {
            var shape = new UsageShape(records, 1, 200_000, UsageShape.RecentMonths(3), 3, 1);
            var generator = new UsageGenerator(shape);
            await using var database = await BenchDatabase.CreateAsync(DatabaseEngine.Sqlite, work.FullName, null, "exports", null, ct);
            var load = Stopwatch.StartNew();
            await AccessReportCommand.LoadAsync(database, generator, ct);
            Console.WriteLine(string.Create(ic, $"[sqlite] {records:N0} usage records of one subscriber loaded in {load.Elapsed.TotalSeconds:F1} s (not timed below)"));

            var shipped = database.Services.GetRequiredService<ProcessingRegister>();
            var portable = MemoryProbe.WithPortableUsage(shipped);
            var number = generator.SubscriberNumber(0);
            var subject = new[] { new SubjectKey(SubjectIdentifierKind.Phone, number) };
            var now = Instant.FromUnixTimeSeconds(1_800_000_000);
            var failed = false;
            foreach (var kind in kinds)
            {
                var path = Path.Combine(work.FullName, kind + ".out");
                var (written, peaks) = await MemoryProbe.MeasureAsync(async () =>
                {
                    await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
                    switch (kind)
                    {
                        case "portability":
                            {
                                await using var db = database.CreateContext(TenantScope.For(database.OrganizationId));
                                var manifest = await PortabilityPackage.WriteAsync(db, portable, subject, AnswerScope.All, now, file, ct);
                                return manifest.Files.FirstOrDefault(f => f.Category == UsageRecord.Category)?.Records ?? 0;
                            }

                        case "access-report":
                            {
                                await using var db = database.CreateContext(TenantScope.For(database.OrganizationId));
                                var builder = new AccessReportBuilder(shipped, database.Services.GetRequiredService<ReadAuditBatcher>(), TimeProvider.System);
                                var source = await builder.PrepareAsync(db, subject, AnswerScope.All, ct);
                                await AccessReportHtml.WriteAsync(source, StatementLanguage.Dutch, file, ct);
                                var count = await AccessReportJson.WriteAsync(source, file, ct);
                                await builder.AuditWrittenAsync(source, new AuditActor(AuditActorKind.Cli, "bench:export-memory"), ct);
                                return count;
                            }

                        default:
                            {
                                await using var db = database.CreateContext(TenantScope.Everything);
                                var order = new AuthorityOrder
                                {
                                    Reference = "BENCH-1",
                                    Type = AuthorityOrderType.TrafficData126n,
                                    PeriodFrom = Instant.FromUtc(2000, 1, 1, 0, 0),
                                    PeriodUntil = Instant.FromUtc(2100, 1, 1, 0, 0),
                                    Categories = [UsageRecord.Category],
                                    Targets = [new AuthorityOrderTarget { Kind = "phone", Value = number }],
                                };
                                var manifest = await DisclosurePackage.WriteAsync(db, order, now, file, ct);
                                return manifest.Files.Single(f => f.Name == "records.csv").Records;
                            }
                    }
                });
                var (seconds, heap, rss) = (peaks.Seconds, peaks.ManagedGrowth, peaks.RssGrowth);
                var size = new FileInfo(path).Length;
                File.Delete(path);
                Console.WriteLine(string.Create(ic,
                    $"[sqlite] {kind}: {written:N0} records in {seconds:F1} s, output {size / 1048576.0:F1} MiB, managed heap +{heap / 1048576.0:F1} MiB, RSS +{rss / 1048576.0:F1} MiB"));
                Console.WriteLine(string.Create(ic, $"{ResultPrefix}{kind}\t{records}\t{seconds}\t{size}\t{heap}\t{rss}"));
                failed |= written != records;
            }

            return failed ? 1 : 0;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            work.Delete(recursive: true);
        }
    }
}
