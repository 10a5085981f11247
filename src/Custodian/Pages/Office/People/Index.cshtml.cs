using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.People;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Persistence;
using Custodian.Features.Office;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Custodian.Pages.Office.People;

/// <summary>
/// People: look a person up by any identifier (with a reason, which the audit event keeps) and list people by
/// identifier kind. Everything that carries personal data (the identifier, the list's prefix) travels in POST bodies
/// only, never in a URL (ASVS 14.2.1): a GET shows the empty forms and looks nothing up.
/// </summary>
[Authorize(Policy = Permissions.PeopleLookup)]
internal sealed class PeopleModel(PersonPage personPage, PeopleList peopleList, CustodianDbContext db) : PageModel
{
    public const int PageSize = 50;

    public StaffIdentity Staff => HttpContext.Staff();

    public string? Identifier { get; private set; }

    public string? Kind { get; private set; }

    public string? Reason { get; private set; }

    /// <summary>The look-up's field errors (identifier, kind, reason), as the reader's texts.</summary>
    public Dictionary<string, List<FieldError>> Errors { get; private set; } = [];

    /// <summary>The person found; null before a (valid) look-up.</summary>
    public PersonView? Person { get; private set; }

    public string ListKind { get; private set; } = "name";

    public string? Prefix { get; private set; }

    public Guid? OrganizationId { get; private set; }

    public Dictionary<string, List<FieldError>> ListErrors { get; private set; } = [];

    /// <summary>The people list; null until the list form is sent.</summary>
    public PeoplePage? List { get; private set; }

    /// <summary>Organisations for the list's filter (provider-wide staff only; a client contact sees its own anyway).</summary>
    public IReadOnlyList<(Guid Id, string Name)> Organizations { get; private set; } = [];

    public static IReadOnlyList<string> Kinds => SubjectKey.KindNames;

    public async Task OnGetAsync() => await LoadOrganizationsAsync();

    /// <summary>The look-up. A blank reason is refused here, before anything is read; the query refuses it again.</summary>
    public async Task<IActionResult> OnPostLookupAsync(string? identifier, string? kind, string? reason)
    {
        await LoadOrganizationsAsync();
        (Identifier, Kind, Reason) = (identifier, string.IsNullOrWhiteSpace(kind) ? null : kind, reason);
        if (string.IsNullOrWhiteSpace(reason))
        {
            Errors["reason"] = [new FieldError("reason", "people.reason_required", "A reason is required.")];
            return Page();
        }

        var staff = Staff;
        var result = await personPage.GetAsync(
            new StoreCaller(staff.Actor, staff.TenantScope),
            new PersonQuery(identifier, Kind, reason, staff.Has(Permissions.HoldsLawful)),
            HttpContext.RequestAborted);
        if (result.IsSuccess)
        {
            Person = result.Value;
        }
        else
        {
            Errors = OfficeFormat.ErrorsByField(result.Error);
        }

        return Page();
    }

    /// <summary>The people list; paging is a POST too, so the prefix stays in the body.</summary>
    public async Task<IActionResult> OnPostListAsync(string? listKind, string? prefix, Guid? organizationId, Guid? after)
    {
        await LoadOrganizationsAsync();
        (ListKind, Prefix, OrganizationId) = (string.IsNullOrWhiteSpace(listKind) ? "name" : listKind, prefix, organizationId);
        var staff = Staff;
        var result = await peopleList.ListAsync(
            new StoreCaller(staff.Actor, staff.TenantScope),
            new PeopleListQuery(ListKind, prefix, organizationId, After: after, Limit: PageSize),
            HttpContext.RequestAborted);
        if (result.IsSuccess)
        {
            List = result.Value;
        }
        else
        {
            ListErrors = OfficeFormat.ErrorsByField(result.Error);
        }

        return Page();
    }

    private async Task LoadOrganizationsAsync()
    {
        if (Staff.OrganizationId is not null)
        {
            return;
        }

        // Names only, for the filter: the context is scoped to the user, so this is every organisation for provider staff.
        var rows = await db.Organizations.AsNoTracking().OrderBy(o => o.Name).Select(o => new { o.Id, o.Name }).Take(500).ToListAsync(HttpContext.RequestAborted);
        Organizations = [.. rows.Select(o => (o.Id, o.Name))];
    }
}
