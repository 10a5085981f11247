using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Retention;
using Custodian.Core.Persistence;
using Custodian.Features.Office;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Pages.Office.Retention;

/// <summary>
/// Legal holds with their scope and end, oldest first, a page at a time. Read through <see cref="LegalHoldCommands"/>
/// with the user as <see cref="HoldCaller"/>, so the page obeys exactly the API's rules: a client-privacy contact sees
/// its organisation's holds, and authority-basis holds exist only for <c>holds:lawful</c>. As in the API, listing holds
/// is an access to their contents and is recorded in the audit trail (<c>hold.listed</c>) — the one thing this GET writes.
/// </summary>
[Authorize(Policy = Permissions.HoldsRead)]
internal sealed class HoldsModel(LegalHoldCommands holds, CustodianDbContext db, TimeProvider time) : PageModel
{
    public const int PageSize = 50;

    public IReadOnlyList<LegalHold> Holds { get; private set; } = [];

    public Guid? NextAfter { get; private set; }

    public bool Paged { get; private set; }

    public Instant Now { get; private set; }

    public IReadOnlyDictionary<Guid, string> Organizations { get; private set; } = new Dictionary<Guid, string>();

    public async Task OnGetAsync(Guid? after)
    {
        var staff = HttpContext.Staff();
        var ct = HttpContext.RequestAborted;
        var caller = new HoldCaller(staff.Actor, staff.TenantScope, staff.Has(Permissions.HoldsLawful));
        var page = await holds.ListAsync(caller, after, PageSize + 1, ct);
        Holds = [.. page.Take(PageSize)];
        NextAfter = page.Count > PageSize ? Holds[^1].Id : null;
        Paged = after is not null;
        Now = Instant.FromDateTimeOffset(time.GetUtcNow());
        var ids = Holds.Select(h => h.OrganizationId).OfType<Guid>().Distinct().ToList();
        Organizations = await db.Organizations.AsNoTracking().Where(o => ids.Contains(o.Id)).ToDictionaryAsync(o => o.Id, o => o.Code, ct);
    }

    public string Status(LegalHold hold) =>
        hold.IsReleased ? "HoldStatus_released" : hold.IsActiveAt(Now) ? "HoldStatus_active" : hold.StartsAt > Now ? "HoldStatus_pending" : "HoldStatus_ended";
}
