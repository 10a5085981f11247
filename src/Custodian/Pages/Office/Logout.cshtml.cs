using Custodian.Core.Features.Accounts;
using Custodian.Features.Office;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Custodian.Pages.Office;

/// <summary>Logout is a POST (antiforgery-checked) that deletes the session row; a GET only asks.</summary>
internal sealed class LogoutModel(StaffLogin staffLogin) : PageModel
{
    public async Task<IActionResult> OnPostAsync()
    {
        await staffLogin.LogoutAsync(Request.Cookies[OfficeAuthentication.SessionCookie], HttpContext.RequestAborted);
        HttpContext.ClearSessionCookie();
        return Redirect(OfficeAuthentication.LoginPath);
    }
}
