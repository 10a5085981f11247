using System.Globalization;
using Custodian.Core.Features.Requests;
using Custodian.Features.Requests;
using Custodian.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Custodian.Pages.Requests;

/// <summary>"Which requests were filed in my name", step 1: the address. The same next page for every valid address.</summary>
internal sealed class MineModel(FiledInMyName lookup, MineSession session) : PageModel
{
    public string? Email { get; private set; }

    public bool Expired { get; private set; }

    public bool RateLimited { get; private set; }

    public IReadOnlyList<PortalFieldError> Errors { get; private set; } = [];

    public void OnGet(bool expired = false) => Expired = expired;

    public async Task<IActionResult> OnPostAsync(string? email)
    {
        Email = email;
        var language = Languages.Code(CultureInfo.CurrentUICulture);
        var result = await lookup.SendCodeAsync(email, language, PortalSession.ClientAddress(HttpContext), HttpContext.RequestAborted);
        if (result.Error is RateLimitedError limited)
        {
            PortalSession.RateLimited(HttpContext, limited);
            RateLimited = true;
            return Page();
        }

        if (!result.IsSuccess)
        {
            Errors = PortalForms.From(result.Error);
            return Page();
        }

        session.Set(HttpContext, email!.Trim(), null);
        return Redirect("/requests/mine/code");
    }
}
