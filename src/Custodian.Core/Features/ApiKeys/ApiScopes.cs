namespace Custodian.Core.Features.ApiKeys;

/// <summary>The scopes an API key can hold (<c>resource:action</c>). Endpoints declare the one they need.</summary>
internal static class ApiScopes
{
    public const string StoreRead = "store:read";
    public const string StoreWrite = "store:write";
    public const string SubjectsLookup = "subjects:lookup";
    public const string OrganizationsWrite = "organizations:write";

    /// <summary>
    /// Provider-wide mode: a provider feed key with this scope sees and writes every organisation's data. Without it a
    /// provider key sees no tenant data at all. Tenant keys can never hold it.
    /// </summary>
    public const string AllTenants = "tenants:all";

    public static IReadOnlyList<string> All { get; } = [StoreRead, StoreWrite, SubjectsLookup, OrganizationsWrite, AllTenants];
}
