using Custodian.Core.Features.Accounts;

namespace Custodian.Features.Office;

/// <param name="Page">The Razor page (<c>/Office/Dashboard/Index</c>); the entry shows only once that page exists.</param>
/// <param name="Path">The address the entry links to.</param>
/// <param name="TextKey">The entry's text in <c>Resources/OfficeResource.resx</c>.</param>
/// <param name="Permission">The permission the page itself requires; the entry shows only to roles that hold it.</param>
internal sealed record OfficeMenuEntry(string Page, string Path, string TextKey, string Permission);

/// <summary>
/// The back office's menu, data-driven: a new page adds one line here (and its text to the resources). An entry shows
/// when the user holds its permission and its page exists, so entries of pages still to be built stay hidden.
/// </summary>
internal static class OfficeMenu
{
    public static IReadOnlyList<OfficeMenuEntry> Entries { get; } =
    [
        new("/Office/Index", "/office", "MenuStart", Permissions.OfficeAccess),
        new("/Office/Dashboard/Index", "/office/dashboard", "MenuDashboard", Permissions.DashboardRead),
        new("/Office/Requests/Index", "/office/requests", "MenuRequests", Permissions.RequestsRead),
        new("/Office/People/Index", "/office/people", "MenuPeople", Permissions.PeopleLookup),
        new("/Office/Organizations/Index", "/office/organizations", "MenuOrganizations", Permissions.OrganizationsRead),
        new("/Office/Register/Index", "/office/register", "MenuRegister", Permissions.RegisterRead),
        new("/Office/Retention/Index", "/office/retention", "MenuRetention", Permissions.RetentionRead),
        new("/Office/Audit/Index", "/office/audit", "MenuAudit", Permissions.AuditRead),
        new("/Office/Users/Index", "/office/users", "MenuUsers", Permissions.UsersManage),
        new("/Office/Disclosures/Index", "/office/disclosures", "Disclosures.Menu", Permissions.DisclosuresManage),
        new("/Office/Shielding/Index", "/office/shielding", "Shielding.Menu", Permissions.ShieldingManage),
        new("/Office/Consent/Index", "/office/consent", "Consent.Menu", Permissions.ConsentManage), // consent (issue 7)

        // Breaches and processors (issue 7 §4–§5).
        new("/Office/Breaches/Index", "/office/breaches", "MenuBreaches", Permissions.BreachesRead),
        new("/Office/Processors/Index", "/office/processors", "MenuProcessors", Permissions.ProcessorsRead),
    ];

    /// <summary>The entries <paramref name="staff"/> sees, of the pages in <paramref name="existingPages"/>.</summary>
    public static IReadOnlyList<OfficeMenuEntry> For(StaffIdentity staff, IReadOnlySet<string> existingPages) =>
        [.. Entries.Where(e => staff.Has(e.Permission) && existingPages.Contains(e.Page))];
}

/// <summary>The Razor pages the app has (read once from the endpoints), so the menu can leave out pages not built yet.</summary>
internal sealed class OfficePages(EndpointDataSource endpoints)
{
    private IReadOnlySet<string>? _pages;

    public IReadOnlySet<string> Existing => _pages ??= endpoints.Endpoints
        .Select(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Mvc.RazorPages.PageActionDescriptor>()?.ViewEnginePath)
        .OfType<string>()
        .ToHashSet(StringComparer.Ordinal);
}
