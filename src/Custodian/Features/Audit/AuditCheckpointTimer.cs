using Custodian.Core.Features.Audit;
using Custodian.Core.Persistence;
using Custodian.Hosting;
using Microsoft.EntityFrameworkCore;

namespace Custodian.Features.Audit;

/// <summary>
/// Checks once a minute whether a checkpoint is due by time (the log grew and the last checkpoint is older than
/// <see cref="AuditOptions.CheckpointEvery"/>), so the tail of a quiet log is signed too. Appends make checkpoints by
/// count themselves. Several nodes may run this; the head-row lock makes them agree. A failed check is retried a minute
/// later (<see cref="PeriodicJob"/>).
/// </summary>
internal sealed partial class AuditCheckpointTimer(
    IDbContextFactory<CustodianDbContext> contexts, AuditCheckpoints checkpoints, TimeProvider time, ILogger<AuditCheckpointTimer> logger)
    : PeriodicJob(time, logger)
{
    internal static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    protected override TimeSpan CheckEvery => Interval;

    protected override TimeSpan FirstCheckDelay => Interval;

    protected override string Job => "audit.checkpoint";

    protected override async Task CheckAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await checkpoints.CreateIfDueAsync(db, ct) is { } made)
        {
            LogCheckpointMade(made.Number, made.Size);
        }

        // Also the checkpoints that appends (here or in CLI commands) made since the last tick.
        if (checkpoints.Options.ExportDirectory is { } directory &&
            await CheckpointExport.ExportNewAsync(db, directory, ct) is > 0 and var exported)
        {
            LogCheckpointsExported(exported);
        }
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Audit checkpoint {Number} made at {Size} events")]
    private partial void LogCheckpointMade(long number, long size);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "{Count} audit checkpoint(s) exported off-box")]
    private partial void LogCheckpointsExported(int count);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Error, Message = "Audit checkpoint could not be made; retrying in a minute")]
    protected override partial void LogFailed(Exception ex);
}
