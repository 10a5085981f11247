using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Disclosures;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using NodaTime;

namespace Custodian.Pages.Office.Disclosures;

/// <summary>
/// The order register: every order, newest received first, with the "without delay" alert and the legal-review flag.
/// Only for <c>disclosures:manage</c>; for every other role the page does not exist in the menu and answers 403.
/// </summary>
[Authorize(Policy = Permissions.DisclosuresManage)]
internal sealed class IndexModel(AuthorityOrders orders, DisclosuresOptions options, TimeProvider time) : PageModel
{
    public IReadOnlyList<AuthorityOrder> Orders { get; private set; } = [];

    public Instant Now { get; private set; }

    public Duration WithoutDelay => options.WithoutDelay;

    public bool IsLate(AuthorityOrder order) => order.IsLate(Now, options.WithoutDelay);

    public async Task OnGetAsync()
    {
        Now = Instant.FromDateTimeOffset(time.GetUtcNow());
        Orders = await orders.ListAsync(DisclosurePages.Caller(HttpContext), null, HttpContext.RequestAborted);
    }
}
