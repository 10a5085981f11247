using Custodian.Core.Features.Register;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Retention;

/// <summary>
/// The retention overview (issue 4 §3): per register category, the rule, the records held now, the oldest record's
/// anchor and age, what the next sweep deletes, the maximum lateness observed and the records kept by holds.
/// </summary>
/// <param name="At">When the overview was made (ISO-8601 UTC).</param>
/// <param name="PlannedFor">The instant <c>dueAtNextSweep</c> is counted for.</param>
/// <param name="PlannedBy"><c>next_scheduled_sweep</c> (the schedule is known) or <c>now</c> (no schedule: sweeps are run by hand or cron).</param>
/// <param name="Schedule">The daily sweep time (<c>03:30 Europe/Amsterdam</c>), null without a schedule.</param>
/// <param name="View"><c>provider</c> or <c>organization</c> (own numbers only; no hold counts).</param>
/// <param name="LatenessWindowDays">How far back the receipts for <c>maxLatenessSeconds</c> go.</param>
/// <param name="Categories">Every register category, in the register's order.</param>
/// <param name="Problems">Register categories the engine cannot sweep (provider view only).</param>
/// <param name="LatestSweepId">The latest completed sweep (its receipt gives <c>keptByHolds</c>); null when none has run.</param>
internal sealed record RetentionOverview(
    string At,
    string PlannedFor,
    string PlannedBy,
    string? Schedule,
    string View,
    int LatenessWindowDays,
    Guid? LatestSweepId,
    IReadOnlyList<RetentionOverviewCategory> Categories,
    IReadOnlyList<RetentionProblem> Problems);

/// <summary>One register category in the overview.</summary>
/// <param name="Category">Register category id.</param>
/// <param name="Rule">The rule in words (<c>six months after the record's time</c>).</param>
/// <param name="Retention">The rule as data: anchor and ISO-8601 periods (as in the register API).</param>
/// <param name="Records">Records (rows, or billing names not yet erased) held now.</param>
/// <param name="NotExpiring">Of those, records whose anchor has not happened (open tickets, running services).</param>
/// <param name="OldestAnchorDay">The earliest anchor day (record time, ticket closing, service end; Europe/Amsterdam) of the records that have one.</param>
/// <param name="OldestAgeDays">Days from that anchor day to today.</param>
/// <param name="DueAtNextSweep">Records expired at <see cref="RetentionOverview.PlannedFor"/> (holds not subtracted: a hold keeps them, the receipt counts them as kept).</param>
/// <param name="MaxLatenessSeconds">The longest a record deleted by the sweeps of the window outlived its expiry; null when no receipt of the window says.</param>
/// <param name="KeptByHolds">Expired records the latest completed sweep left for legal holds (provider view only).</param>
internal sealed record RetentionOverviewCategory(
    string Category,
    string Rule,
    RetentionRuleData Retention,
    long Records,
    long NotExpiring,
    string? OldestAnchorDay,
    long? OldestAgeDays,
    long DueAtNextSweep,
    long? MaxLatenessSeconds,
    long? KeptByHolds);

/// <summary>A retention rule as data: the anchor (<c>record_time</c>, <c>ticket_closed</c>, <c>service_end</c>, <c>client_setting</c>) and ISO-8601 periods.</summary>
internal sealed record RetentionRuleData(string Anchor, string? Period, string? Grace, string? Min, string? Max)
{
    public static RetentionRuleData From(RetentionRule rule) => rule switch
    {
        FixedRetention f => new(RetentionRuleText.Anchor(f.Anchor), f.Period.ToString(), null, null, null),
        UntilServiceEndRetention s => new(RetentionRuleText.Anchor(s.Anchor), null, s.Grace.ToString(), null, null),
        ClientDefinedRetention c => new(RetentionRuleText.Anchor(c.Anchor), null, null, c.Min.ToString(), c.Max.ToString()),
        _ => throw new ArgumentOutOfRangeException(nameof(rule), rule.GetType().Name, "unknown retention rule"),
    };
}

/// <summary>
/// Builds the <see cref="RetentionOverview"/> from the planner's aggregates (no record is loaded) and the receipts.
/// Works on a context of its own (the planner reads provider-wide); a tenant caller's view keeps its own lines only.
/// </summary>
internal sealed class RetentionOverviewBuilder(RetentionPlanner planner, ProcessingRegister register, IDbContextFactory<CustodianDbContext> contexts, TimeProvider time)
{
    public const string ByNextScheduledSweep = "next_scheduled_sweep";
    public const string ByNow = "now";

    /// <summary>Receipts of this many days back give the maximum lateness.</summary>
    public const int LatenessWindowDays = 30;

    /// <param name="scope">The caller's tenancy: provider-wide sees all; otherwise its own organisation's numbers.</param>
    /// <param name="schedule">The sweep schedule when known (serve's, or the settings'); null: the plan is for now.</param>
    /// <param name="ct">Cancellation.</param>
    public async Task<RetentionOverview> BuildAsync(TenantScope scope, SweepSchedule? schedule, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        var plannedFor = schedule?.NextAfter(now) ?? now;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var plan = await planner.PlanAsync(db, plannedFor, ct);
        var (recent, latest) = await RetentionReceipts.RecentAsync(db, now - Duration.FromDays(LatenessWindowDays), ct);

        bool Visible(Guid organizationId) => scope.AllTenants || scope.OrganizationId == organizationId;
        var today = RetentionCalendar.DayOf(now);
        var lines = plan.Lines.Where(l => Visible(l.OrganizationId)).ToList();
        var deleted = recent.SelectMany(r => r.DeletedCounts()).Where(c => Visible(c.OrganizationId)).ToList();
        var kept = scope.AllTenants ? latest?.KeptCounts() : null;

        var categories = register.Categories.Select(c =>
        {
            var mine = lines.Where(l => l.Category == c.Id).ToList();
            var oldest = mine.Where(l => l.OldestAnchorDay is not null).Select(l => l.OldestAnchorDay!.Value).DefaultIfEmpty().Min();
            var hasOldest = mine.Any(l => l.OldestAnchorDay is not null);
            return new RetentionOverviewCategory(
                c.Id,
                RetentionRuleText.Describe(register, c.Retention),
                RetentionRuleData.From(c.Retention),
                mine.Sum(l => l.Due + l.NotYetDue + l.NotExpiring),
                mine.Sum(l => l.NotExpiring),
                hasOldest ? oldest.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) : null,
                hasOldest ? Period.Between(oldest, today, PeriodUnits.Days).Days : null,
                mine.Sum(l => l.Due),
                deleted.Where(d => d.Category == c.Id && d.MaxLatenessSeconds is not null).Select(d => d.MaxLatenessSeconds).Max(),
                kept?.Where(k => k.Category == c.Id).Sum(k => k.Count));
        }).ToList();

        return new RetentionOverview(
            RetentionReceipts.Iso(now),
            RetentionReceipts.Iso(plannedFor),
            schedule is null ? ByNow : ByNextScheduledSweep,
            schedule?.ToString(),
            scope.AllTenants ? SweepReceiptView.ProviderView : SweepReceiptView.OrganizationView,
            LatenessWindowDays,
            latest?.Id,
            categories,
            scope.AllTenants ? plan.Problems : []);
    }
}
