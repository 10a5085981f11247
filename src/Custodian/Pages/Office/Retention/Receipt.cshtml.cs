using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Retention;
using Custodian.Core.Persistence;
using Custodian.Features.Office;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Custodian.Pages.Office.Retention;

/// <summary>
/// One sweep's receipt as the user may see it (<see cref="SweepReceiptView.For"/>): a client-privacy contact only its
/// own organisation's lines, never kept-by-hold counts or partitions. Organisations are named by code, looked up in the
/// request's tenant-scoped context (so a contact could not resolve another organisation's code even by a bug above).
/// </summary>
[Authorize(Policy = Permissions.RetentionRead)]
internal sealed class ReceiptModel(CustodianDbContext db) : PageModel
{
    public SweepReceiptView Receipt { get; private set; } = null!;

    public IReadOnlyDictionary<Guid, string> Organizations { get; private set; } = new Dictionary<Guid, string>();

    public bool Provider => Receipt.View == SweepReceiptView.ProviderView;

    public bool MayReadAudit => HttpContext.Staff().Has(Permissions.AuditRead);

    public string OrganizationCode(Guid id) => Organizations.TryGetValue(id, out var code) ? code : id.ToString();

    public async Task<IActionResult> OnGetAsync(Guid id)
    {
        var staff = HttpContext.Staff();
        var ct = HttpContext.RequestAborted;
        var receipt = await RetentionReceipts.GetAsync(db, staff.TenantScope, id, ct);
        if (receipt is null)
        {
            return NotFound();
        }

        Receipt = receipt;
        var ids = receipt.Deleted.Select(d => d.OrganizationId).Concat(receipt.KeptByHolds?.Select(k => k.OrganizationId) ?? []).Distinct().ToList();
        Organizations = await db.Organizations.AsNoTracking().Where(o => ids.Contains(o.Id)).ToDictionaryAsync(o => o.Id, o => o.Code, ct);
        return Page();
    }
}
