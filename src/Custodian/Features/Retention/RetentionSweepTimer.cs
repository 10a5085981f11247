using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Features.Retention;

/// <summary>
/// Runs the retention sweep on its schedule inside <c>serve</c>. Checks once a minute whether a sweep is due: at the
/// scheduled time; at once when an interrupted sweep is waiting (a killed process, a restart); and at start-up when the
/// process was down at the last scheduled time (so nothing outlives its expiry by more than a day because of downtime).
/// Several <c>serve</c> processes on one database may all run this: the sweep's lease lets exactly one sweep.
/// </summary>
internal sealed partial class RetentionSweepTimer(
    RetentionSweeper sweeper,
    IDbContextFactory<CustodianDbContext> contexts,
    SweepSchedule schedule,
    TimeProvider time,
    ILogger<RetentionSweepTimer> logger) : BackgroundService
{
    internal static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    private Instant? _next;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogScheduled(schedule.ToString());
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            do
            {
                try
                {
                    await TickAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Keep the schedule alive; the next tick retries (an interrupted sweep resumes with its cutoff).
                    LogSweepFailed(ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One check: sweeps when due. Returns the sweep it ran, or null.</summary>
    internal async Task<RetentionSweepRun?> TickAsync(CancellationToken ct)
    {
        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        if (!await IsDueAsync(now, ct))
        {
            return null;
        }

        // Null: another node holds the sweep lease and sweeps today's run; this one waits for the next scheduled time
        // (an interrupted sweep still makes every node try again each minute until one finishes it).
        var run = await sweeper.RunAsync(null, ct);
        _next = schedule.NextAfter(now);
        if (run is not null)
        {
            LogSweepDone(run.DeletedCounts().Sum(c => c.Count), run.DroppedPartitions().Count, run.AuditFirstSeq ?? 0, run.AuditLastSeq ?? 0);
        }

        return run;
    }

    private async Task<bool> IsDueAsync(Instant now, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.ScopeTo(TenantScope.Everything);
        if (await db.Set<RetentionSweepRun>().AnyAsync(s => s.State == RetentionSweepRun.Running, ct))
        {
            return true;
        }

        if (_next is null)
        {
            // First tick: was a scheduled sweep missed while no process ran? Only once sweeps have run here at all, so a
            // brand-new installation waits for its first scheduled time.
            var lastStarted = await db.Set<RetentionSweepRun>().MaxAsync(s => (Instant?)s.StartedAt, ct);
            _next = lastStarted is { } last && last < schedule.PreviousAtOrBefore(now) ? now : schedule.NextAfter(now);
        }

        return now >= _next;
    }

    [LoggerMessage(EventId = 4401, Level = LogLevel.Information, Message = "Retention sweeps scheduled daily at {Schedule}")]
    private partial void LogScheduled(string schedule);

    [LoggerMessage(EventId = 4402, Level = LogLevel.Information, Message = "Retention sweep done: {Deleted} records deleted, {Partitions} month partitions dropped, audit events {First}-{Last}")]
    private partial void LogSweepDone(long deleted, int partitions, long first, long last);

    [LoggerMessage(EventId = 4403, Level = LogLevel.Error, Message = "Retention sweep failed; it resumes with its cutoff at the next check")]
    private partial void LogSweepFailed(Exception ex);
}
