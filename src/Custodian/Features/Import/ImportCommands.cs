using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Custodian.Cli;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Events;
using Custodian.Core.Persistence;
using Custodian.Features.Audit;
using Custodian.Features.Database;
using Custodian.Features.Register;
using Custodian.Hosting;
using NodaTime.Text;

namespace Custodian.Features.Import;

/// <summary>
/// <c>custodian import usage|traffic FILE</c>: bulk import of the high-volume records (docs/formats/usage-csv.md,
/// docs/formats/traffic-csv.md). Exit codes: 0 when the file is imported (rejected rows alone are not a failure: they
/// are counted and written to the reject file) or was imported before; 1 for a file-level problem, an unusable database
/// or an interrupted import (run the same command again to resume); 2 for usage errors. <c>import list</c> shows the
/// batches; <c>import abandon</c> removes one batch's rows so that its file can be imported afresh.
/// </summary>
internal static class ImportCommands
{
    internal static Command Build()
    {
        var import = new Command("import", "Bulk import of usage and traffic records from CSV files (streamed, idempotent, resumable)");
        import.Subcommands.Add(BuildKind(EventFamily.Usage));
        import.Subcommands.Add(BuildKind(EventFamily.Traffic));
        import.Subcommands.Add(BuildList());
        import.Subcommands.Add(BuildAbandon());
        return import;
    }

    /// <summary><c>custodian import list [--json]</c>: the import batches, newest first.</summary>
    private static Command BuildList()
    {
        var json = new Option<bool>("--json") { Description = "Print the batches as a JSON array (for scripts)" };
        var command = new Command("list", "List the import batches, newest first: file, options, state, row counts, and whether an interrupted import can be resumed")
        {
            json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            await using var provider = await OpenAsync(parse, parse.InvocationConfiguration.Error, audited: false, ct);
            if (provider is null)
            {
                return ExitCodes.Failure;
            }

            var batches = await provider.GetRequiredService<ImportBatchList>().ListAsync(ct);
            if (parse.GetValue(json))
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(batches.Select(b => new ImportBatchJson(b)), ImportBatchJson.Options));
                return ExitCodes.Success;
            }

            if (batches.Count == 0)
            {
                await output.WriteLineAsync("No imports yet.");
                return ExitCodes.Success;
            }

            string[] header = ["BATCH", "KIND", "FORMAT", "FILE", "SHA256", "TENANT", "STATE", "IMPORTED", "REJECTED", "STARTED", "FINISHED", "RESUMABLE"];
            var rows = batches.Select(b => new[]
            {
                b.Id.ToString(),
                b.Kind,
                b.TimeZone is null ? b.Format : $"{b.Format} ({b.TimeZone})",
                b.FileName,
                b.FileSha256[..12],
                b.TenantCode ?? "(per row)",
                b.Status,
                Count(b.RowsImported),
                Count(b.RowsRejected),
                Time(b.StartedAt),
                b.FinishedAt is { } f ? Time(f) : "-",
                b.Resumable ? "yes" : "no",
            }).ToList();
            var widths = header.Select((h, i) => rows.Max(r => r[i].Length) is var w && w > h.Length ? w : h.Length).ToArray();
            foreach (var row in rows.Prepend(header))
            {
                await output.WriteLineAsync(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
            }

            return ExitCodes.Success;
        });
        return command;

        static string Time(NodaTime.Instant instant) => instant.ToString("uuuu-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture);
    }

    /// <summary><c>custodian import abandon BATCH_ID</c>: removes the rows a batch stored, so its file may be imported afresh.</summary>
    private static Command BuildAbandon()
    {
        var id = new Argument<Guid>("BATCH_ID") { Description = "The batch (see 'custodian import list')" };
        var command = new Command(
            "abandon",
            "Abandon an import batch: delete the rows it stored and mark it abandoned (audited), so that its file can be imported afresh, " +
            "for example with another --tenant, --format or --timezone, or after an interrupted import that will not be resumed. Safe to run again if it is interrupted.")
        {
            id,
        };
        command.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            await using var provider = await OpenAsync(parse, error, audited: true, ct);
            if (provider is null)
            {
                return ExitCodes.Failure;
            }

            var batchId = parse.GetValue(id);
            var result = await provider.GetRequiredService<ImportBatchAbandon>()
                .AbandonAsync(batchId, new AuditActor(AuditActorKind.Cli, "cli:import abandon"), ct);
            switch (result.Outcome)
            {
                case ImportAbandonOutcome.NotFound:
                    await error.WriteLineAsync($"error import.batch.not_found: there is no import batch {batchId} (see 'custodian import list').");
                    return ExitCodes.Failure;
                case ImportAbandonOutcome.ContinuedByLaterBatch:
                    await error.WriteLineAsync(
                        $"error import.batch.continued: batch {result.BlockingBatchId} imported a longer version of this file and stored only the lines added to it; " +
                        $"abandon that batch first ('custodian import abandon {result.BlockingBatchId}').");
                    return ExitCodes.Failure;
                case ImportAbandonOutcome.AlreadyAbandoned:
                    await output.WriteLineAsync($"Batch {batchId} was already abandoned. Nothing changed.");
                    return ExitCodes.Success;
                default:
                    await output.WriteLineAsync($"Abandoned batch {batchId}: {Count(result.RowsRemoved)} rows removed. Its file can be imported again.");
                    return ExitCodes.Success;
            }
        });
        return command;
    }

    private static Command BuildKind(EventFamily family)
    {
        var usage = family == EventFamily.Usage;
        var file = new Argument<FileInfo>("FILE") { Description = usage ? "Usage CSV or Asterisk Master.csv" : "Traffic CSV" };
        var tenant = new Option<string?>("--tenant")
        {
            Description = "Assign every row to the organisation with this code (otherwise each row names its organisation: the organization column, or Asterisk's accountcode)",
        };
        var rejectFile = new Option<string?>("--reject-file")
        {
            Description = "Where rejected rows are listed (line, field, rule, message). Default: FILE.rejects.csv, written only when a row is rejected",
        };
        var command = new Command(
            usage ? "usage" : "traffic",
            usage
                ? "Import usage records (call detail records) in Custodian's usage CSV format or Asterisk's cdr-csv Master.csv. Importing the same file again adds nothing; an interrupted import resumes where it stopped."
                : "Import traffic records (e-mail, telephony, internet) in Custodian's traffic CSV format. Importing the same file again adds nothing; an interrupted import resumes where it stopped.")
        {
            file,
            tenant,
            rejectFile,
        };

        Option<string>? format = null;
        Option<string>? timeZone = null;
        if (usage)
        {
            format = new Option<string>("--format")
            {
                Description = "custodian (Custodian's usage CSV with a header row) or asterisk (cdr-csv Master.csv: 16, 17 or 18 columns, no header)",
                DefaultValueFactory = _ => "custodian",
            };
            format.AcceptOnlyFromAmong("custodian", "asterisk");
            timeZone = new Option<string>("--timezone")
            {
                Description = "The PBX's time zone for Asterisk's local times (IANA id)",
                DefaultValueFactory = _ => EventImporter.DefaultTimeZone,
            };
            command.Options.Add(format);
            command.Options.Add(timeZone);
        }

        command.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            await using var provider = await OpenAsync(parse, error, audited: true, ct);
            if (provider is null)
            {
                return ExitCodes.Failure;
            }

            var path = parse.GetValue(file)!.FullName;
            var kind = usage ? "usage" : "traffic";
            var request = new ImportRequest(
                family,
                path,
                new AuditActor(AuditActorKind.Cli, $"cli:import {kind}"),
                format is null ? null : parse.GetValue(format),
                parse.GetValue(tenant),
                timeZone is null ? null : parse.GetValue(timeZone),
                parse.GetValue(rejectFile));
            var progress = new ImportProgress();
            ImportResult result;
            using (var bar = ProgressBar.StartIfTerminal(error, progress, kind))
            {
                try
                {
                    result = await provider.GetRequiredService<EventImporter>().ImportAsync(request, progress, ct);
                }
                catch (OperationCanceledException)
                {
                    bar?.Stop();
                    await error.WriteLineAsync($"error import.interrupted: the import of {path} stopped after {progress.RowsStored.ToString("N0", CultureInfo.InvariantCulture)} stored rows; run the same command again to resume it.");
                    return ExitCodes.Failure;
                }
            }

            switch (result.Outcome)
            {
                case ImportOutcome.FileError:
                    var p = result.Problem!;
                    var where = p.Line > 0 ? $"{path}:{p.Line.ToString(CultureInfo.InvariantCulture)}" : path;
                    var field = p.Field is null ? "" : $" field '{p.Field}':";
                    await error.WriteLineAsync($"error {p.Rule}: {where}:{field} {p.Message} Nothing was imported.");
                    return ExitCodes.Failure;
                case ImportOutcome.AlreadyImported:
                    await output.WriteLineAsync(
                        $"{path} was already imported (batch {result.BatchId}, completed {result.CompletedAt:uuuu-MM-dd HH:mm}Z): " +
                        $"{Count(result.RowsImported)} {kind} records stored, {Count(result.RowsRejected)} rows rejected. Nothing added.");
                    return ExitCodes.Success;
                default:
                    if (result.ExtendsBatchId is { } earlier)
                    {
                        await output.WriteLineAsync($"The file continues an earlier imported file (batch {earlier}): only the lines added since were imported.");
                    }

                    if (result.ResumedAfterLine > 0)
                    {
                        await output.WriteLineAsync($"Resumed an interrupted import after line {Count(result.ResumedAfterLine)}.");
                    }

                    await output.WriteLineAsync($"Imported {path} (batch {result.BatchId}): {Count(result.RowsImported)} {kind} records stored, {Count(result.RowsRejected)} rows rejected.");
                    if (result.RejectFile is not null)
                    {
                        await output.WriteLineAsync($"Rejected rows (line, field, rule): {result.RejectFile}");
                    }

                    return ExitCodes.Success;
            }
        });
        return command;
    }

    /// <summary>
    /// The services an import command needs, after the database is checked and migrated; null (the error written)
    /// when it cannot be used. <paramref name="audited"/>: the command appends audit events, which are signed, so the
    /// master key is required.
    /// </summary>
    private static async Task<ServiceProvider?> OpenAsync(ParseResult parse, TextWriter error, bool audited, CancellationToken ct)
    {
        var settings = CustodianCli.ResolveSettings(parse);
        var target = DatabaseTarget.Resolve(settings.Database, settings.DataFolder);
        // Audited commands need the installation's key; MasterKeyFiles never creates one (the CLI prints its error, exit 1).
        var masterKey = audited ? MasterKeyFiles.LoadExisting(settings) : null;

        if (!await DatabaseStartup.PrepareAsync(target, register: null, TextWriter.Null, error, ct))
        {
            return null;
        }

        var services = new ServiceCollection();
        services.AddSingleton(TimeProvider.System);
        services.AddLogging();
        services.AddCustodianDatabase(target);
        if (masterKey is not null)
        {
            services.AddSingleton(masterKey);
            services.AddCustodianAudit(AuditSettings.Configure(settings));
        }

        // The register's retention rules decide which rows are already expired (refused: import.retention_expired).
        var register = await ActiveRegister.LoadOrReportAsync(settings.RegisterPath, error);
        if (register is null)
        {
            return null;
        }

        services.AddSingleton(register.Register);
        services.AddCustodianEvents();
        return services.BuildServiceProvider();
    }

    private static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}

/// <summary>One batch in <c>import list --json</c>: stable camelCase names, times as ISO-8601 UTC.</summary>
internal sealed class ImportBatchJson(ImportBatchSummary batch)
{
    internal static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public Guid Id => batch.Id;

    public string Kind => batch.Kind;

    public string Format => batch.Format;

    public string FileName => batch.FileName;

    public string FileSha256 => batch.FileSha256;

    /// <summary>The organisation's code with <c>--tenant</c>; null when each row named its organisation.</summary>
    public string? Tenant => batch.TenantCode;

    public string? TimeZone => batch.TimeZone;

    public string State => batch.Status;

    public long RowsImported => batch.RowsImported;

    public long RowsRejected => batch.RowsRejected;

    public string StartedAt => InstantPattern.ExtendedIso.Format(batch.StartedAt);

    public string? FinishedAt => batch.FinishedAt is { } f ? InstantPattern.ExtendedIso.Format(f) : null;

    public bool Resumable => batch.Resumable;

    public Guid? ExtendsBatchId => batch.ExtendsBatchId;
}

/// <summary>A one-line progress bar on stderr, redrawn a few times a second; only when stderr is a terminal.</summary>
internal sealed class ProgressBar : IDisposable
{
    private readonly TextWriter _error;
    private readonly ImportProgress _progress;
    private readonly string _kind;
    private readonly Timer _timer;
    private readonly long _started = System.Diagnostics.Stopwatch.GetTimestamp();
    private readonly Lock _lock = new();
    private bool _stopped;

    private ProgressBar(TextWriter error, ImportProgress progress, string kind)
    {
        _error = error;
        _progress = progress;
        _kind = kind;
        _timer = new Timer(_ => Draw(), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(250));
    }

    public static ProgressBar? StartIfTerminal(TextWriter error, ImportProgress progress, string kind) =>
        ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected ? new ProgressBar(error, progress, kind) : null;

    public void Stop()
    {
        lock (_lock)
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            _timer.Dispose();
            Draw(final: true);
            _error.WriteLine();
        }
    }

    public void Dispose() => Stop();

    private void Draw(bool final = false)
    {
        lock (_lock)
        {
            if (_stopped && !final)
            {
                return;
            }

            var total = Math.Max(1, _progress.TotalBytes);
            var fraction = Math.Clamp((double)_progress.BytesRead / total, 0, 1);
            const int Width = 30;
            var filled = (int)(fraction * Width);
            var seconds = Math.Max(0.001, System.Diagnostics.Stopwatch.GetElapsedTime(_started).TotalSeconds);
            var stored = _progress.RowsStored;
            _error.Write(string.Create(CultureInfo.InvariantCulture,
                $"\r[{new string('#', filled)}{new string('.', Width - filled)}] {fraction,4:P0} {stored:N0} {_kind} records, {stored / seconds:N0}/s, {_progress.RowsRejected:N0} rejected "));
        }
    }
}
