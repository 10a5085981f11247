using System.Text;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Audit;
using Custodian.Features.Office;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Custodian.Pages.Office.Audit;

/// <summary>
/// Verifying the audit chain and exporting a signed checkpoint, both POSTs (antiforgery-checked): a verification is
/// recorded (the dashboard shows the last one) and an export signs a checkpoint, so neither may run on a GET.
/// The GET shows the trail's state and the two buttons.
/// </summary>
[Authorize(Policy = Permissions.AuditVerify)]
internal sealed class VerifyModel(AuditOperations operations) : PageModel
{
    public AuditStatus Status { get; private set; } = null!;

    /// <summary>The outcome of the verification just run; null on a GET.</summary>
    public AuditVerificationOutcome? Outcome { get; private set; }

    public async Task OnGetAsync() => Status = await operations.StatusAsync(HttpContext.RequestAborted);

    public async Task<IActionResult> OnPostAsync()
    {
        var ct = HttpContext.RequestAborted;
        Outcome = await operations.VerifyAsync(HttpContext.Staff().Actor, null, ct);
        Status = await operations.StatusAsync(ct);
        return Page();
    }

    /// <summary>Signs a checkpoint now (or takes the latest when it covers the whole log) and hands out its note as a file.</summary>
    public async Task<IActionResult> OnPostCheckpointAsync()
    {
        var download = await operations.ExportCheckpointAsync(HttpContext.RequestAborted);
        return File(Encoding.UTF8.GetBytes(download.Note), "text/plain; charset=utf-8", download.FileName);
    }
}
