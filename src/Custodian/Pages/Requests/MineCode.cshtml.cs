using Custodian.Core.Features.Requests;
using Custodian.Features.Requests;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Custodian.Pages.Requests;

/// <summary>"Which requests were filed in my name", step 2: the code sent to the address kept in the step cookie.</summary>
internal sealed class MineCodeModel(FiledInMyName lookup, MineSession session) : PageModel
{
    public IReadOnlyList<PortalFieldError> Errors { get; private set; } = [];

    public IActionResult OnGet() => session.Read(HttpContext).Email is null ? Redirect("/requests/mine?expired=true") : Page();

    public async Task<IActionResult> OnPostAsync(string? code)
    {
        var (email, _) = session.Read(HttpContext);
        if (email is null)
        {
            return Redirect("/requests/mine?expired=true");
        }

        var result = await lookup.VerifyAsync(email, code, HttpContext.RequestAborted);
        if (result.IsSuccess)
        {
            session.Set(HttpContext, email, result.Value.Token);
            return Redirect("/requests/mine/list");
        }

        Errors = [new PortalFieldError("code", (result.Error as VerificationError)?.Code switch
        {
            "request.code_expired" => "Portal.Requests.Error.codeExpired",
            "request.code_locked" => "Portal.Requests.Error.codeLocked",
            "request.code_used" => "Portal.Requests.Error.codeUsed",
            _ => "Portal.Requests.Error.codeInvalid",
        })];
        Response.StatusCode = StatusCodes.Status400BadRequest;
        if (HttpContext.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodePagesFeature>() is { } pages)
        {
            pages.Enabled = false;
        }

        return Page();
    }
}
