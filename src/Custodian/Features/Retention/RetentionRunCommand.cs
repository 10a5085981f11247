using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Custodian.Cli;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Retention;
using Custodian.Core.Persistence;
using Custodian.Features.Audit;
using Custodian.Features.Database;
using Custodian.Features.Register;
using Custodian.Hosting;

namespace Custodian.Features.Retention;

/// <summary>
/// <c>custodian retention run [--json]</c>: sweeps now, with the clock's time as the cutoff (a run never takes another
/// date: forecasting is <c>retention plan --at</c>), resuming an interrupted sweep first. Exit codes: 0 done; 1 when
/// another process holds the sweep, the database is unusable or the sweep was interrupted (run it again to resume).
/// </summary>
internal static class RetentionRunCommand
{
    /// <summary>Rows per batch of individual deletions (default 10,000); crash tests set it small to get many batches.</summary>
    internal const string BatchRowsVariable = "CUSTODIAN_RETENTION_BATCH_ROWS";

    /// <summary>The sweeper with <see cref="BatchRowsVariable"/>'s batch size when it is set (<c>serve</c>'s timer honours it too).</summary>
    internal static RetentionSweeper WithBatchRowsFromEnvironment(RetentionSweeper sweeper) =>
        int.TryParse(Environment.GetEnvironmentVariable(BatchRowsVariable), NumberStyles.None, CultureInfo.InvariantCulture, out var rows) && rows > 0
            ? sweeper.WithBatchSize(rows)
            : sweeper;

    internal static Command Build()
    {
        var json = new Option<bool>("--json") { Description = "Print the sweep's receipt as JSON" };
        var run = new Command("run", "Delete everything whose retention has expired, now (resumes an interrupted sweep first; prints what it deleted per category)")
        {
            json,
        };
        run.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var settings = CustodianCli.ResolveSettings(parse);
            var masterKey = MasterKeyFiles.LoadExisting(settings);
            var register = await ActiveRegister.LoadOrReportAsync(settings.RegisterPath, error);
            if (register is null)
            {
                return ExitCodes.Failure;
            }

            var target = DatabaseTarget.Resolve(settings.Database, settings.DataFolder);
            if (!await DatabaseStartup.PrepareAsync(target, register, parse.GetValue(json) ? TextWriter.Null : output, error, ct))
            {
                return ExitCodes.Failure;
            }

            var services = new ServiceCollection();
            services.AddSingleton(TimeProvider.System);
            services.AddLogging();
            services.AddCustodianDatabase(target);
            services.AddSingleton(masterKey);
            services.AddCustodianAudit(AuditSettings.Configure(settings));
            services.AddCustodianBlobs(settings.DataFolder, settings.KeysFolder, settings.BlobStoreS3);
            services.AddSingleton(register.Register);
            services.AddCustodianRetentionSweep();
            await using var provider = services.BuildServiceProvider();

            var progress = new SweepCounter();
            RetentionSweepRun? receipt;
            try
            {
                var sweeper = WithBatchRowsFromEnvironment(provider.GetRequiredService<RetentionSweeper>());

                receipt = await sweeper.RunAsync(progress, ct);
            }
            catch (OperationCanceledException)
            {
                await error.WriteLineAsync($"error retention.interrupted: the sweep stopped after deleting {progress.Total.ToString("N0", CultureInfo.InvariantCulture)} records; run the same command again to finish it (same cutoff).");
                return ExitCodes.Failure;
            }

            if (receipt is null)
            {
                await error.WriteLineAsync("error retention.busy: another process is sweeping right now (it holds the sweep lease); nothing was done.");
                return ExitCodes.Failure;
            }

            await (parse.GetValue(json) ? WriteJsonAsync(output, receipt) : WriteTextAsync(output, receipt));
            return ExitCodes.Success;
        });
        return run;
    }

    internal static async Task WriteTextAsync(TextWriter output, RetentionSweepRun run)
    {
        var counts = run.DeletedCounts();
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Sweep {run.Id}: cutoff {run.Cutoff:uuuu-MM-dd HH:mm:ss}Z, {run.Batches} batches, audit events {run.AuditFirstSeq}-{run.AuditLastSeq}{(run.Attempts > 1 ? $", resumed {run.Attempts - 1} time(s)" : "")}."));
        if (counts.Count == 0)
        {
            await output.WriteLineAsync("Nothing had expired.");
        }
        else
        {
            var width = Math.Max("category".Length, counts.Max(c => c.Category.Length));
            await output.WriteLineAsync($"{"category".PadRight(width)}  {"deleted",12}");
            foreach (var group in counts.GroupBy(c => c.Category, StringComparer.Ordinal))
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{group.Key.PadRight(width)}  {group.Sum(c => c.Count),12:N0}"));
            }
        }

        foreach (var p in run.DroppedPartitions())
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Dropped month {p.Month} of {p.Family} records: {p.Rows:N0} rows{(p.PreservedForHolds > 0 ? $", {p.PreservedForHolds:N0} kept for legal holds" : "")}."));
        }

        if (run.MaxLatenessSeconds > 0)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Longest a deleted record outlived its expiry: {TimeSpan.FromSeconds(run.MaxLatenessSeconds):d\\.hh\\:mm\\:ss}."));
        }
    }

    internal static Task WriteJsonAsync(TextWriter output, RetentionSweepRun run) =>
        output.WriteLineAsync(JsonSerializer.Serialize(SweepReceipt.From(run), SweepJson.Indented));

    private sealed class SweepCounter : ISweepProgress
    {
        private long _total;

        public long Total => Interlocked.Read(ref _total);

        public void Deleted(string step, long rows) => Interlocked.Add(ref _total, rows);
    }
}
