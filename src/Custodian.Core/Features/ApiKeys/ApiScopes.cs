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

    // Consent (issue 7 §3): the provider's apps record and withdraw consent and ask whether it stands. Provider keys only
    // (the ledger is the provider's own evidence); a tenant key with them is refused (consent.provider_only).

    /// <summary>Ask the consent ledger whether a person's consent stands (the check API) and read a person's consent history.</summary>
    public const string ConsentRead = "consent:read";

    /// <summary>Record a consent given in an app, and its withdrawal.</summary>
    public const string ConsentWrite = "consent:write";

    public static IReadOnlyList<string> All { get; } = [StoreRead, StoreWrite, SubjectsLookup, OrganizationsWrite, HoldsRead, HoldsWrite, HoldsLawful, RetentionRead, AllTenants, ConsentRead, ConsentWrite];
}
