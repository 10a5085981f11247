using System.Globalization;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Breaches;
using Custodian.Core.Features.Dashboard;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Requests.Queue;
using Custodian.Core.Features.Retention;
using Custodian.Core.Persistence;
using Custodian.Features.Office;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace Custodian.Pages.Office.Dashboard;

/// <summary>
/// The dashboard (issue 5 §2): retention status per category, records per category and age (server-drawn SVG), the
/// last fortnight's imports and sweeps, the audit trail's state. A client-privacy contact gets its organisation's
/// figures only (<see cref="DashboardQuery"/> with its tenant scope), never hold counts.
/// </summary>
[Authorize(Policy = Permissions.DashboardRead)]
internal sealed class DashboardModel(
    DashboardQuery query, BreachQueries breaches, ProcessingRegister register, IStringLocalizer<OfficeResource> texts, CustodianDbContext db, TimeProvider time) : PageModel
{
    public DashboardView View { get; private set; } = null!;

    public ProcessingRegister Register => register;

    public bool Provider => View.View == SweepReceiptView.ProviderView;

    /// <summary>Whether the sweeps link to their receipts (the receipt page needs <c>retention:read</c>).</summary>
    public bool LinksReceipts => HttpContext.Staff().Has(Permissions.RetentionRead);

    public string Chart { get; private set; } = "";

    /// <summary>Open requests by state and deadline, for users with <c>requests:read</c>; null for others.</summary>
    public RequestQueueCounts? Requests { get; private set; }

    /// <summary>Open breaches with both clocks, for users with <c>breaches:read</c>; null for others.</summary>
    public IReadOnlyList<BreachSummary>? OpenBreaches { get; private set; }

    public async Task OnGetAsync()
    {
        var staff = HttpContext.Staff();
        if (staff.Has(Permissions.BreachesRead))
        {
            OpenBreaches = await breaches.ListAsync(openOnly: true, HttpContext.RequestAborted);
        }

        if (staff.Has(Permissions.RequestsRead))
        {
            Requests = await RequestQueueSummary.CountAsync(db, staff.TenantScope, NodaTime.Instant.FromDateTimeOffset(time.GetUtcNow()), HttpContext.RequestAborted);
        }

        View = await query.BuildAsync(staff.TenantScope, HttpContext.RequestServices.GetService<SweepSchedule>(), HttpContext.RequestAborted);
        Chart = AgeChart.Render(
            View.Ages,
            new AgeChartLabels(
                texts["AgeChartTitle"],
                texts["AgeChartDescription"],
                texts["AgeChartAxis"],
                texts["AgeChartEmpty"],
                id => id,
                band => texts["AgeBand_" + band.Key]),
            "record-ages",
            CultureInfo.CurrentCulture);
    }
}
