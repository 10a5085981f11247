namespace Custodian.Core.Features.Tenancy;

/// <summary>
/// Which organisations' rows a <c>CustodianDbContext</c> may see and write. A new context sees none
/// (<see cref="None"/>): tenant data is invisible until someone says whose it is, so a forgotten scope fails closed.
/// </summary>
internal sealed record TenantScope
{
    private TenantScope(Guid? organizationId, bool allTenants)
    {
        OrganizationId = organizationId;
        AllTenants = allTenants;
    }

    /// <summary>Set for a tenant: exactly this organisation's rows.</summary>
    public Guid? OrganizationId { get; }

    /// <summary>Provider-wide: every organisation's rows (provider feed keys with the <c>tenants:all</c> scope, operator CLI, jobs).</summary>
    public bool AllTenants { get; }

    /// <summary>No tenant rows at all (anonymous requests, provider keys without the provider-wide scope).</summary>
    public static TenantScope None { get; } = new(null, false);

    public static TenantScope Everything { get; } = new(null, true);

    public static TenantScope For(Guid organizationId) =>
        organizationId == Guid.Empty ? throw new ArgumentException("An organisation id is required.", nameof(organizationId)) : new(organizationId, false);

    /// <summary>True when a row of <paramref name="organizationId"/> is inside this scope.</summary>
    public bool Includes(Guid organizationId) => AllTenants || OrganizationId == organizationId;

    public override string ToString() => AllTenants ? "all tenants" : OrganizationId is { } id ? $"tenant {id}" : "no tenant";
}
