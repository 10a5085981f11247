using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Requests;
using Custodian.Core.Features.Retention;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Monitoring;

/// <summary>
/// The product's health in numbers, read from the database so that every node reports the same figures whichever
/// node did the work (imports and sweeps often run in other processes). No personal data: counts and ages only.
/// </summary>
/// <param name="At">When it was read.</param>
/// <param name="AuditLogSize">Events in the audit log.</param>
/// <param name="AuditCheckpointAge">Since the newest signed checkpoint; null when there is none.</param>
/// <param name="AuditUncheckpointed">Events appended after the newest checkpoint.</param>
/// <param name="SweepAge">Since the last completed retention sweep finished; null when none has.</param>
/// <param name="SweepRunning">Whether a sweep is running (or was interrupted and waits to be resumed).</param>
/// <param name="SweepMaxLateness">The largest lateness the last completed sweep recorded ("never late": should be under one sweep interval).</param>
/// <param name="RequestsOpen">Data-subject requests not yet delivered, refused or closed (as the request queue counts them).</param>
/// <param name="RequestsOverdue">Of those, the ones past their (extended) due date.</param>
/// <param name="ImportsInProgress">Import batches started and not finished (a crashed import stays here until resumed or abandoned).</param>
internal sealed record OperationsSnapshot(
    Instant At,
    long AuditLogSize,
    Duration? AuditCheckpointAge,
    long AuditUncheckpointed,
    Duration? SweepAge,
    bool SweepRunning,
    Duration? SweepMaxLateness,
    int RequestsOpen,
    int RequestsOverdue,
    int ImportsInProgress)
{
    /// <summary>Reads the snapshot: a handful of indexed or single-row queries.</summary>
    public static async Task<OperationsSnapshot> ReadAsync(CustodianDbContext db, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var head = await db.Set<AuditHead>().AsNoTracking().SingleOrDefaultAsync(h => h.Id == AuditHead.SingletonId, ct);
        var lastSweep = await db.Set<RetentionSweepRun>().AsNoTracking()
            .Where(s => s.State == RetentionSweepRun.Completed)
            .OrderByDescending(s => s.FinishedAt)
            .Select(s => new { s.FinishedAt, s.MaxLatenessSeconds })
            .FirstOrDefaultAsync(ct);
        var running = await db.Set<RetentionSweepRun>().AnyAsync(s => s.State == RetentionSweepRun.Running, ct);

        var today = now.InZone(RetentionCalendar.Zone).Date;
        // Open as the request queue counts it (RequestStates.IsOpen): the deadline runs from receipt, verified or not.
        var open = db.Set<DataSubjectRequest>().AsNoTracking().Where(r =>
            r.State != RequestState.Delivered && r.State != RequestState.Refused && r.State != RequestState.Closed);
        var openCount = await open.CountAsync(ct);
        var overdue = await open.CountAsync(r => (r.ExtendedDueOn ?? r.DueOn) < today, ct);
        var imports = await db.Set<ImportBatch>().AsNoTracking().CountAsync(b => b.Status == ImportBatch.InProgress, ct);

        return new OperationsSnapshot(
            now,
            head?.Size ?? 0,
            head?.LastCheckpointAt is { } checkpointAt ? now - checkpointAt : null,
            head is null ? 0 : head.Size - head.LastCheckpointSize,
            lastSweep?.FinishedAt is { } finished ? now - finished : null,
            running,
            lastSweep is null ? null : Duration.FromSeconds(lastSweep.MaxLatenessSeconds),
            openCount,
            overdue,
            imports);
    }
}
