using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Requests.Workflow;
using Custodian.Features.Office;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Custodian.Pages.Office.Requests;

/// <summary>
/// One page of a waiting ID copy, as the re-encoded PNG the screening made, for a verifier only (policy
/// <c>requests:verify_id</c>, provider staff). Each fetch is an audited access (<c>request.id_copy_viewed</c>). Never
/// cached (<c>no-store</c>), shown in the page (<c>inline</c>); 404 when the fallback is off, and once the copy is
/// destroyed or belongs to another request.
/// </summary>
[Authorize(Policy = Permissions.RequestsVerifyId)]
internal sealed class IdCopyPageModel(IdCopyDecisions idCopies) : PageModel
{
    public async Task<IActionResult> OnGetAsync(Guid id, Guid copyId, int n)
    {
        var staff = HttpContext.Staff();
        if (!idCopies.Enabled)
        {
            return NotFound();
        }

        if (!IdCopyDecisions.MayVerify(staff))
        {
            return Forbid();
        }

        var png = await idCopies.PageAsync(staff, id, copyId, n, HttpContext.RequestAborted);
        if (png is null)
        {
            return NotFound();
        }

        Response.Headers.CacheControl = "no-store";
        Response.Headers.Pragma = "no-cache";
        Response.Headers.ContentDisposition = $"inline; filename=\"id-copy-page-{n}.png\"";
        return File(png.Png, "image/png");
    }
}
