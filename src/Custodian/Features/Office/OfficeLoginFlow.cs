using Custodian.Core.Features.Accounts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Custodian.Features.Office;

/// <summary>What the code and enrolment pages do with a second-factor outcome.</summary>
internal static class OfficeLoginFlow
{
    internal static IActionResult Answer(PageModel page, LoginResult outcome, string? returnUrl, Action<string> showMessage)
    {
        var context = page.HttpContext;
        switch (outcome.Status)
        {
            case LoginStatus.LoggedIn:
                // Rotation: the pending token is gone server-side; a new session token replaces it.
                context.ClearPendingCookie();
                context.SetSessionCookie(outcome.Token!);
                return new RedirectResult(OfficeReturnUrl.Safe(returnUrl));
            case LoginStatus.PasswordChangeRequired:
                // A session that opens only the password page; the return address travels on.
                context.ClearPendingCookie();
                context.SetSessionCookie(outcome.Token!);
                return new RedirectResult(OfficeAuthentication.PasswordChangePath + QueryString.Create("returnUrl", OfficeReturnUrl.Safe(returnUrl)));
            case LoginStatus.Expired:
                context.ClearPendingCookie();
                return new RedirectResult("/office/login?expired=true");
            case LoginStatus.LockedOut:
                context.ClearPendingCookie();
                showMessage("LockedOut");
                return new PageResult();
            default:
                showMessage("LoginFailed");
                return new PageResult();
        }
    }
}

/// <summary>Where to go after login: only back-office addresses of this site (no open redirect).</summary>
internal static class OfficeReturnUrl
{
    internal static string Safe(string? returnUrl) =>
        returnUrl is { Length: > 0 } url && url.StartsWith(OfficeAuthentication.PathBase, StringComparison.OrdinalIgnoreCase)
        && !url.StartsWith(OfficeAuthentication.LoginPath, StringComparison.OrdinalIgnoreCase)
        && !url.Contains("//", StringComparison.Ordinal) && !url.Contains('\\', StringComparison.Ordinal)
            ? url
            : OfficeAuthentication.PathBase;
}
