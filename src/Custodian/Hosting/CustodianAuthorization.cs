using Custodian.Core.Features.Accounts;
using Custodian.Features.ApiKeys;
using Custodian.Features.Office;

namespace Custodian.Hosting;

/// <summary>
/// Authentication and authorization of the whole app. Two credentials, two areas, never crossed:
/// <list type="bullet">
/// <item><c>/office/**</c> (back-office pages): only the office session cookie (<see cref="OfficeAuthentication"/>);</item>
/// <item>everything else (the <c>/api/v1</c> API): only API keys (<see cref="ApiKeyAuthentication"/>).</item>
/// </list>
/// The default scheme is a policy scheme that forwards by path, so on an office page the API-key handler never runs (a
/// key cannot open a page) and on the API the cookie handler never runs (a session cannot call the API: an API call
/// with ambient cookie credentials would need CSRF defences the API does not have, and tenant systems use keys). Each
/// handler also refuses to authenticate outside its own area, so the separation does not hang on this one selector.
/// <para>
/// One authorization policy per permission (<see cref="Permissions.All"/>), named after it and satisfied by a
/// <see cref="PermissionClaim"/> of that value, which each handler issues for the key's scopes or the user's role.
/// </para>
/// </summary>
internal static class CustodianAuthorization
{
    /// <summary>The forwarding default scheme.</summary>
    public const string Scheme = "Custodian";

    /// <summary>The claim type of a permission (an API key's scope, or one of a staff role's permissions).</summary>
    public const string PermissionClaim = "permission";

    internal static bool IsOffice(PathString path) => path.StartsWithSegments(OfficeAuthentication.PathBase, StringComparison.OrdinalIgnoreCase);

    internal static IServiceCollection AddCustodianAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "API key or office session, by path", o =>
                o.ForwardDefaultSelector = context => IsOffice(context.Request.Path) ? OfficeAuthentication.Scheme : ApiKeyAuthentication.Scheme)
            .AddApiKeyScheme()
            .AddOfficeScheme();
        services.AddAuthorization(o =>
        {
            o.AddPolicy(ApiKeyAuthentication.AnyKey, p => p.AddAuthenticationSchemes(ApiKeyAuthentication.Scheme).RequireAuthenticatedUser());
            foreach (var permission in Permissions.All)
            {
                o.AddPolicy(permission, p => p.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser().RequireClaim(PermissionClaim, permission));
            }
        });
        return services;
    }
}
