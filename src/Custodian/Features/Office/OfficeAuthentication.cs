using System.Security.Claims;
using System.Text.Encodings.Web;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Persistence;
using Custodian.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Custodian.Features.Office;

/// <summary>
/// The back office's session cookie as an authentication scheme. The cookie carries only a random token; the session
/// lives in the database (<see cref="StaffLogin.AuthenticateAsync"/>), so a logout, a disabled account or a changed
/// role applies on the next request on every node. After authentication the request's <see cref="CustodianDbContext"/>
/// is scoped to the user's tenant scope (a client-privacy contact: its organisation), exactly as for tenant API keys.
/// </summary>
internal static class OfficeAuthentication
{
    public const string Scheme = "Office";

    /// <summary>Everything of the back office lives under this path; its cookies are limited to it.</summary>
    public const string PathBase = "/office";

    /// <summary>The session cookie (Path=/office, HttpOnly, SameSite=Strict, Secure over HTTPS).</summary>
    public const string SessionCookie = "custodian-office";

    /// <summary>The short-lived cookie between the password and the code step (Path=/office/login).</summary>
    public const string PendingCookie = "custodian-office-login";

    public const string LoginPath = "/office/login";

    /// <summary>Where an account with an administrator-given password must choose its own before anything else opens.</summary>
    public const string PasswordChangePath = "/office/login/password";

    internal static AuthenticationBuilder AddOfficeScheme(this AuthenticationBuilder builder) =>
        builder.AddScheme<AuthenticationSchemeOptions, OfficeAuthenticationHandler>(Scheme, null);

    /// <summary>The logged-in staff member; throws on a page without an office policy (a bug, not a user error).</summary>
    internal static StaffIdentity Staff(this HttpContext context) =>
        context.Features.Get<StaffIdentity>()
        ?? throw new InvalidOperationException("The page was reached without an office session; it lacks an [Authorize(Policy = Permissions.…)].");

    /// <summary>The logged-in staff member, or null (login pages, the layout before login).</summary>
    internal static StaffIdentity? StaffOrNull(this HttpContext context) => context.Features.Get<StaffIdentity>();

    internal static void SetSessionCookie(this HttpContext context, string token) =>
        context.Response.Cookies.Append(SessionCookie, token, CookieOptions(context, PathBase, maxAge: null));

    internal static void SetPendingCookie(this HttpContext context, string token, TimeSpan lifetime) =>
        context.Response.Cookies.Append(PendingCookie, token, CookieOptions(context, LoginPath, lifetime));

    internal static void ClearSessionCookie(this HttpContext context) =>
        context.Response.Cookies.Delete(SessionCookie, CookieOptions(context, PathBase, maxAge: null));

    internal static void ClearPendingCookie(this HttpContext context) =>
        context.Response.Cookies.Delete(PendingCookie, CookieOptions(context, LoginPath, maxAge: null));

    /// <summary>
    /// HttpOnly, SameSite=Strict, limited to the back office's path; Secure whenever the request came over HTTPS (so
    /// only a plain-HTTP development or test server sends it without). A session cookie: the server's timeouts decide.
    /// </summary>
    private static CookieOptions CookieOptions(HttpContext context, string path, TimeSpan? maxAge) => new()
    {
        Path = path,
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = context.Request.IsHttps,
        IsEssential = true,
        MaxAge = maxAge,
    };
}

/// <summary>Reads the office session cookie; never runs outside <c>/office</c>.</summary>
internal sealed class OfficeAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        // The portal (and the API) never accept the back office's cookie, whatever path it was sent to.
        if (!CustodianAuthorization.IsOffice(Request.Path) || Request.Cookies[OfficeAuthentication.SessionCookie] is not { } token)
        {
            return AuthenticateResult.NoResult();
        }

        var identity = await Context.RequestServices.GetRequiredService<StaffLogin>().AuthenticateAsync(token, Context.RequestAborted);
        if (identity is null)
        {
            return AuthenticateResult.Fail("No such office session, or it has ended.");
        }

        Context.Features.Set(identity);
        Context.RequestServices.GetRequiredService<CustodianDbContext>().ScopeTo(identity.TenantScope);
        List<Claim> claims =
        [
            new(ClaimTypes.NameIdentifier, identity.UserId.ToString()),
            new(ClaimTypes.Name, identity.LoginName),
            new(ClaimTypes.Role, identity.Role),
            .. identity.Permissions.Select(p => new Claim(CustodianAuthorization.PermissionClaim, p)),
        ];
        if (identity.OrganizationId is { } org)
        {
            claims.Add(new Claim("organization_id", org.ToString()));
        }

        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, OfficeAuthentication.Scheme, ClaimTypes.Name, ClaimTypes.Role));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, OfficeAuthentication.Scheme));
    }

    /// <summary>
    /// Not logged in (or the session ended): to the login page, back here afterwards. A session that still has to
    /// change its password is no login (it holds no permission), so every page sends it to the password page instead.
    /// </summary>
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var back = Request.Path + Request.QueryString;
        if (Request.Cookies[OfficeAuthentication.SessionCookie] is { } token)
        {
            if (await Context.RequestServices.GetRequiredService<StaffLogin>().IsPasswordChangeDueAsync(token, Context.RequestAborted))
            {
                Response.Redirect(OfficeAuthentication.PasswordChangePath + QueryString.Create("returnUrl", back));
                return;
            }

            Context.ClearSessionCookie();
        }

        Response.Redirect(OfficeAuthentication.LoginPath + QueryString.Create("returnUrl", back));
    }

    /// <summary>Logged in but without the page's permission: 403, rendered by the status page.</summary>
    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return Task.CompletedTask;
    }
}
