using Custodian.Core.Features.Accounts;
using Custodian.Features.Office;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Custodian.Pages.Office.Login;

/// <summary>Step 2 of the back-office login for an enrolled account: the TOTP code.</summary>
internal sealed class CodeModel(StaffLogin staffLogin) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Message { get; private set; }

    public async Task<IActionResult> OnGetAsync() =>
        await staffLogin.IsPendingAsync(Request.Cookies[OfficeAuthentication.PendingCookie], StaffSessionStage.AwaitingCode, HttpContext.RequestAborted)
            ? Page()
            : Redirect("/office/login?expired=true");

    public async Task<IActionResult> OnPostAsync(string? code)
    {
        var outcome = await staffLogin.CodeAsync(Request.Cookies[OfficeAuthentication.PendingCookie], code, HttpContext.RequestAborted);
        return OfficeLoginFlow.Answer(this, outcome, ReturnUrl, message => Message = message);
    }
}
