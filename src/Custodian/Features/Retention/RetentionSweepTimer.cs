using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.Hosting;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Features.Retention;

/// <summary>
/// Runs the retention sweep on its schedule inside <c>serve</c>. Checks once a minute whether a sweep is due: at the
/// scheduled time; at once when an interrupted sweep is waiting (a killed process, a restart); and at start-up when the
/// process was down at the last scheduled time (so nothing outlives its expiry by more than a day because of downtime).
/// Several <c>serve</c> processes on one database may all run this: the sweep's lease lets exactly one sweep. A failed
/// check is retried at the next one, an interrupted sweep resuming with its cutoff (<see cref="PeriodicJob"/>).
/// </summary>
internal sealed partial class RetentionSweepTimer(
    RetentionSweeper sweeper,
    IDbContextFactory<CustodianDbContext> contexts,
    SweepSchedule schedule,
    TimeProvider time,
    ILogger<RetentionSweepTimer> logger) : PeriodicJob(time, logger)
{
    /// <summary>
    /// A minute, or a third of the sweep lease when that is shorter (<c>CUSTODIAN_LEASE_SECONDS</c> in tests and drills),
    /// so a node that lost the race checks again soon after a dead node's lease expires: an interrupted sweep is resumed
    /// within one lease period plus one interval of the kill.
    /// </summary>
    internal TimeSpan Interval { get; } = TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(1).Ticks, sweeper.LeaseDuration.ToTimeSpan().Ticks / 3));

    private readonly RetentionSweeper _sweeper = RetentionRunCommand.WithBatchRowsFromEnvironment(sweeper);
    private Instant? _next;

    protected override TimeSpan CheckEvery => Interval;

    protected override string Job => "retention";

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogScheduled(schedule.ToString());
        return base.ExecuteAsync(stoppingToken);
    }

    protected override Task CheckAsync(CancellationToken ct) => TickAsync(ct);

    /// <summary>One check: sweeps when due. Returns the sweep it ran, or null.</summary>
    internal async Task<RetentionSweepRun?> TickAsync(CancellationToken ct)
    {
        var now = Instant.FromDateTimeOffset(Time.GetUtcNow());
        if (await IsDueAsync(now, ct) is not { } slot)
        {
            return null;
        }

        // Null: another node holds the sweep lease and sweeps today's run, or has already swept this slot; this one waits
        // for the next scheduled time (an interrupted sweep still makes every node try again each interval until one
        // finishes it). Without the slot check a node whose tick came after another node finished would sweep again.
        var run = await _sweeper.RunForSlotAsync(null, slot, ct);
        _next = schedule.NextAfter(now);
        if (run is not null)
        {
            LogSweepDone(run.DeletedCounts().Sum(c => c.Count), run.DroppedPartitions().Count, run.AuditFirstSeq ?? 0, run.AuditLastSeq ?? 0);
        }

        return run;
    }

    /// <summary>
    /// Null when nothing is due; else the moment the due slot began: a sweep started at or after it covers the slot
    /// (for an interrupted sweep: its own start, so only its resumption counts, not a new sweep after it).
    /// </summary>
    private async Task<Instant?> IsDueAsync(Instant now, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.ScopeTo(TenantScope.Everything);
        if (await db.Set<RetentionSweepRun>().Where(s => s.State == RetentionSweepRun.Running).Select(s => (Instant?)s.StartedAt).FirstOrDefaultAsync(ct) is { } running)
        {
            return running;
        }

        if (_next is null)
        {
            // First tick: was a scheduled sweep missed while no process ran? Only once sweeps have run here at all, so a
            // brand-new installation waits for its first scheduled time.
            var lastStarted = await db.Set<RetentionSweepRun>().MaxAsync(s => (Instant?)s.StartedAt, ct);
            _next = lastStarted is { } last && last < schedule.PreviousAtOrBefore(now) ? now : schedule.NextAfter(now);
        }

        return now >= _next ? Min(_next.Value, schedule.PreviousAtOrBefore(now)) : null;
    }

    private static Instant Min(Instant a, Instant b) => a < b ? a : b;

    [LoggerMessage(EventId = 4401, Level = LogLevel.Information, Message = "Retention sweeps scheduled daily at {Schedule}")]
    private partial void LogScheduled(string schedule);

    [LoggerMessage(EventId = 4402, Level = LogLevel.Information, Message = "Retention sweep done: {Deleted} records deleted, {Partitions} month partitions dropped, audit events {First}-{Last}")]
    private partial void LogSweepDone(long deleted, int partitions, long first, long last);

    [LoggerMessage(EventId = 4404, Level = LogLevel.Warning, Message = "Retention sweep interrupted ({Code}): {Reason} It resumes with its cutoff at the next check.")]
    protected override partial void LogInterrupted(string code, string reason);

    [LoggerMessage(EventId = 4403, Level = LogLevel.Error, Message = "Retention sweep failed; it resumes with its cutoff at the next check")]
    protected override partial void LogFailed(Exception ex);
}
