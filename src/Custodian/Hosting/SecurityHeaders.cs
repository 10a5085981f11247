namespace Custodian.Hosting;

/// <summary>
/// Baseline response headers for every page and API answer: a strict content security policy (no inline scripts, no
/// framing), no MIME sniffing, no referrer leaks; every back-office and request-portal answer is <c>no-store</c> (ASVS 14.3.2).
/// </summary>
internal static class SecurityHeaders
{
    internal static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        // Decided on the address asked for: a status page re-executed for an office address is an office answer too.
        var office = CustodianAuthorization.IsOffice(context.Request.Path);
        // The data-subject portal shows a person's requests and answers: no cache either.
        var noStore = office || context.Request.Path.StartsWithSegments("/requests", StringComparison.OrdinalIgnoreCase);
        context.Response.OnStarting(() =>
        {
            var h = context.Response.Headers;
            h.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
                                      "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'";
            h.XContentTypeOptions = "nosniff";
            h.XFrameOptions = "DENY";
            h["Referrer-Policy"] = "no-referrer";
            h["Cross-Origin-Opener-Policy"] = "same-origin";
            h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
            if (noStore)
            {
                // Back-office pages show personal data and session state: never from a cache, not even the browser's.
                h.CacheControl = "no-store";
                h.Pragma = "no-cache";
            }

            return Task.CompletedTask;
        });
        await next(context);
    });
}
