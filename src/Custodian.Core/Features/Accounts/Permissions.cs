using Custodian.Core.Features.ApiKeys;

namespace Custodian.Core.Features.Accounts;

/// <summary>
/// Every permission of the product, <c>resource:action</c>, in one catalogue: the API-key scopes
/// (<see cref="ApiScopes"/>) and the back office's own. An authorization policy is named after the permission it
/// requires, so a page or endpoint declares <c>[Authorize(Policy = Permissions.AuditRead)]</c> or
/// <c>RequireAuthorization(ApiScopes.StoreRead)</c>. Which role holds which: <see cref="StaffRoles.PermissionsOf"/>,
/// documented in docs/accounts.md (a test keeps that table equal to this code).
/// </summary>
internal static class Permissions
{
    /// <summary>Open the back office at all (every staff role; the start page).</summary>
    public const string OfficeAccess = "office:access";

    public const string DashboardRead = "dashboard:read";

    /// <summary>
    /// Look up a person's data by identifier. Every look-up states a reason (a ticket number) that lands in the audit
    /// trail; the support agent holds nothing else about people.
    /// </summary>
    public const string PeopleLookup = "people:lookup";

    public const string OrganizationsRead = "organizations:read";

    public const string OrganizationsWrite = ApiScopes.OrganizationsWrite;

    public const string RegisterRead = "register:read";

    public const string RetentionRead = ApiScopes.RetentionRead;

    public const string HoldsRead = ApiScopes.HoldsRead;

    public const string HoldsWrite = ApiScopes.HoldsWrite;

    /// <summary>Authority-basis holds and orders: the lawful-disclosure officer only (secrecy, Tw 13.5).</summary>
    public const string HoldsLawful = ApiScopes.HoldsLawful;

    public const string AuditRead = "audit:read";

    /// <summary>Verify the chain and export a checkpoint from the page.</summary>
    public const string AuditVerify = "audit:verify";

    /// <summary>Create, disable, unlock staff accounts and reset their second factor.</summary>
    public const string UsersManage = "users:manage";

    /// <summary>See data-subject requests: the queue and a request's page (a client contact: its organisation's parts only).</summary>
    public const string RequestsRead = "requests:read";

    /// <summary>Enter a request that arrived by letter, e-mail or phone, with the received date and a scan.</summary>
    public const string RequestsEnter = "requests:enter";

    /// <summary>
    /// Handle the provider's parts of a request: verify identity, split, execute, extend, refuse, produce and deliver
    /// the answer. For the highest tier the one who verifies may not be the one who fulfils (a rule on the user, not the role).
    /// </summary>
    public const string RequestsHandle = "requests:handle";

    /// <summary>View an ID copy and decide on it (only where the register turns the ID-copy fallback on).</summary>
    public const string RequestsVerifyId = "requests:verify_id";

    /// <summary>Decide the parts of a request where the client organisation is the controller (ROU-2): its privacy contact.</summary>
    public const string RequestsController = "requests:controller";

    // Issue 7, disclosures (authority orders):

    /// <summary>
    /// The authority order register: register orders, see them, produce, release and download their data, and the
    /// yearly statistics. The lawful-disclosure officer only (Tw 13.5 secrecy).
    /// </summary>
    public const string DisclosuresManage = ApiScopes.DisclosuresManage;

    // --- Issue 7, shielded numbers (Features/Shielding) ---

    /// <summary>
    /// The register of shielded numbers (BUDE 4.2): list, add and end own subscribers' shieldings, see received lists
    /// and outgoing sends. Privacy officer and support agent (support takes the subscriber's request).
    /// </summary>
    public const string ShieldingManage = "shielding:manage";

    // Consent (issue 7 §3): the consent ledger in the back office.

    /// <summary>See a person's consents in the ledger and record a consent or withdrawal given by letter, e-mail, phone or at the desk.</summary>
    public const string ConsentManage = "consent:manage";

    // Breaches and processors (issue 7 §4–§5).

    /// <summary>See the breach register and a breach's clocks and notice (auditors: read only).</summary>
    public const string BreachesRead = "breaches:read";

    /// <summary>Record and update breaches, their notification times and late reasons; produce the notice for the AP.</summary>
    public const string BreachesManage = "breaches:manage";

    /// <summary>See the processor register with its transfer mechanisms and warnings (read only: the register is code).</summary>
    public const string ProcessorsRead = "processors:read";

    /// <summary>The back office's permissions, in the order of the documentation table.</summary>
    public static IReadOnlyList<string> Office { get; } =
    [
        OfficeAccess, DashboardRead, PeopleLookup, OrganizationsRead, OrganizationsWrite, RegisterRead, RetentionRead,
        HoldsRead, HoldsWrite, HoldsLawful, AuditRead, AuditVerify, UsersManage, RequestsRead, RequestsEnter, RequestsHandle,
        RequestsVerifyId, RequestsController, DisclosuresManage, ShieldingManage, ConsentManage,

        // Breaches and processors (issue 7 §4–§5).
        BreachesRead, BreachesManage, ProcessorsRead,
    ];

    /// <summary>Every permission there is (office and API), each once.</summary>
    public static IReadOnlyList<string> All { get; } = [.. Office.Concat(ApiScopes.All).Distinct(StringComparer.Ordinal)];
}
