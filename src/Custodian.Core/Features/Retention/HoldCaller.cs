using Custodian.Core.Features.ApiKeys;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Tenancy;

namespace Custodian.Core.Features.Retention;

/// <summary>
/// Who calls a hold operation: the actor, its tenancy and whether it holds <c>holds:lawful</c>. Only a provider caller
/// can be lawful (a tenant key never sees authority holds, not even in its own organisation).
/// </summary>
internal sealed record HoldCaller
{
    public HoldCaller(AuditActor actor, TenantScope scope, bool lawful)
    {
        ArgumentNullException.ThrowIfNull(scope);
        Actor = actor;
        Scope = scope;
        Lawful = lawful && scope.OrganizationId is null;
    }

    public AuditActor Actor { get; }

    public TenantScope Scope { get; }

    /// <summary>May place, see, extend and release authority-basis holds.</summary>
    public bool Lawful { get; }

    /// <summary>The tenant of a tenant key; null for provider keys and operators.</summary>
    public Guid? TenantId => Scope.OrganizationId;

    /// <summary>From an authenticated API key.</summary>
    public static HoldCaller From(ApiKeyIdentity key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return new HoldCaller(key.Actor, key.TenantScope, key.Scopes.Contains(ApiScopes.HoldsLawful));
    }
}
