using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Custodian.Core.Common;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Core.Features.Retention;

/// <summary>What a sweep run reports as it goes (a progress bar on a terminal).</summary>
internal interface ISweepProgress
{
    void Deleted(string step, long rows);

    /// <summary>A step (or <c>start</c>, <c>finish</c>) ended after <paramref name="elapsed"/> (the benchmark's breakdown).</summary>
    void StepFinished(string step, TimeSpan elapsed)
    {
    }
}

/// <summary>
/// Runs a retention sweep (issue 4 §1; security.md §3.3): the cutoff is fixed when the sweep starts; the steps run in
/// a fixed order; every batch deletes its records, appends its audit events and advances the stored position in ONE
/// transaction. A sweep interrupted anywhere is resumed by the next run with its original cutoff and ends exactly where
/// an uninterrupted one would: each batch's condition is the state ("expired at the cutoff, not held, still there"),
/// so repeating a batch deletes nothing twice, and nothing whose expiry is after the cutoff is ever selected.
/// </summary>
/// <remarks>
/// Holds are read again for every batch, so a hold placed while a sweep runs protects from the next batch on. One sweep
/// at a time: a database lease (several nodes) and a unique index on the running sweep row.
/// </remarks>
internal sealed partial class RetentionSweeper(
    IDbContextFactory<CustodianDbContext> contexts,
    IAuditTrail audit,
    TimeProvider time,
    ProcessingRegister register,
    IBlobStore blobs,
    RequestHousekeepingOptions? housekeeping = null)
{
    public const string LeaseName = "retention.sweep";

    /// <summary>The step names, in the order a sweep runs them; the first batch of a step starts after the previous step is done.</summary>
    public static IReadOnlyList<string> Steps { get; } =
    [
        .. EventTable.All.Select(t => $"events.{EventPartitions.FamilyName(t.Family)}.months"),
        .. EventTable.All.Select(t => $"events.{EventPartitions.FamilyName(t.Family)}.rows"),
        .. EventTable.All.Select(t => $"events.{EventPartitions.FamilyName(t.Family)}.seal"),
        .. EventTable.All.Select(t => $"events.{EventPartitions.FamilyName(t.Family)}.cluster"),
        EventPartitions.AheadStep,
        RequestHousekeepingStep,
        .. RecordTargets.Select(t => $"records.{t.Name}"),
    ];

    private static readonly AuditActor Actor = new(AuditActorKind.System, "job:retention-sweep");

    /// <summary>When this process last took the lease (null: not held, or lost).</summary>
    private Instant? _leaseRenewedAt;

    /// <summary>The running sweep's lease renewal (null between sweeps).</summary>
    private JobLeaseHeartbeat? _heartbeat;

    /// <summary>Rows per batch of individual deletions.</summary>
    public int BatchSize { get; init; } = 10_000;

    /// <summary>Five minutes, or <see cref="JobLeases.LeaseSecondsVariable"/>; renewed every third of it while the sweep runs (<see cref="JobLeaseHeartbeat"/>).</summary>
    public Duration LeaseDuration { get; init; } = JobLeases.Length(Duration.FromMinutes(5));

    /// <summary>Who holds the lease while this process sweeps.</summary>
    public string Holder { get; init; } = JobLeases.ProcessHolder();

    /// <summary>The same sweeper with another batch size.</summary>
    public RetentionSweeper WithBatchSize(int rows) =>
        new(contexts, audit, time, register, blobs, housekeeping) { BatchSize = rows, LeaseDuration = LeaseDuration, Holder = Holder };

    /// <summary>
    /// Runs (or resumes) a sweep to its end. Returns null when another process holds the sweep lease.
    /// </summary>
    public Task<RetentionSweepRun?> RunAsync(ISweepProgress? progress, CancellationToken ct) => RunForSlotAsync(progress, null, ct);

    /// <summary>
    /// As <see cref="RunAsync"/>, but a scheduled caller passes the moment its slot
    /// began (<paramref name="unlessStartedSince"/>): when, under the lease, no sweep is waiting to be resumed and one
    /// already started at or after that moment, another node has swept this slot and nothing runs (returns null). The
    /// lease makes the check race-free: a node that finished the slot's sweep released the lease only after committing it.
    /// </summary>
    public async Task<RetentionSweepRun?> RunForSlotAsync(ISweepProgress? progress, Instant? unlessStartedSince, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.ScopeTo(TenantScope.Everything);
        if (!await RenewLeaseAsync(db, ct))
        {
            return null;
        }

        // Renewed on its own connection every third of the lease while any step runs, however long one statement takes
        // (a month's sorted copy); the steps run on its token, which it cancels when the lease is lost.
        var heartbeat = JobLeaseHeartbeat.Start(contexts, LeaseName, Holder, LeaseDuration, time, _leaseRenewedAt!.Value, ct);
        _heartbeat = heartbeat;
        var failed = false;
        try
        {
            return await SweepUnderLeaseAsync(db, progress, unlessStartedSince, heartbeat.Token);
        }
        catch (OperationCanceledException) when (heartbeat.Lost && !ct.IsCancellationRequested)
        {
            failed = true;
            throw heartbeat.LostException("retention");
        }
        catch
        {
            failed = true;
            throw;
        }
        finally
        {
            await heartbeat.DisposeAsync();
            _heartbeat = null;
            try
            {
                await JobLeases.ReleaseAsync(db, LeaseName, Holder, Now(), CancellationToken.None);
            }
            catch (Exception) when (failed)
            {
                // The sweep already failed (typically the database went away): its error is the one to report, and the
                // lease simply runs out (or this holder takes it again at its next try).
            }
        }
    }

    private async Task<RetentionSweepRun?> SweepUnderLeaseAsync(CustodianDbContext db, ISweepProgress? progress, Instant? unlessStartedSince, CancellationToken ct)
    {
        if (unlessStartedSince is { } since
            && !await db.Set<RetentionSweepRun>().AnyAsync(s => s.State == RetentionSweepRun.Running, ct)
            && await db.Set<RetentionSweepRun>().AnyAsync(s => s.StartedAt >= since, ct))
        {
            return null;
        }

        // Durations for the progress report only (a monotonic clock, not the sweep's time): the benchmark's breakdown.
        var started = Stopwatch.GetTimestamp();
        var run = await StartOrResumeAsync(db, ct);
        FailPoints.Hit("retention.sweep.started");
        progress?.StepFinished("start", Stopwatch.GetElapsedTime(started));
        foreach (var step in Steps.SkipWhile(s => run.Step is not null && s != run.Step))
        {
            // The new step is stored with its first batch (a step that finds nothing writes nothing): a sweep
            // resumed after a crash repeats the steps after the stored one, which is safe (each batch's condition
            // is the state) and cheap (they found nothing).
            var stepStarted = Stopwatch.GetTimestamp();
            if (run.Step != step)
            {
                run.Step = step;
                run.Cursor = null;
            }

            await FailPoints.HitAsync("retention.step." + step, ct);
            await RunStepAsync(db, run, step, progress, ct);
            progress?.StepFinished(step, Stopwatch.GetElapsedTime(stepStarted));
        }

        var finishing = Stopwatch.GetTimestamp();
        await FinishAsync(db, run, ct);
        progress?.StepFinished("finish", Stopwatch.GetElapsedTime(finishing));
        return run;
    }

    /// <summary>The expiry of an event record that started at <paramref name="start"/>, by the family's register rule.</summary>
    public Instant EventExpiry(EventTable table, Instant start) => EventSchedule(table).Expiry(RetentionCalendar.DayOf(start));

    private async Task<RetentionSweepRun> StartOrResumeAsync(CustodianDbContext db, CancellationToken ct)
    {
        var running = await db.Set<RetentionSweepRun>().SingleOrDefaultAsync(s => s.State == RetentionSweepRun.Running, ct);
        if (running is not null)
        {
            running.Attempts++;
            await db.SaveChangesAsync(ct);
            return running;
        }

        var now = Now();
        var run = new RetentionSweepRun { Cutoff = now, StartedAt = now, Step = Steps[0] };
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.Add(run);
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(db, new AuditEntry(
            "retention.sweep_started", Actor, null, [new AuditObject("retention_sweep", run.Id.ToString())],
            Details: new Dictionary<string, string> { ["cutoff"] = InstantPattern.ExtendedIso.Format(run.Cutoff) }), ct);
        run.AuditFirstSeq = run.AuditLastSeq = await AuditStore.SizeAsync(db, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return run;
    }

    private Task RunStepAsync(CustodianDbContext db, RetentionSweepRun run, string step, ISweepProgress? progress, CancellationToken ct)
    {
        if (step == EventPartitions.AheadStep)
        {
            return EnsurePartitionsAheadAsync(db, run, ct);
        }

        if (step == RequestHousekeepingStep)
        {
            return RunRequestHousekeepingAsync(db, run, progress, ct);
        }

        if (RecordTargets.FirstOrDefault(t => step == $"records.{t.Name}") is { } target)
        {
            return target.Removal == RetentionRemoval.DeleteRequests
                ? DeleteExpiredRequestsAsync(db, run, target, progress, ct)
                : DeleteExpiredRecordsAsync(db, run, target, progress, ct);
        }

        foreach (var table in EventTable.All)
        {
            var family = EventPartitions.FamilyName(table.Family);
            if (step == $"events.{family}.months")
            {
                return DropExpiredMonthsAsync(db, run, table, progress, ct);
            }

            if (step == $"events.{family}.rows")
            {
                return DeleteExpiredEventRowsAsync(db, run, table, progress, ct);
            }

            if (step == $"events.{family}.seal")
            {
                return SealMonthsAsync(db, run, table, ct);
            }

            if (step == $"events.{family}.cluster")
            {
                return RewriteMonthsAsync(db, run, table, ct);
            }
        }

        throw new InvalidOperationException($"unknown sweep step '{step}'");
    }

    /// <summary>Housekeeping: the partitions of the sweep's month and the next <see cref="EventPartitions.MonthsAhead"/> exist.</summary>
    private static async Task EnsurePartitionsAheadAsync(CustodianDbContext db, RetentionSweepRun run, CancellationToken ct) =>
        await EventPartitions.EnsureAheadAsync(db, run.Cutoff, ct);

    /// <summary>
    /// Whole months whose every possible record has expired at the cutoff go by DROP, oldest first, one month per
    /// transaction: rows a hold covers are copied to the held table first, in the same transaction.
    /// </summary>
    private async Task DropExpiredMonthsAsync(
        CustodianDbContext db, RetentionSweepRun run, EventTable table, ISweepProgress? progress, CancellationToken ct)
    {
        var category = EventCategory(table);
        var before = RetentionCutoff.For(EventSchedule(table), run.Cutoff).AnchorBefore;
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var connection = db.Database.GetDbConnection();
            // A sealed SQLite month dropped by a sweep that died before removing its file, and erasures in sealed
            // months that died between their two commits, are finished first (EventMonthFiles).
            await EventRetention.FinishFileErasuresAsync(connection, ct);
            FinishFileDrops(connection);
            var months = await EventPartitions.ExistingMonthsAsync(connection, null, table, ct);
            foreach (var month in months.Where(m => MonthStart(m.PlusMonths(1)) <= before))
            {
                await RenewLeaseOrThrowAsync(db, ct);
                await using var tx = await db.Database.BeginTransactionAsync(ct);
                var sql = new EventRetention(connection, tx.GetDbTransaction());
                var sources = (await EventPartitions.SourcesAsync(connection, tx.GetDbTransaction(), table, ct)).Where(s => s.Month == month).ToList();
                var scopes = EventHoldScope.Of(await LegalHolds.ActiveAtAsync(db, Now(), ct), category);
                // Detached only when rows must move to the held table (the DEFAULT partition refuses them otherwise);
                // without holds the partition is dropped as it is, like the bare DROP.
                if (scopes.Count > 0)
                {
                    await sql.DetachMonthAsync(table, month, ct);
                }

                var kept = new List<EventDeletion>();
                long preserved = 0;
                foreach (var source in sources)
                {
                    kept.AddRange(await sql.CountHeldAsync(table, source.Table, scopes, ct));
                    preserved += await sql.PreserveHeldAsync(table, source.Table, scopes, ct);
                }

                FailPoints.Hit("retention.month.preserved");
                // Every row of the month per organisation, from the totals kept with every write (no scan of the month).
                var all = (await EventMonthTotals.ReadMonthAsync(connection, tx.GetDbTransaction(), table, month, ct))
                    .Select(t => new EventDeletion(t.OrganizationId, t.Rows, t.EarliestStart))
                    .ToList();
                await sql.DropMonthAsync(table, month, sources.Any(s => s.Sealed), ct);
                FailPoints.Hit("retention.month.dropped");

                // What went is every row minus the copies kept for holds, per organisation.
                var counts = all
                    .Select(c => c with { Rows = c.Rows - kept.Where(k => k.OrganizationId == c.OrganizationId).Sum(k => k.Rows) })
                    .Where(c => c.Rows > 0)
                    .ToList();
                var total = counts.Sum(c => c.Rows);
                run.AddDropped(new DroppedPartition(
                    EventPartitions.FamilyName(table.Family), month.ToString("yyyy-MM", CultureInfo.InvariantCulture), total, preserved));
                foreach (var c in counts)
                {
                    run.Count(category, c.OrganizationId, c.Rows, run.Cutoff - EventExpiry(table, c.EarliestStart));
                }

                await AuditDeletionsAsync(db, run, category, "retention.month_dropped", counts, new Dictionary<string, string>
                {
                    ["month"] = month.ToString("yyyy-MM", CultureInfo.InvariantCulture),
                    ["table"] = table.Name,
                    ["preserved_for_holds"] = preserved.ToString(CultureInfo.InvariantCulture),
                }, ct);
                run.Cursor = month.ToString("yyyy-MM", CultureInfo.InvariantCulture);
                run.Batches++;
                await db.SaveChangesAsync(ct);
                FailPoints.Hit("retention.month.before_commit");
                await tx.CommitAsync(ct);
                FailPoints.Hit("retention.month.committed");
                FinishFileDrops(connection);
                progress?.Deleted(run.Step!, total);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// Expired rows of months that are only partly expired, and of the held table once holds no longer cover them, go
    /// by batched deletes.
    /// </summary>
    private async Task DeleteExpiredEventRowsAsync(
        CustodianDbContext db, RetentionSweepRun run, EventTable table, ISweepProgress? progress, CancellationToken ct)
    {
        var category = EventCategory(table);
        var before = RetentionCutoff.For(EventSchedule(table), run.Cutoff).AnchorBefore;
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var connection = db.Database.GetDbConnection();
            var all = await EventPartitions.SourcesAsync(connection, null, table, ct);
            foreach (var file in all.Where(s => s.Sealed && MonthStart(s.Month) < before))
            {
                await DeleteExpiredInFileAsync(db, run, table, file, before, progress, ct);
            }

            var sources = all.Where(s => !s.Sealed && MonthStart(s.Month) < before)
                .Select(s => ((YearMonth?)s.Month, s.Table))
                .Append((null, table.HeldTable));
            foreach (var (month, source) in sources)
            {
                // A month whose earliest start (a lower bound, kept with every write) is not before the bound has no
                // expired row: nothing to read. The held table is small and has no totals.
                if (month is { } m && (await EventMonthTotals.EarliestAsync(connection, null, table, m, ct) is not { } earliest || earliest >= before))
                {
                    continue;
                }

                while (true)
                {
                    await RenewLeaseOrThrowAsync(db, ct);
                    await using var tx = await db.Database.BeginTransactionAsync(ct);
                    var sql = new EventRetention(db.Database.GetDbConnection(), tx.GetDbTransaction());
                    var scopes = EventHoldScope.Of(await LegalHolds.ActiveAtAsync(db, Now(), ct), category);
                    var deleted = await sql.DeleteExpiredAsync(table, source, before, scopes, BatchSize, ct);
                    FailPoints.Hit("retention.rows.deleted");
                    var rows = deleted.Sum(d => d.Rows);

                    // Without holds, a batch short of its limit leaves no expired row in the month: the earliest start
                    // of what is left is at least the bound, so later sweeps skip the month until it has expired rows.
                    var monthClean = month is not null && scopes.Count == 0 && rows < BatchSize;
                    if (rows == 0)
                    {
                        if (monthClean)
                        {
                            await EventMonthTotals.RaiseEarliestAsync(connection, tx.GetDbTransaction(), table, month!.Value, before, ct);
                            await tx.CommitAsync(ct);
                        }
                        else
                        {
                            await tx.RollbackAsync(ct);
                        }

                        break;
                    }

                    if (month is { } deletedFrom)
                    {
                        await EventMonthTotals.SubtractAsync(connection, tx.GetDbTransaction(), table, deletedFrom, deleted.Select(d => (d.OrganizationId, d.Rows)), ct);
                        if (monthClean)
                        {
                            await EventMonthTotals.RaiseEarliestAsync(connection, tx.GetDbTransaction(), table, deletedFrom, before, ct);
                        }
                    }

                    foreach (var d in deleted)
                    {
                        run.Count(category, d.OrganizationId, d.Rows, run.Cutoff - EventExpiry(table, d.EarliestStart));
                    }

                    await AuditDeletionsAsync(db, run, category, "retention.deleted", deleted, new Dictionary<string, string> { ["table"] = source }, ct);
                    FailPoints.Hit("retention.rows.audited");
                    run.Cursor = source;
                    run.Batches++;
                    await db.SaveChangesAsync(ct);
                    await tx.CommitAsync(ct);
                    FailPoints.Hit("retention.rows.committed");
                    progress?.Deleted(run.Step!, rows);
                    if (rows < BatchSize)
                    {
                        break;
                    }
                }
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>One audit event per organisation whose records went in this batch, then the sweep's audit position.</summary>
    private async Task AuditDeletionsAsync(
        CustodianDbContext db,
        RetentionSweepRun run,
        string category,
        string action,
        IReadOnlyList<EventDeletion> deletions,
        IReadOnlyDictionary<string, string> details,
        CancellationToken ct)
    {
        foreach (var d in deletions)
        {
            var all = new Dictionary<string, string>(details, StringComparer.Ordinal)
            {
                ["category"] = category,
                ["count"] = d.Rows.ToString(CultureInfo.InvariantCulture),
                ["cutoff"] = InstantPattern.ExtendedIso.Format(run.Cutoff),
            };
            await audit.AppendAsync(db, new AuditEntry(action, Actor, d.OrganizationId, [new AuditObject("retention_sweep", run.Id.ToString())], Details: all), ct);
        }

        run.AuditLastSeq = await AuditStore.SizeAsync(db, ct);
    }

    private async Task FinishAsync(CustodianDbContext db, RetentionSweepRun run, CancellationToken ct)
    {
        FailPoints.Hit("retention.sweep.finishing");
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            var counts = run.DeletedCounts();
            await audit.AppendAsync(db, new AuditEntry(
                "retention.sweep_completed", Actor, null, [new AuditObject("retention_sweep", run.Id.ToString())],
                Details: new Dictionary<string, string>
                {
                    ["cutoff"] = InstantPattern.ExtendedIso.Format(run.Cutoff),
                    ["deleted"] = counts.Sum(c => c.Count).ToString(CultureInfo.InvariantCulture),
                    ["partitions_dropped"] = run.DroppedPartitions().Count.ToString(CultureInfo.InvariantCulture),
                    ["batches"] = run.Batches.ToString(CultureInfo.InvariantCulture),
                    ["attempts"] = run.Attempts.ToString(CultureInfo.InvariantCulture),
                }), ct);
            run.AuditLastSeq = await AuditStore.SizeAsync(db, ct);
            run.State = RetentionSweepRun.Completed;
            run.Step = null;
            run.Cursor = null;
            run.FinishedAt = Now();
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }

        // Deleted pages are zeroed (secure_delete) in the WAL; the checkpoint writes them over the main file and the
        // truncation removes the WAL's copies, so nothing deleted stays readable in either file.
        if (!db.Database.IsNpgsql())
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE)", ct);
        }
    }

    private async Task<bool> RenewLeaseAsync(CustodianDbContext db, CancellationToken ct)
    {
        var now = Now();
        _leaseRenewedAt = null;
        if (await JobLeases.TryAcquireAsync(db, LeaseName, Holder, now + LeaseDuration, now, ct))
        {
            _leaseRenewedAt = now;
            return true;
        }

        // A sweep killed on this machine (kill -9, power cut) left its lease running: take it over instead of waiting.
        if (await JobLeases.HolderAsync(db, LeaseName, now, ct) is { } other
            && JobLeases.IsDeadLocalHolder(other)
            && await JobLeases.TakeOverAsync(db, LeaseName, other, Holder, now + LeaseDuration, ct))
        {
            _leaseRenewedAt = now;
            return true;
        }

        return false;
    }

    /// <summary>
    /// Between batches and months: stops the sweep when the heartbeat found the lease lost. The renewal itself is the
    /// heartbeat's (on its own connection, also while one statement runs for minutes), not a write per batch.
    /// </summary>
#pragma warning disable IDE0060, CA1822 // kept with the call sites' shape: one place decides how a step checks its lease
    private Task RenewLeaseOrThrowAsync(CustodianDbContext db, CancellationToken ct)
#pragma warning restore IDE0060, CA1822
    {
        if (_heartbeat is { Lost: true } heartbeat)
        {
            throw heartbeat.LostException("retention");
        }

        ct.ThrowIfCancellationRequested();
        return Task.CompletedTask;
    }

    private RetentionSchedule EventSchedule(EventTable table) =>
        register.Category(EventCategory(table)).Retention is FixedRetention { Anchor: RetentionAnchor.RecordTime } rule
            ? RetentionSchedule.For(rule)
            : throw new InvalidOperationException($"the register's rule for {EventCategory(table)} must be a fixed period from the record's time");

    /// <summary>The register category of a family's records: the category its personal columns are marked with.</summary>
    internal static string EventCategory(EventTable table) =>
        table.RecordType.GetProperties()
            .Select(p => p.GetCustomAttribute<PersonalDataAttribute>()?.Category)
            .First(c => c is not null)!;

    /// <summary>Where a UTC month partition begins (and the previous one ends: its rows all started before this).</summary>
    private static Instant MonthStart(YearMonth month) => month.OnDayOfMonth(1).AtStartOfDayInZone(DateTimeZone.Utc).ToInstant();

    private Instant Now() => Instant.FromDateTimeOffset(time.GetUtcNow());
}
