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

    public static IReadOnlyList<string> All { get; } = [StoreRead, StoreWrite, SubjectsLookup, OrganizationsWrite, HoldsRead, HoldsWrite, HoldsLawful, RetentionRead, AllTenants, DisclosuresManage];

    /// <summary>
    /// What an "all scopes" provider key gets (the demo key): everything except the secret ones, the order register and
    /// authority holds (which carry an order's reference and targets): those are granted by name only.
    /// </summary>
    public static IReadOnlyList<string> ProviderDefaults { get; } = [.. All.Where(s => s is not (DisclosuresManage or HoldsLawful))];
}
