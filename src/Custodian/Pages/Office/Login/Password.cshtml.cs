using Custodian.Core.Features.Accounts;
using Custodian.Features.Office;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Custodian.Pages.Office.Login;

/// <summary>
/// The forced password change after a login with an administrator-given password (ASVS 5 V6.4.1). Open only to a
/// session of stage <see cref="StaffSessionStage.AwaitingPasswordChange"/> (it lives under the open login folder and
/// checks that session itself); every other office page sends such a session here.
/// </summary>
internal sealed class PasswordModel(StaffLogin staffLogin) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    /// <summary>A key of OfficeResource for the refusal shown.</summary>
    public string? Message { get; private set; }

    private string? Token => Request.Cookies[OfficeAuthentication.SessionCookie];

    public async Task<IActionResult> OnGetAsync() =>
        await staffLogin.IsPasswordChangeDueAsync(Token, HttpContext.RequestAborted) ? Page() : Expired();

    public async Task<IActionResult> OnPostAsync(string? password, string? confirmation)
    {
        var outcome = await staffLogin.ChangePasswordAsync(Token, password, confirmation, HttpContext.RequestAborted);
        if (outcome.Changed)
        {
            // Rotation: every earlier session of the account is gone; this is a new, active one.
            HttpContext.SetSessionCookie(outcome.Token!);
            return Redirect(OfficeReturnUrl.Safe(ReturnUrl));
        }

        if (outcome.Expired)
        {
            return Expired();
        }

        Message = outcome.Problem switch
        {
            "staff_user.password_too_short" => "PasswordTooShort",
            "staff_user.password_too_long" => "PasswordTooLong",
            "staff_user.password_mismatch" => "PasswordMismatch",
            _ => "PasswordUnchanged",
        };
        return Page();
    }

    public async Task<IActionResult> OnPostLogoutAsync()
    {
        await staffLogin.LogoutAsync(Token, HttpContext.RequestAborted);
        HttpContext.ClearSessionCookie();
        return Redirect(OfficeAuthentication.LoginPath);
    }

    /// <summary>
    /// No password change is due for this cookie: to the start page, whose authorization decides (an active session
    /// opens it, anything else goes to the login). The cookie is left alone: it may be a perfectly good active session.
    /// </summary>
    private RedirectResult Expired() => Redirect(OfficeAuthentication.PathBase);
}
