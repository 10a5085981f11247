using Custodian.Core.Features.Idempotency;

namespace Custodian.Features.Store;

/// <summary>
/// Runs <see cref="IdempotencyPurge"/> when <c>serve</c> starts and then every <see cref="IdempotencyPurge.Period"/>,
/// so stored idempotent answers (copies of personal data) are deleted on time even when no keyed create arrives.
/// Several nodes may run this; the job lease lets one of them purge per period.
/// </summary>
internal sealed partial class IdempotencyPurgeTimer(IdempotencyPurge purge, TimeProvider time, ILogger<IdempotencyPurgeTimer> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(IdempotencyPurge.Period.ToTimeSpan(), time);
        try
        {
            // First at start-up: a node that is restarted more often than the period would otherwise never purge.
            do
            {
                try
                {
                    if (await purge.RunOnceAsync(stoppingToken) is { } deleted)
                    {
                        LogPurged(deleted);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Keep trying: a database hiccup must not stop the purge for the life of the process.
                    LogPurgeFailed(ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 4201, Level = LogLevel.Information, Message = "Idempotency purge deleted {Count} expired stored answers")]
    private partial void LogPurged(int count);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Error, Message = "Idempotency purge failed; retrying next period")]
    private partial void LogPurgeFailed(Exception ex);
}
