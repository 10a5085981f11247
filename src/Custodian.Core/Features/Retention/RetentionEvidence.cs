using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Core.Features.Retention;

/// <summary>
/// A sweep's receipt as a caller may see it (issue 4 §3). No personal data: counts, category ids, organisation ids.
/// <para>Provider-wide callers (<see cref="TenantScope.AllTenants"/>) see everything. Anyone else sees the sweep's
/// times, state, attempts and audit positions (the audit log is log-wide public to any key), and only the lines of its
/// own organisation; <c>batches</c>, <c>partitionsDropped</c> and the totals across tenants are left out (null).
/// <c>keptByHolds</c> is left out for them too: an authority-basis hold (126ni Sv, Tw 13.5) must not become visible to
/// the organisation through the records it keeps, and a receipt does not say which hold kept what.</para>
/// </summary>
/// <param name="Id">The sweep.</param>
/// <param name="View"><c>provider</c> (everything) or <c>organization</c> (own lines only).</param>
/// <param name="State"><c>running</c> or <c>completed</c>.</param>
/// <param name="Cutoff">Everything expired at this instant went (ISO-8601 UTC); fixed when the sweep started.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="FinishedAt">When it finished; null while running.</param>
/// <param name="Attempts">Runs it took (more than one: it was interrupted and resumed).</param>
/// <param name="Batches">Transactions it committed (provider view only).</param>
/// <param name="AuditFirstSeq">Its first audit position (the <c>retention.sweep_started</c> event).</param>
/// <param name="AuditLastSeq">Its last audit position so far.</param>
/// <param name="Deleted">Records deleted per category and organisation, with their maximum lateness.</param>
/// <param name="KeptByHolds">Expired records kept by legal holds per category and organisation (provider view only).</param>
/// <param name="PartitionsDropped">Month partitions dropped whole (provider view only).</param>
/// <param name="Totals">Sums of the lines shown.</param>
/// <param name="MaxLatenessSeconds">Provider: the sweep's; organisation: the longest of its own deleted lines (null when those lines predate per-line lateness).</param>
internal sealed record SweepReceiptView(
    Guid Id,
    string View,
    string State,
    string Cutoff,
    string StartedAt,
    string? FinishedAt,
    int Attempts,
    int? Batches,
    long? AuditFirstSeq,
    long? AuditLastSeq,
    long? MaxLatenessSeconds,
    IReadOnlyList<SweepCount> Deleted,
    IReadOnlyList<SweepCount>? KeptByHolds,
    IReadOnlyList<DroppedPartition>? PartitionsDropped,
    SweepTotals Totals)
{
    public const string ProviderView = "provider";
    public const string OrganizationView = "organization";

    public static SweepReceiptView For(RetentionSweepRun run, TenantScope scope)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(scope);
        var receipt = SweepReceipt.From(run);
        if (scope.AllTenants)
        {
            return new(run.Id, ProviderView, receipt.State, receipt.Cutoff, receipt.StartedAt, receipt.FinishedAt, run.Attempts, run.Batches,
                run.AuditFirstSeq, run.AuditLastSeq, run.MaxLatenessSeconds, receipt.Deleted, receipt.KeptByHolds, receipt.PartitionsDropped,
                new SweepTotals(receipt.Deleted.Sum(c => c.Count), receipt.KeptByHolds.Sum(c => c.Count), receipt.PartitionsDropped.Count));
        }

        var own = receipt.Deleted.Where(c => c.OrganizationId == scope.OrganizationId).ToList();
        return new(run.Id, OrganizationView, receipt.State, receipt.Cutoff, receipt.StartedAt, receipt.FinishedAt, run.Attempts, null,
            run.AuditFirstSeq, run.AuditLastSeq, own.Max(c => c.MaxLatenessSeconds), own, null, null,
            new SweepTotals(own.Sum(c => c.Count), null, null));
    }
}

/// <param name="Deleted">Records deleted (of the lines shown).</param>
/// <param name="KeptByHolds">Expired records kept by holds (provider view only).</param>
/// <param name="PartitionsDropped">Month partitions dropped (provider view only).</param>
internal sealed record SweepTotals(long Deleted, long? KeptByHolds, int? PartitionsDropped);

/// <summary>Reading sweep receipts (the <c>retention_sweeps</c> rows), newest first. Reads are not audited: receipts hold no personal data.</summary>
internal static class RetentionReceipts
{
    /// <summary>A page of receipts, newest first; <paramref name="after"/>: the last id of the previous page.</summary>
    public static async Task<IReadOnlyList<SweepReceiptView>> ListAsync(CustodianDbContext db, TenantScope scope, Guid? after, int limit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var query = db.Set<RetentionSweepRun>().AsNoTracking();
        if (after is { } a)
        {
            query = query.Where(s => s.Id.CompareTo(a) < 0);
        }

        var runs = await query.OrderByDescending(s => s.Id).Take(limit).ToListAsync(ct);
        return [.. runs.Select(r => SweepReceiptView.For(r, scope))];
    }

    public static async Task<SweepReceiptView?> GetAsync(CustodianDbContext db, TenantScope scope, Guid id, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var run = await db.Set<RetentionSweepRun>().AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, ct);
        return run is null ? null : SweepReceiptView.For(run, scope);
    }

    /// <summary>The sweeps started at or after <paramref name="since"/> (for the overview's lateness), and the latest completed one.</summary>
    internal static async Task<(IReadOnlyList<RetentionSweepRun> Recent, RetentionSweepRun? LatestCompleted)> RecentAsync(
        CustodianDbContext db, Instant since, CancellationToken ct)
    {
        var recent = await db.Set<RetentionSweepRun>().AsNoTracking().Where(s => s.StartedAt >= since).ToListAsync(ct);
        var latest = await db.Set<RetentionSweepRun>().AsNoTracking()
            .Where(s => s.State == RetentionSweepRun.Completed)
            .OrderByDescending(s => s.StartedAt)
            .FirstOrDefaultAsync(ct);
        return (recent, latest);
    }

    internal static string Iso(Instant instant) => InstantPattern.ExtendedIso.Format(instant);
}
