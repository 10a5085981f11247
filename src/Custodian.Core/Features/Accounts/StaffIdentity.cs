using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Tenancy;

namespace Custodian.Core.Features.Accounts;

/// <summary>
/// The logged-in staff member of a back-office request: who (for the audit trail), what they may do, and whose data
/// they may see. Read fresh from the database on every request, so a changed role or a disabled account applies at once.
/// </summary>
internal sealed record StaffIdentity(
    Guid UserId, Guid SessionId, string LoginName, string DisplayName, string Role, Guid? OrganizationId, IReadOnlySet<string> Permissions)
{
    /// <summary>
    /// A client-privacy contact: its organisation. Provider staff: every organisation. A bound role without an
    /// organisation (a broken row) sees none: fail closed.
    /// </summary>
    public TenantScope TenantScope => OrganizationId is { } id
        ? TenantScope.For(id)
        : StaffRoles.IsOrganizationBound(Role) ? TenantScope.None : TenantScope.Everything;

    /// <summary>The actor of every audit event this user causes.</summary>
    public AuditActor Actor => StaffAccounts.ActorOf(UserId);

    public bool Has(string permission) => Permissions.Contains(permission);
}
