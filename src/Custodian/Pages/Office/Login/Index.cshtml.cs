using Custodian.Core.Features.Accounts;
using Custodian.Features.Office;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Custodian.Pages.Office.Login;

/// <summary>Step 1 of the back-office login: login name and password. One message for every failure.</summary>
internal sealed class LoginModel(StaffLogin staffLogin, AccountsOptions options) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Login { get; private set; }

    /// <summary>A key of OfficeResource: LoginFailed, LockedOut or LoginExpired.</summary>
    public string? Message { get; private set; }

    public void OnGet(bool expired = false) => Message = expired ? "LoginExpired" : null;

    public async Task<IActionResult> OnPostAsync(string? login, string? password)
    {
        var outcome = await staffLogin.PasswordAsync(login, password, HttpContext.RequestAborted);
        if (outcome.Status is LoginStatus.CodeRequired or LoginStatus.EnrolmentRequired)
        {
            HttpContext.SetPendingCookie(outcome.Token!, options.PendingTimeout.ToTimeSpan());
            var next = outcome.Status == LoginStatus.CodeRequired ? "/office/login/code" : "/office/login/enrol";
            return Redirect(next + QueryString.Create("returnUrl", OfficeReturnUrl.Safe(ReturnUrl)));
        }

        Message = outcome.Status == LoginStatus.LockedOut ? "LockedOut" : "LoginFailed";
        Login = login;
        return Page();
    }
}
