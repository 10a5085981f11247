using System.Collections.Frozen;

namespace Custodian.Core.Features.Accounts;

/// <summary>
/// The staff roles and the permissions each holds (least privilege: a role holds what its work needs, nothing more).
/// A <see cref="ClientPrivacyContact"/> is bound to one organisation and all its requests run in that organisation's
/// tenant scope; every other role works provider-wide. The table in docs/accounts.md is checked against this.
/// </summary>
internal static class StaffRoles
{
    /// <summary>Manages staff accounts and organisations; sees no person's data.</summary>
    public const string Administrator = "administrator";

    /// <summary>The provider's DPO: register, retention, holds, look-ups, audit.</summary>
    public const string PrivacyOfficer = "privacy-officer";

    /// <summary>Looks up a person's data for a ticket, with a stated reason.</summary>
    public const string SupportAgent = "support-agent";

    /// <summary>Authority orders and their holds; the only role that sees them.</summary>
    public const string LawfulDisclosureOfficer = "lawful-disclosure-officer";

    /// <summary>Read-only: register, audit trail, receipts.</summary>
    public const string Auditor = "auditor";

    /// <summary>A client organisation's privacy contact: acts only within its own organisation.</summary>
    public const string ClientPrivacyContact = "client-privacy-contact";

    public static IReadOnlyList<string> All { get; } =
        [Administrator, PrivacyOfficer, SupportAgent, LawfulDisclosureOfficer, Auditor, ClientPrivacyContact];

    private static readonly FrozenDictionary<string, FrozenSet<string>> Grants = new Dictionary<string, FrozenSet<string>>
    {
        [Administrator] = Set(Permissions.OfficeAccess, Permissions.DashboardRead, Permissions.OrganizationsRead,
            Permissions.OrganizationsWrite, Permissions.RegisterRead, Permissions.RetentionRead, Permissions.AuditRead,
            Permissions.AuditVerify, Permissions.UsersManage),
        [PrivacyOfficer] = Set(Permissions.OfficeAccess, Permissions.DashboardRead, Permissions.PeopleLookup,
            Permissions.OrganizationsRead, Permissions.OrganizationsWrite, Permissions.RegisterRead, Permissions.RetentionRead,
            Permissions.HoldsRead, Permissions.HoldsWrite, Permissions.AuditRead, Permissions.AuditVerify,
            Permissions.RequestsRead, Permissions.RequestsEnter, Permissions.RequestsHandle, Permissions.RequestsVerifyId,
            Permissions.ShieldingManage, // issue 7: shielded numbers
            Permissions.ConsentManage, // consent (issue 7): withdrawal on the person's behalf, as easy as giving

            // Breaches and processors (issue 7 §4–§5).
            Permissions.BreachesRead, Permissions.BreachesManage, Permissions.ProcessorsRead),
        [SupportAgent] = Set(Permissions.OfficeAccess, Permissions.DashboardRead, Permissions.PeopleLookup,
            Permissions.OrganizationsRead, Permissions.RegisterRead, Permissions.RequestsRead, Permissions.RequestsEnter,
            Permissions.RequestsVerifyId,
            Permissions.ShieldingManage, // issue 7: shielded numbers
            Permissions.ConsentManage), // consent (issue 7): the desk records a withdrawal by phone or letter at once
        [LawfulDisclosureOfficer] = Set(Permissions.OfficeAccess, Permissions.DashboardRead, Permissions.PeopleLookup,
            Permissions.RegisterRead, Permissions.RetentionRead, Permissions.HoldsRead, Permissions.HoldsWrite,
            Permissions.HoldsLawful, Permissions.DisclosuresManage),
        [Auditor] = Set(Permissions.OfficeAccess, Permissions.DashboardRead, Permissions.OrganizationsRead,
            Permissions.RegisterRead, Permissions.RetentionRead, Permissions.HoldsRead, Permissions.AuditRead,
            Permissions.AuditVerify, Permissions.RequestsRead,

            // Breaches and processors (issue 7 §4–§5): read only.
            Permissions.BreachesRead, Permissions.ProcessorsRead),
        [ClientPrivacyContact] = Set(Permissions.OfficeAccess, Permissions.DashboardRead, Permissions.PeopleLookup,
            Permissions.OrganizationsRead, Permissions.OrganizationsWrite, Permissions.RegisterRead, Permissions.RetentionRead,
            Permissions.HoldsRead, Permissions.HoldsWrite, Permissions.RequestsRead, Permissions.RequestsController),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static bool IsKnown(string? role) => role is not null && Grants.ContainsKey(role);

    /// <summary>True for the role that is bound to one organisation (and must have one).</summary>
    public static bool IsOrganizationBound(string role) => role == ClientPrivacyContact;

    /// <summary>The permissions of <paramref name="role"/>; none for an unknown role (fail closed).</summary>
    public static IReadOnlySet<string> PermissionsOf(string role) =>
        Grants.TryGetValue(role, out var set) ? set : FrozenSet<string>.Empty;

    private static FrozenSet<string> Set(params string[] permissions) => permissions.ToFrozenSet(StringComparer.Ordinal);
}
