using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Requests;
using Custodian.Core.Features.Requests.Queue;
using Custodian.Features.Office;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Custodian.Pages.Office.Requests;

/// <summary>
/// The request queue (issue 6 §6): open requests by due date, filtered on the server. The filters are codes and dates
/// only (state, type, channel, deadline, organisation id, cursor), never personal data, so a GET form is safe.
/// </summary>
[Authorize(Policy = Permissions.RequestsRead)]
internal sealed class RequestQueueModel(RequestQueue queue) : PageModel
{
    public const int PageSize = 50;

    /// <summary><c>open</c> (default), <c>all</c>, or a state's wire name.</summary>
    [BindProperty(SupportsGet = true)]
    public string? State { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Type { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Channel { get; set; }

    /// <summary><c>overdue</c>, <c>soon</c> or <c>identity</c>.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Deadline { get; set; }

    [BindProperty(SupportsGet = true)]
    public Guid? Organization { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? After { get; set; }

    public RequestQueuePage Queue { get; private set; } = null!;

    public bool CanEnter => HttpContext.Staff().Has(Permissions.RequestsEnter);

    public static IReadOnlyList<string> DeadlineNames { get; } = ["overdue", "soon", "identity"];

    public static IReadOnlyList<string> StateNames { get; } = [.. Enum.GetValues<RequestState>().Select(RequestStates.Name)];

    public static IReadOnlyList<string> ChannelNames { get; } = [.. Enum.GetValues<RequestChannel>().Select(RequestChannels.Name)];

    public async Task OnGetAsync()
    {
        var staff = HttpContext.Staff();
        RequestState? state = State is { } s && StateNames.Contains(s) ? RequestStates.Parse(s) : null;
        var filter = new RequestQueueFilter(
            State: state,
            AllStates: State == "all",
            Type: RequestTypes.Parse(Type),
            Channel: RequestChannels.Parse(Channel),
            Deadline: Deadline switch
            {
                "overdue" => QueueDeadline.Overdue,
                "soon" => QueueDeadline.Soon,
                "identity" => QueueDeadline.WaitingForIdentity,
                _ => null,
            },
            OrganizationId: Organization,
            After: RequestQueueCursor.Parse(After),
            Limit: PageSize);
        Queue = await queue.ListAsync(staff.TenantScope, filter, HttpContext.RequestAborted);
    }

    /// <summary>A day as <c>yyyy-MM-dd</c> (unambiguous in both languages).</summary>
    public static string Day(NodaTime.LocalDate day) => NodaTime.Text.LocalDatePattern.Iso.Format(day);

    /// <summary>The current filters with <paramref name="next"/> as cursor, for the next-page link.</summary>
    public string NextPageQuery(RequestQueueCursor next) => QueryString.Create(new Dictionary<string, string?>
    {
        ["state"] = State,
        ["type"] = Type,
        ["channel"] = Channel,
        ["deadline"] = Deadline,
        ["organization"] = Organization?.ToString(),
        ["after"] = next.ToString(),
    }.Where(p => !string.IsNullOrEmpty(p.Value))).ToString();
}
