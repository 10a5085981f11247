using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Retention;
using Custodian.Core.Persistence;
using Custodian.Features.Office;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Custodian.Pages.Office.Retention;

/// <summary>
/// The retention overview (per category: rule, records, oldest age, due at the next sweep, maximum lateness, kept by
/// holds) and the sweep receipts, newest first, a page at a time (<c>?after=</c> the last receipt of the previous page).
/// </summary>
[Authorize(Policy = Permissions.RetentionRead)]
internal sealed class RetentionModel(RetentionOverviewBuilder overview, CustodianDbContext db, ProcessingRegister register) : PageModel
{
    public const int PageSize = 20;

    public RetentionOverview Overview { get; private set; } = null!;

    public IReadOnlyList<SweepReceiptView> Receipts { get; private set; } = [];

    /// <summary>The <c>after</c> of the next page; null on the last.</summary>
    public Guid? NextAfter { get; private set; }

    public bool Paged { get; private set; }

    public ProcessingRegister Register => register;

    public bool Provider => Overview.View == SweepReceiptView.ProviderView;

    public bool MayReadHolds => HttpContext.Staff().Has(Permissions.HoldsRead);

    public async Task OnGetAsync(Guid? after)
    {
        var staff = HttpContext.Staff();
        var ct = HttpContext.RequestAborted;
        Overview = await overview.BuildAsync(staff.TenantScope, HttpContext.RequestServices.GetService<SweepSchedule>(), ct);
        var page = await RetentionReceipts.ListAsync(db, staff.TenantScope, after, PageSize + 1, ct);
        Receipts = [.. page.Take(PageSize)];
        NextAfter = page.Count > PageSize ? Receipts[^1].Id : null;
        Paged = after is not null;
    }
}
