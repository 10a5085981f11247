using System.Globalization;
using Custodian.Core.Features.Requests;
using Custodian.Core.Features.Requests.IdCopies;
using Custodian.Core.Features.Requests.Workflow;
using Custodian.Features.Requests;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Custodian.Pages.Requests;

/// <summary>
/// The ID-copy upload of a verified request (issue 6 §2), only while the register's fallback is on (else 404) and
/// staff asked for a copy. The body limit is set before anything is read: Kestrel stops a body above it and the form
/// reader refuses a file part above it, so an oversized upload is never buffered whole; the screening's own limit
/// (<see cref="IdCopyScreeningOptions.DefaultMaxBytes"/>) lies below it, so a file just above that limit still gets the
/// page's "too large" message. A refusal re-renders the page with the rule's message; nothing of the file is kept.
/// </summary>
[RequestSizeLimit(BodyLimit)]
[RequestFormLimits(MultipartBodyLengthLimit = BodyLimit, ValueCountLimit = 16)]
internal sealed class IdCopyUploadModel(RequestStatusQuery query, IdCopyPortal portal) : PageModel
{
    /// <summary>The screening limit plus room for the multipart framing and the antiforgery field.</summary>
    public const long BodyLimit = IdCopyScreeningOptions.DefaultMaxBytes + (1024 * 1024);

    public string Reference { get; private set; } = string.Empty;

    /// <summary>The rule that refused the upload, in the page's language.</summary>
    public string? Refusal { get; private set; }

    public string? RefusalCode { get; private set; }

    public IdCopyStage Stage { get; private set; }

    public async Task<IActionResult> OnGetAsync(string reference)
    {
        if (!portal.Enabled)
        {
            return NotFound();
        }

        var request = await query.AuthorizeAsync(reference, PortalSession.Token(HttpContext), HttpContext.RequestAborted);
        if (request is null)
        {
            return ToVerify(reference);
        }

        Reference = request.Reference;
        Stage = await portal.StageAsync(request, HttpContext.RequestAborted);
        return Stage == IdCopyStage.Requested ? Page() : Redirect("/requests/" + request.Reference);
    }

    public async Task<IActionResult> OnPostAsync(string reference, IFormFile? file)
    {
        if (!portal.Enabled)
        {
            return NotFound();
        }

        var ct = HttpContext.RequestAborted;
        var request = await query.AuthorizeAsync(reference, PortalSession.Token(HttpContext), ct);
        if (request is null)
        {
            return ToVerify(reference);
        }

        Reference = request.Reference;
        IdCopyScreeningResult.Rejected? refused;
        await using (var content = file?.OpenReadStream())
        {
            refused = await portal.UploadAsync(request, content, file?.FileName, ct);
        }

        if (refused is null)
        {
            return Redirect("/requests/" + request.Reference + "?idcopy=received");
        }

        RefusalCode = refused.Code;
        Refusal = CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == "en" ? refused.MessageEn : refused.MessageNl;
        Stage = await portal.StageAsync(request, ct);
        return Page();
    }

    private RedirectToPageResult ToVerify(string reference) =>
        RedirectToPage("/Requests/Verify", new { reference = RequestReferences.Canonical(reference), expired = PortalSession.Token(HttpContext) is not null });
}
