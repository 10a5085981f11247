using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Dashboard;

/// <summary>
/// The back office's dashboard (issue 5 §2), as data. Open data-subject requests are not part of it yet: requests do
/// not exist until issue 6, and the dashboard does not pretend they do.
/// </summary>
/// <param name="At">When it was made.</param>
/// <param name="View"><c>provider</c> (everything) or <c>organization</c> (one tenant's own numbers; no hold counts, no other tenant's imports).</param>
/// <param name="WindowDays">How many days back <see cref="Imports"/> and <see cref="Sweeps"/> go.</param>
/// <param name="Retention">Per register category: due at the next sweep, kept by holds (provider only), maximum lateness; the retention overview as is.</param>
/// <param name="Ages">Records per category and age band, for the chart (<see cref="AgeChart"/>).</param>
/// <param name="Imports">Import batches of the window.</param>
/// <param name="Sweeps">Retention sweeps of the window.</param>
/// <param name="Audit">The audit trail's state.</param>
internal sealed record DashboardView(
    Instant At,
    string View,
    int WindowDays,
    RetentionOverview Retention,
    RecordAges Ages,
    DashboardImports Imports,
    IReadOnlyList<DashboardSweep> Sweeps,
    AuditStatus Audit);

/// <summary>Imports of the window: totals and the batches, newest first.</summary>
internal sealed record DashboardImports(int Batches, long RowsImported, long RowsRejected, IReadOnlyList<DashboardImportBatch> Recent);

/// <summary>One import batch. <see cref="FileName"/> is the operator's and shown to the provider only (null for a tenant).</summary>
internal sealed record DashboardImportBatch(
    Guid Id, string Kind, string? FileName, string Status, long RowsImported, long RowsRejected, Instant StartedAt, Instant? FinishedAt);

/// <summary>
/// One sweep: deleted records (a tenant: its own), records kept by holds (provider only, null for a tenant) and the
/// maximum lateness (a tenant: of its own lines). The receipt itself: <see cref="RetentionReceipts.GetAsync"/>.
/// </summary>
internal sealed record DashboardSweep(
    Guid Id, string State, Instant StartedAt, Instant? FinishedAt, int Attempts, long Deleted, long? KeptByHolds, long? MaxLatenessSeconds);

/// <summary>
/// Builds the <see cref="DashboardView"/> for a caller's tenancy. Cost per call: the retention overview (the planner's
/// aggregates), one aggregate per retention target for the ages, <see cref="EventMonthCounts.CountAsync"/> per event
/// table, and indexed reads of the window's imports and sweeps and of the audit head.
/// </summary>
internal sealed class DashboardQuery(
    RetentionOverviewBuilder overview,
    AuditOperations audit,
    ProcessingRegister register,
    IDbContextFactory<CustodianDbContext> contexts,
    TimeProvider time)
{
    public const int WindowDays = 14;

    /// <param name="scope">The caller's tenancy (a client-organisation contact: its organisation; staff: <see cref="TenantScope.Everything"/>).</param>
    /// <param name="schedule">The sweep schedule when known (the host's <c>SweepSchedule</c> service), for "due at the next sweep".</param>
    /// <param name="ct">Cancellation.</param>
    public async Task<DashboardView> BuildAsync(TenantScope scope, SweepSchedule? schedule, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        var since = now - Duration.FromDays(WindowDays);
        var retention = await overview.BuildAsync(scope, schedule, ct);

        await using var db = await contexts.CreateDbContextAsync(ct);
        db.ScopeTo(scope.AllTenants || scope.OrganizationId is not null ? scope : TenantScope.None);
        var ages = await RecordAgeCounter.CountAsync(db, register, scope, now, ct);
        var imports = await ImportsAsync(db, scope, since, ct);
        var sweeps = await SweepsAsync(db, scope, since, ct);
        var status = await audit.StatusAsync(ct);
        return new DashboardView(
            now,
            scope.AllTenants ? SweepReceiptView.ProviderView : SweepReceiptView.OrganizationView,
            WindowDays,
            retention,
            ages,
            imports,
            sweeps,
            status);
    }

    /// <summary>
    /// Batches started in the window, and older ones still running. A tenant sees only the batches imported for its
    /// organisation (<c>--tenant</c>): a batch that took each row's organisation from the file mixes organisations, and
    /// its counts would tell one client about another's volume.
    /// </summary>
    private static async Task<DashboardImports> ImportsAsync(CustodianDbContext db, TenantScope scope, Instant since, CancellationToken ct)
    {
        if (!scope.AllTenants && scope.OrganizationId is null)
        {
            return new DashboardImports(0, 0, 0, []);
        }

        var query = db.Set<ImportBatch>().AsNoTracking()
            .Where(b => b.StartedAt >= since || b.Status == ImportBatch.InProgress || b.Status == ImportBatch.Abandoning);
        if (scope.OrganizationId is { } tenant)
        {
            var key = tenant.ToString();
            query = query.Where(b => b.ScopeKey == key);
        }

        var batches = (await query.ToListAsync(ct)).OrderByDescending(b => b.StartedAt).ThenByDescending(b => b.Id).ToList();
        return new DashboardImports(
            batches.Count,
            batches.Sum(b => b.RowsImported),
            batches.Sum(b => b.RowsRejected),
            [.. batches.Select(b => new DashboardImportBatch(
                b.Id, b.Kind, scope.AllTenants ? b.FileName : null, b.Status, b.RowsImported, b.RowsRejected, b.StartedAt, b.CompletedAt ?? b.AbandonedAt))]);
    }

    /// <summary>Sweeps started in the window (indexed on <c>started_at</c>), newest first, as the caller may see their receipts.</summary>
    private static async Task<IReadOnlyList<DashboardSweep>> SweepsAsync(CustodianDbContext db, TenantScope scope, Instant since, CancellationToken ct)
    {
        if (!scope.AllTenants && scope.OrganizationId is null)
        {
            return [];
        }

        var runs = await db.Set<RetentionSweepRun>().AsNoTracking().Where(s => s.StartedAt >= since).ToListAsync(ct);
        return [.. runs.OrderByDescending(r => r.StartedAt).ThenByDescending(r => r.Id).Select(r =>
        {
            var receipt = SweepReceiptView.For(r, scope);
            return new DashboardSweep(r.Id, r.State, r.StartedAt, r.FinishedAt, r.Attempts, receipt.Totals.Deleted, receipt.Totals.KeptByHolds, receipt.MaxLatenessSeconds);
        })];
    }
}
