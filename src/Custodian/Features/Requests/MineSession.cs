using Microsoft.AspNetCore.DataProtection;

namespace Custodian.Features.Requests;

/// <summary>
/// The cookie of "which requests were filed in my name": the address between the two steps, then the address and the
/// session token. Encrypted and authenticated with data protection (the address is personal data; the browser holds
/// it, the server stores only its keyed hash), time-limited, Path=/requests/mine, HttpOnly, SameSite=Strict.
/// </summary>
internal sealed class MineSession(IDataProtectionProvider provider)
{
    public const string CookieName = "custodian-request-mine";
    public const string PathBase = "/requests/mine";
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(15);

    private readonly ITimeLimitedDataProtector _protector = provider.CreateProtector("custodian/requests/mine/v1").ToTimeLimitedDataProtector();

    public void Set(HttpContext context, string email, string? token) =>
        context.Response.Cookies.Append(CookieName, _protector.Protect(email + "\n" + token, Lifetime), new CookieOptions
        {
            Path = PathBase,
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            IsEssential = true,
            MaxAge = Lifetime,
        });

    /// <summary>The address and (after the code) the token, or nulls when there is no valid cookie.</summary>
    public (string? Email, string? Token) Read(HttpContext context)
    {
        if (context.Request.Cookies[CookieName] is not { } value)
        {
            return (null, null);
        }

        try
        {
            var parts = _protector.Unprotect(value).Split('\n', 2);
            return (parts[0], parts.Length > 1 && parts[1].Length > 0 ? parts[1] : null);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return (null, null);
        }
    }
}
