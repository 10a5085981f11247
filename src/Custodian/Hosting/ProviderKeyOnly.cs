using Custodian.Features.ApiKeys;

namespace Custodian.Hosting;

/// <summary>
/// Endpoints that belong to the provider alone (the consent ledger, the breach register): a tenant key, whatever its
/// scopes, gets 403 with the feature's own code before the handler runs. One filter on the route group, so a new
/// endpoint in the group cannot forget the check.
/// </summary>
internal static class ProviderKeyOnly
{
    /// <summary>Refuses tenant keys on every endpoint of <paramref name="group"/> with 403 <paramref name="code"/>.</summary>
    internal static RouteGroupBuilder RequireProviderKey(this RouteGroupBuilder group, string code, string detail)
    {
        group.AddEndpointFilter(async (context, next) => context.HttpContext.Caller().TenantId is null
            ? await next(context)
            : ApiProblems.Problem(StatusCodes.Status403Forbidden, code, "Forbidden", detail));
        group.ProducesProblem(StatusCodes.Status403Forbidden);
        return group;
    }
}
