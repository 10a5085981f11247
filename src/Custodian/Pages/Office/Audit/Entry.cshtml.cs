using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Audit;
using Custodian.Features.Office;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Custodian.Pages.Office.Audit;

/// <summary>One audit event with its inclusion proof in the tree of the latest signed checkpoint (RFC 6962).</summary>
[Authorize(Policy = Permissions.AuditRead)]
internal sealed class EntryModel(AuditSearch search) : PageModel
{
    public AuditEntryView Entry { get; private set; } = null!;

    /// <summary>Null when no checkpoint covers the event yet.</summary>
    public AuditInclusion? Inclusion { get; private set; }

    public async Task<IActionResult> OnGetAsync(long seq)
    {
        var staff = HttpContext.Staff();
        var reader = new AuditReader(staff.TenantScope, staff.Has(Permissions.HoldsLawful));
        var ct = HttpContext.RequestAborted;
        var entry = await search.GetAsync(reader, seq, ct);
        if (entry is null)
        {
            return NotFound();
        }

        Entry = entry;
        Inclusion = await search.InclusionAsync(reader, seq, ct);
        return Page();
    }
}
