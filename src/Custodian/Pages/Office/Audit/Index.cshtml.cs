using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Audit;
using Custodian.Features.Office;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using NodaTime;

namespace Custodian.Pages.Office.Audit;

/// <summary>
/// Searches the audit trail (GET form: actor, action, object, days in Amsterdam), newest first, keyset-paged on the
/// log position (<c>before</c>); see <see cref="AuditSearch"/>. What a user may see is <see cref="AuditReader"/>'s rule.
/// </summary>
[Authorize(Policy = Permissions.AuditRead)]
internal sealed class AuditModel(AuditSearch search) : PageModel
{
    public static readonly IReadOnlyList<string> ActorKinds = ["user", "api_key", "system", "cli"];

    private static readonly DateTimeZone Amsterdam = DateTimeZoneProviders.Tzdb["Europe/Amsterdam"];

    [BindProperty(SupportsGet = true)]
    public string? ActorKind { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ActorId { get; set; }

    [BindProperty(SupportsGet = true, Name = "action")]
    public string? ActionName { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ObjectType { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ObjectId { get; set; }

    /// <summary>First day (Amsterdam), inclusive.</summary>
    [BindProperty(SupportsGet = true)]
    public DateOnly? From { get; set; }

    /// <summary>Last day (Amsterdam), inclusive.</summary>
    [BindProperty(SupportsGet = true)]
    public DateOnly? Until { get; set; }

    [BindProperty(SupportsGet = true)]
    public long? Before { get; set; }

    public AuditSearchPage Results { get; private set; } = new([], null);

    public bool MayVerify => HttpContext.Staff().Has(Permissions.AuditVerify);

    public async Task OnGetAsync()
    {
        var staff = HttpContext.Staff();
        var filter = new AuditSearchFilter(
            Trim(ActorKind),
            Trim(ActorId),
            Trim(ActionName),
            Trim(ObjectType),
            Trim(ObjectId),
            From is { } f ? StartOf(LocalDate.FromDateOnly(f)) : null,
            Until is { } u ? StartOf(LocalDate.FromDateOnly(u).PlusDays(1)) : null,
            Before);
        Results = await search.SearchAsync(new AuditReader(staff.TenantScope, staff.Has(Permissions.HoldsLawful)), filter, HttpContext.RequestAborted);
    }

    /// <summary>The query string of the next (older) page: the same filters, <c>before</c> the last entry shown.</summary>
    public string NextPageQuery(long before)
    {
        var query = Request.Query.Where(q => !string.Equals(q.Key, "before", StringComparison.OrdinalIgnoreCase) && !string.Equals(q.Key, "lang", StringComparison.OrdinalIgnoreCase))
            .Select(q => new KeyValuePair<string, string?>(q.Key, q.Value.ToString()))
            .Append(new KeyValuePair<string, string?>("before", before.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return Microsoft.AspNetCore.Http.QueryString.Create(query).ToString();
    }

    private static string? Trim(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static Instant StartOf(LocalDate day) => day.AtStartOfDayInZone(Amsterdam).ToInstant();
}
