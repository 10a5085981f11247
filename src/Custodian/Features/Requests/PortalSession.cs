using Custodian.Core.Features.Requests;
using Microsoft.AspNetCore.Diagnostics;

namespace Custodian.Features.Requests;

/// <summary>
/// The data-subject portal's session: after a correct code the request session token (<see cref="RequestIntake.VerifyAsync"/>)
/// is kept in its own cookie. Path=/requests so the browser never sends it to <c>/office</c> or the API, HttpOnly so
/// no script reads it, SameSite=Strict so no other site triggers a download with it, Secure over HTTPS. A name
/// distinct from the back-office session cookie: the two never stand in for each other.
/// </summary>
internal static class PortalSession
{
    public const string CookieName = "custodian-request";
    public const string PathBase = "/requests";

    public static void Set(HttpContext context, string token, TimeSpan lifetime) =>
        context.Response.Cookies.Append(CookieName, token, Options(context, lifetime));

    public static string? Token(HttpContext context) => context.Request.Cookies[CookieName];

    public static void Clear(HttpContext context) => context.Response.Cookies.Delete(CookieName, Options(context, null));

    /// <summary>The caller's IP address as the host sees it, for the intake's per-client limit.</summary>
    public static string ClientAddress(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>
    /// Answers 429 with the page itself (its message says to wait), not the generic status page, and with Retry-After.
    /// </summary>
    public static void RateLimited(HttpContext context, RateLimitedError limited)
    {
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = Math.Ceiling(limited.RetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (context.Features.Get<IStatusCodePagesFeature>() is { } pages)
        {
            pages.Enabled = false;
        }
    }

    private static CookieOptions Options(HttpContext context, TimeSpan? maxAge) => new()
    {
        Path = PathBase,
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = context.Request.IsHttps,
        IsEssential = true,
        MaxAge = maxAge,
    };
}
