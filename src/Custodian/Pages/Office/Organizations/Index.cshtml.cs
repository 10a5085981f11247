using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Store;
using Custodian.Features.Office;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Custodian.Pages.Office.Organizations;

/// <summary>The organisations, by name, filtered and paged on the server (a name is no personal data, so it may be in the URL).</summary>
[Authorize(Policy = Permissions.OrganizationsRead)]
internal sealed class OrganizationsModel(OrganizationQueries queries) : PageModel
{
    public const int PageSize = 50;

    [BindProperty(SupportsGet = true)]
    public string? Name { get; set; }

    [BindProperty(SupportsGet = true)]
    public Guid? After { get; set; }

    public OrganizationListPage List { get; private set; } = new([], null);

    public async Task OnGetAsync()
    {
        var staff = HttpContext.Staff();
        List = await queries.ListAsync(new StoreCaller(staff.Actor, staff.TenantScope), new OrganizationListQuery(Name, After, PageSize), HttpContext.RequestAborted);
    }
}
