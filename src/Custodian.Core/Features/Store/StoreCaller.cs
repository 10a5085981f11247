using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Tenancy;

namespace Custodian.Core.Features.Store;

/// <summary>Who is calling a store operation and whose data they may touch (from the API key, or the operator's CLI).</summary>
internal sealed record StoreCaller(AuditActor Actor, TenantScope Scope)
{
    /// <summary>The tenant of a tenant key; null for provider keys and operators.</summary>
    public Guid? TenantId => Scope.OrganizationId;
}
