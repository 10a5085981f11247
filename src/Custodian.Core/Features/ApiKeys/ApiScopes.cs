namespace Custodian.Core.Features.ApiKeys;

/// <summary>The scopes an API key can hold (<c>resource:action</c>). Endpoints declare the one they need.</summary>
internal static class ApiScopes
{
    public const string StoreRead = "store:read";
    public const string StoreWrite = "store:write";
    public const string SubjectsLookup = "subjects:lookup";
    public const string OrganizationsWrite = "organizations:write";

    /// <summary>See legal holds and restrictions (without <see cref="HoldsLawful"/>: not the authority-basis ones).</summary>
    public const string HoldsRead = "holds:read";

    /// <summary>Place, extend and release holds (a tenant key: in its own organisation, non-authority bases only).</summary>
    public const string HoldsWrite = "holds:write";

    /// <summary>
    /// Authority-basis holds (126ni preservation orders, other criminal-investigation orders, supervisory authorities):
    /// with it a provider key sees and manages them; without it they do not exist for the caller (secrecy, Tw 13.5).
    /// Tenant keys can never hold it. Issue 7's lawful-disclosure role maps onto this scope.
    /// </summary>
    public const string HoldsLawful = "holds:lawful";

    /// <summary>
    /// Retention evidence: sweep receipts and the retention overview (no personal data). A tenant key sees its own
    /// organisation's numbers only.
    /// </summary>
    public const string RetentionRead = "retention:read";

    /// <summary>
    /// Provider-wide mode: a provider feed key with this scope sees and writes every organisation's data. Without it a
    /// provider key sees no tenant data at all. Tenant keys can never hold it.
    /// </summary>
    public const string AllTenants = "tenants:all";

    // Issue 7, disclosures (authority orders):

    /// <summary>
    /// The authority order register: register orders, produce, release and download their data (Tw 13.5 secrecy).
    /// Provider keys only, and only when granted by name: it is not part of <see cref="ProviderDefaults"/>.
    /// </summary>
    public const string DisclosuresManage = "disclosures:manage";

    // --- Issue 7, 112 caller data and itemised bills (Features/Disclosures/Emergency, Features/Shielding) ---

    /// <summary>
    /// The network side's 112 look-up: a number's subscriber name and address, even when caller ID is blocked (Tw
    /// 11.10). Each use is logged. Never in any default set (<see cref="NotInDefaults"/>): only the key of the
    /// emergency-call platform holds it, together with <see cref="AllTenants"/>.
    /// </summary>
    public const string EmergencyLookup = "emergency:lookup";

    /// <summary>A subscriber's itemised bill specification for a billing period, with shielded numbers masked (audited read).</summary>
    public const string BillsRead = "bills:read";

    // Consent (issue 7 §3): the provider's apps record and withdraw consent and ask whether it stands. Provider keys only
    // (the ledger is the provider's own evidence); a tenant key with them is refused (consent.provider_only).

    /// <summary>Ask the consent ledger whether a person's consent stands (the check API) and read a person's consent history.</summary>
    public const string ConsentRead = "consent:read";

    /// <summary>Record a consent given in an app, and its withdrawal.</summary>
    public const string ConsentWrite = "consent:write";

    // Breaches (issue 7 §5): the provider's other systems (a SIEM, the incident tool) read and record breaches. Provider
    // keys only (the breach register is the provider's own); a tenant key with them is refused (breaches.provider_only).

    /// <summary>List breaches with their notification clocks and read one.</summary>
    public const string BreachesRead = "breaches:read";

    /// <summary>Record a breach and its notification state (initial and complete notice, late reasons).</summary>
    public const string BreachesWrite = "breaches:write";

    public static IReadOnlyList<string> All { get; } = [StoreRead, StoreWrite, SubjectsLookup, OrganizationsWrite, HoldsRead, HoldsWrite, HoldsLawful, RetentionRead, AllTenants, DisclosuresManage, EmergencyLookup, BillsRead, ConsentRead, ConsentWrite, BreachesRead, BreachesWrite];

    /// <summary>
    /// Scopes a convenience key ("every scope", the dev provider key) must not get: they are granted one by one on
    /// purpose. The order register and authority holds carry an order's reference and targets (Tw 13.5 secrecy); the
    /// 112 look-up belongs to the emergency-call platform's key only.
    /// </summary>
    public static IReadOnlyList<string> NotInDefaults { get; } = [DisclosuresManage, HoldsLawful, EmergencyLookup];

    /// <summary>What an "all scopes" provider key gets (the demo key): <see cref="All"/> without <see cref="NotInDefaults"/>.</summary>
    public static IReadOnlyList<string> ProviderDefaults { get; } = [.. All.Except(NotInDefaults)];
}
