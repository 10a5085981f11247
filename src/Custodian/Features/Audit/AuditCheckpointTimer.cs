using Custodian.Core.Features.Audit;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Custodian.Features.Audit;

/// <summary>
/// Checks once a minute whether a checkpoint is due by time (the log grew and the last checkpoint is older than
/// <see cref="AuditOptions.CheckpointEvery"/>), so the tail of a quiet log is signed too. Appends make checkpoints by
/// count themselves. Several nodes may run this; the head-row lock makes them agree.
/// </summary>
internal sealed partial class AuditCheckpointTimer(
    IDbContextFactory<CustodianDbContext> contexts, AuditCheckpoints checkpoints, TimeProvider time, ILogger<AuditCheckpointTimer> logger)
    : BackgroundService
{
    internal static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await using var db = await contexts.CreateDbContextAsync(stoppingToken);
                    if (await checkpoints.CreateIfDueAsync(db, stoppingToken) is { } made)
                    {
                        LogCheckpointMade(made.Number, made.Size);
                    }

                    // Also the checkpoints that appends (here or in CLI commands) made since the last tick.
                    if (checkpoints.Options.ExportDirectory is { } directory &&
                        await CheckpointExport.ExportNewAsync(db, directory, stoppingToken) is > 0 and var exported)
                    {
                        LogCheckpointsExported(exported);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Keep trying: a database hiccup must not stop checkpointing for the life of the process.
                    LogCheckpointFailed(ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Audit checkpoint {Number} made at {Size} events")]
    private partial void LogCheckpointMade(long number, long size);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "{Count} audit checkpoint(s) exported off-box")]
    private partial void LogCheckpointsExported(int count);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Error, Message = "Audit checkpoint could not be made; retrying in a minute")]
    private partial void LogCheckpointFailed(Exception ex);
}
