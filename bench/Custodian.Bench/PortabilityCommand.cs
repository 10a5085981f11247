using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
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

            var register = MemoryProbe.WithPortableUsage(database.Services.GetRequiredService<ProcessingRegister>());
            var subject = new[] { new SubjectKey(SubjectIdentifierKind.Phone, generator.SubscriberNumber(0)) };

            var path = Path.Combine(work.FullName, "package.zip");
            var (manifest, peaks) = await MemoryProbe.MeasureAsync(async () =>
            {
                await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
                await using var db = database.CreateContext(TenantScope.For(database.OrganizationId));
                return await PortabilityPackage.WriteAsync(db, register, subject, AnswerScope.All, Instant.FromUnixTimeSeconds(1_800_000_000), file, ct);
            });

            var size = new FileInfo(path).Length;
            var usage = manifest.Files.Where(f => f.Category == UsageRecord.Category).ToList();
            var inPackage = usage.FirstOrDefault()?.Records ?? 0;
            var uncompressed = usage.Sum(f => f.Size);
            log.WriteLine(string.Create(ic,
                $"[sqlite] package of {inPackage:N0} usage records written in {peaks.Seconds:F1} s: ZIP {size / 1048576.0:F1} MiB (JSON + CSV uncompressed {uncompressed / 1048576.0:F1} MiB)"));
            log.WriteLine(string.Create(ic,
                $"[sqlite] memory during the write: managed heap peak {peaks.PeakManaged / 1048576.0:F1} MiB (+{peaks.ManagedGrowth / 1048576.0:F1} over {peaks.BaseManaged / 1048576.0:F1} before), RSS peak {peaks.PeakRss / 1048576.0:F1} MiB (+{peaks.RssGrowth / 1048576.0:F1} over {peaks.BaseRss / 1048576.0:F1} before); managed growth / uncompressed size = {peaks.ManagedGrowth / (double)Math.Max(1, uncompressed):P1}"));
            return inPackage == records ? 0 : 1;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            work.Delete(recursive: true);
        }
    }
}
