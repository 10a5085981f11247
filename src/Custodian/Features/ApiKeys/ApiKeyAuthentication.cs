using System.Security.Claims;
using System.Text.Encodings.Web;
using Custodian.Core.Features.ApiKeys;
using Custodian.Core.Features.Store;
using Custodian.Core.Persistence;
using Custodian.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace Custodian.Features.ApiKeys;

/// <summary>
/// API keys as an ASP.NET Core authentication scheme: <c>Authorization: Bearer cust_&lt;prefix&gt;_&lt;secret&gt;</c>.
/// One authorization policy per scope (the policy name is the scope, see <see cref="CustodianAuthorization"/>); endpoints declare theirs with
/// <c>RequireAuthorization(ApiScopes.X)</c>. After authentication the request's <see cref="CustodianDbContext"/> is
/// bound to the key's tenant scope (<see cref="UseApiKeyTenancy"/>), so every query of the request is filtered.
/// </summary>
internal static class ApiKeyAuthentication
{
    public const string Scheme = "ApiKey";
    /// <summary>Policy for endpoints any valid key may call whatever its scopes (the audit checkpoint feed: no personal data).</summary>
    public const string AnyKey = "api-key";

    /// <summary>The handler; the policies (one per scope, named after it) are in <see cref="CustodianAuthorization"/>.</summary>
    internal static AuthenticationBuilder AddApiKeyScheme(this AuthenticationBuilder builder) =>
        builder.AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(Scheme, null);

    /// <summary>Binds the request's database context to the authenticated key's tenant scope (none when anonymous).</summary>
    internal static IApplicationBuilder UseApiKeyTenancy(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.Features.Get<ApiKeyIdentity>() is { } identity)
        {
            context.RequestServices.GetRequiredService<CustodianDbContext>().ScopeTo(identity.TenantScope);
        }

        await next(context);
    });

    /// <summary>The store caller of an authenticated request (endpoints that require a scope always have one).</summary>
    internal static StoreCaller Caller(this HttpContext context)
    {
        var identity = context.Features.Get<ApiKeyIdentity>()
            ?? throw new InvalidOperationException("The endpoint was reached without an API key; it lacks RequireAuthorization.");
        return new StoreCaller(identity.Actor, identity.TenantScope);
    }
}

/// <summary>Checks the presented key. Never logs it; a bad key is just "not authenticated" (401 problem).</summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private const string BearerPrefix = "Bearer ";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        // Keys are for the API; the back office answers to its session cookie only (an API key never opens a page).
        if (string.IsNullOrEmpty(header) || CustodianAuthorization.IsOffice(Request.Path))
        {
            return AuthenticateResult.NoResult();
        }

        if (!header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.Fail("Not a bearer token.");
        }

        var registry = Context.RequestServices.GetRequiredService<ApiKeyRegistry>();
        var identity = await registry.AuthenticateAsync(header[BearerPrefix.Length..], Context.RequestAborted);
        if (identity is null)
        {
            return AuthenticateResult.Fail("Unknown, revoked or malformed API key.");
        }

        Context.Features.Set(identity);
        List<Claim> claims =
        [
            new(ClaimTypes.NameIdentifier, identity.KeyId.ToString()),
            new("api_key_prefix", identity.Prefix),
            .. identity.Scopes.Select(s => new Claim(CustodianAuthorization.PermissionClaim, s)),
        ];
        if (identity.OrganizationId is { } org)
        {
            claims.Add(new Claim("organization_id", org.ToString()));
        }

        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, ApiKeyAuthentication.Scheme));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, ApiKeyAuthentication.Scheme));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        await ApiProblems.Unauthorized().ExecuteAsync(Context);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var scope = Context.GetEndpoint()?.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).LastOrDefault(p => p is not null) ?? "unknown";
        await ApiProblems.Forbidden(scope).ExecuteAsync(Context);
    }
}
