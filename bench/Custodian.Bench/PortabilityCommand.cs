using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Requests.Answers;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;

namespace Custodian.Bench;

/// <summary>
/// <c>portability</c> (issue 8 §5): the Art. 20 package of one subscriber with N usage records (SQLite), written to a
/// file through <see cref="PortabilityPackage.WriteAsync"/>, with the process's managed heap and RSS sampled during
/// the write: flat memory means the peaks do not grow with N (run it at two sizes and compare).
/// </summary>
internal static class PortabilityCommand
{
    public static Command Build()
    {
        var records = new Option<long>("--records") { Description = "Usage records of the one subscriber", DefaultValueFactory = _ => 1_000_000 };
        var workDir = new Option<string?>("--work-dir") { Description = "Folder for the SQLite database and the package (default: the temp folder); removed afterwards" };
        var command = new Command("portability", "Write one subscriber's portability package holding N usage records (SQLite) and report peak managed memory and RSS against the package size")
        {
            records, workDir,
        };
        command.SetAction(async (parse, ct) =>
        {
            var n = parse.GetValue(records);
            if (n < 1)
            {
                await Console.Error.WriteLineAsync("--records must be at least 1.");
                return 2;
            }

            return await RunAsync(n, parse.GetValue(workDir), ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(long records, string? workDirRoot, CancellationToken ct)
    {
        var ic = CultureInfo.InvariantCulture;
        var log = Console.Out;
        log.WriteLine(Machine.Describe());
        var work = workDirRoot is null
            ? Directory.CreateTempSubdirectory("custodian-portability-bench.")
            : Directory.CreateDirectory(Path.Combine(workDirRoot, "custodian-portability-bench." + Guid.NewGuid().ToString("N")[..10]));
        try
        {
            var shape = new UsageShape(records, 1, 200_000, UsageShape.RecentMonths(3), 3, 1);
            var generator = new UsageGenerator(shape);
            await using var database = await BenchDatabase.CreateAsync(DatabaseEngine.Sqlite, work.FullName, null, "portability", null, ct);
            var load = Stopwatch.StartNew();
            await AccessReportCommand.LoadAsync(database, generator, ct);
            log.WriteLine(string.Create(ic, $"[sqlite] {records:N0} usage records of one subscriber loaded in {load.Elapsed.TotalSeconds:F1} s (not timed below)"));

            // The shipped register does not call usage records portable (the network, not the person, provides them);
            // the bench declares them provided by the person so the package holds all N.
            var shipped = database.Services.GetRequiredService<ProcessingRegister>();
            var usageCategory = StoreCatalog.CategoryOf(typeof(UsageRecord))!;
            var register = shipped with
            {
                Categories = [.. shipped.Categories.Select(c => c.Id == usageCategory ? c with { Sources = [.. c.Sources, DataSource.DataSubject] } : c)],
            };
            var subject = new[] { new SubjectKey(SubjectIdentifierKind.Phone, generator.SubscriberNumber(0)) };

            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            var baseManaged = GC.GetTotalMemory(true);
            var baseRss = Rss();
            long peakManaged = baseManaged, peakRss = baseRss;
            using var stop = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    peakManaged = Math.Max(peakManaged, GC.GetTotalMemory(false));
                    peakRss = Math.Max(peakRss, Rss());
                    try
                    {
                        await Task.Delay(20, stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }
            }, CancellationToken.None);

            var path = Path.Combine(work.FullName, "package.zip");
            var sw = Stopwatch.StartNew();
            PortabilityManifest manifest;
            await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            await using (var db = database.CreateContext(TenantScope.For(database.OrganizationId)))
            {
                manifest = await PortabilityPackage.WriteAsync(db, register, subject, AnswerScope.All, Instant.FromUnixTimeSeconds(1_800_000_000), file, ct);
            }

            var seconds = sw.Elapsed.TotalSeconds;
            await stop.CancelAsync();
            await sampler;
            var size = new FileInfo(path).Length;
            var usage = manifest.Files.Where(f => f.Category == usageCategory).ToList();
            var inPackage = usage.FirstOrDefault()?.Records ?? 0;
            var uncompressed = usage.Sum(f => f.Size);
            log.WriteLine(string.Create(ic,
                $"[sqlite] package of {inPackage:N0} usage records written in {seconds:F1} s: ZIP {size / 1048576.0:F1} MiB (JSON + CSV uncompressed {uncompressed / 1048576.0:F1} MiB)"));
            log.WriteLine(string.Create(ic,
                $"[sqlite] memory during the write: managed heap peak {peakManaged / 1048576.0:F1} MiB (+{(peakManaged - baseManaged) / 1048576.0:F1} over {baseManaged / 1048576.0:F1} before), RSS peak {peakRss / 1048576.0:F1} MiB (+{(peakRss - baseRss) / 1048576.0:F1} over {baseRss / 1048576.0:F1} before); managed growth / uncompressed size = {(peakManaged - baseManaged) / (double)Math.Max(1, uncompressed):P1}"));
            return inPackage == records ? 0 : 1;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            work.Delete(recursive: true);
        }
    }

    private static long Rss()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }
}
