using Custodian.Core.Features.Idempotency;
using Custodian.Hosting;

namespace Custodian.Features.Store;

/// <summary>
/// Runs <see cref="IdempotencyPurge"/> when <c>serve</c> starts and then every <see cref="IdempotencyPurge.Period"/>,
/// so stored idempotent answers (copies of personal data) are deleted on time even when no keyed create arrives.
/// Several nodes may run this; the job lease lets one of them purge per period. A failed purge is retried next period
/// (<see cref="PeriodicJob"/>).
/// </summary>
internal sealed partial class IdempotencyPurgeTimer(IdempotencyPurge purge, TimeProvider time, ILogger<IdempotencyPurgeTimer> logger)
    : PeriodicJob(time, logger)
{
    protected override TimeSpan CheckEvery => IdempotencyPurge.Period.ToTimeSpan();

    // First at start-up (the default): a node that is restarted more often than the period would otherwise never purge.
    protected override string Job => "idempotency.purge";

    protected override async Task CheckAsync(CancellationToken ct)
    {
        if (await purge.RunOnceAsync(ct) is { } deleted)
        {
            LogPurged(deleted);
        }
    }

    [LoggerMessage(EventId = 4201, Level = LogLevel.Information, Message = "Idempotency purge deleted {Count} expired stored answers")]
    private partial void LogPurged(int count);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Error, Message = "Idempotency purge failed; retrying next period")]
    protected override partial void LogFailed(Exception ex);
}
