using Custodian.Core.Features.Requests;
using Custodian.Features.Requests;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Custodian.Pages.Requests;

/// <summary>
/// Reference + code → the request session (a cookie, <see cref="PortalSession"/>) → the status page. Also "send a new
/// code", which answers the same whether or not it sent one.
/// </summary>
internal sealed class VerifyRequestModel(RequestIntake intake) : PageModel
{
    public string? Reference { get; private set; }

    /// <summary>A resource key for the notice at the top (code sent, new code sent, session expired), or null.</summary>
    public string? Notice { get; private set; }

    public IReadOnlyList<PortalFieldError> Errors { get; private set; } = [];

    public bool RateLimited { get; private set; }

    public void OnGet(string? reference, bool sent = false, bool resent = false, bool expired = false)
    {
        Reference = RequestReferences.Canonical(reference) ?? reference?.Trim();
        Notice = sent ? "Portal.Requests.Verify.Sent" : resent ? "Portal.Requests.Verify.Resent" : expired ? "Portal.Requests.Verify.Expired" : null;
    }

    public async Task<IActionResult> OnPostAsync(string? reference, string? code)
    {
        Reference = reference?.Trim();
        var result = await intake.VerifyAsync(reference, code, HttpContext.RequestAborted);
        if (result.IsSuccess)
        {
            var canonical = RequestReferences.Canonical(reference)!;
            PortalSession.Set(HttpContext, result.Value.Token, RequestIntake.SessionLifetime.ToTimeSpan());
            return Redirect("/requests/" + canonical);
        }

        Errors = [new PortalFieldError("code", (result.Error as VerificationError)?.Code switch
        {
            "request.code_expired" => "Portal.Requests.Error.codeExpired",
            "request.code_locked" => "Portal.Requests.Error.codeLocked",
            "request.code_used" => "Portal.Requests.Error.codeUsed",
            _ => "Portal.Requests.Error.codeInvalid",
        })];
        Response.StatusCode = StatusCodes.Status400BadRequest;
        DisableStatusPage();
        return Page();
    }

    public async Task<IActionResult> OnPostResendAsync(string? reference)
    {
        Reference = reference?.Trim();
        var result = await intake.ResendCodeAsync(reference, PortalSession.ClientAddress(HttpContext), HttpContext.RequestAborted);
        if (result.Error is RateLimitedError limited)
        {
            PortalSession.RateLimited(HttpContext, limited);
            RateLimited = true;
            return Page();
        }

        // The redirect carries the reference back into the form; text that cannot be a reference is not echoed whole
        // (a 200 kB "reference" made a Location header no client accepts), only a typo-sized one the person may fix.
        var back = RequestReferences.Canonical(reference) ?? (Reference is { Length: <= RequestReferences.MaxInputLength } typed ? typed : null);
        return RedirectToPage("/Requests/Verify", new { reference = back, resent = true });
    }

    private void DisableStatusPage()
    {
        if (HttpContext.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodePagesFeature>() is { } pages)
        {
            pages.Enabled = false;
        }
    }
}
