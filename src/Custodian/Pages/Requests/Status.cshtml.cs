using System.Globalization;
using Custodian.Core.Features.Requests;
using Custodian.Core.Features.Requests.Answers;
using Custodian.Core.Features.Requests.Workflow;
using Custodian.Features.Requests;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;
using NodaTime;

namespace Custodian.Pages.Requests;

/// <summary>
/// A request's status for the holder of its verified session only. Without a live session of exactly this request
/// the answer is a redirect to the code page, the same for an unknown reference, another request's session and an
/// expired one, so the page tells nothing to anyone else.
/// </summary>
internal sealed class RequestStatusModel(RequestStatusQuery query, RequestAnswerList answers, IdCopyPortal idCopies, IStringLocalizer<SharedResource> texts) : PageModel
{
    private static readonly DateTimeZone Amsterdam = DateTimeZoneProviders.Tzdb["Europe/Amsterdam"];

    public RequestStatusView? View { get; private set; }

    public string? ExtensionReason { get; private set; }

    /// <summary>The code proved the address; a type needing a higher tier waits for staff to confirm the identity. The due date does not move (DSR-12).</summary>
    public bool WaitingForIdentity { get; private set; }

    public IReadOnlyList<AnswerListItem> Answers { get; private set; } = [];

    public bool DownloadFailed { get; private set; }

    /// <summary>Where the ID-copy fallback stands (always <see cref="IdCopyStage.None"/> while the register has it off).</summary>
    public IdCopyStage IdCopy { get; private set; }

    /// <summary>The upload just passed screening (after the redirect from the upload page).</summary>
    public bool IdCopyReceived { get; private set; }

    public async Task<IActionResult> OnGetAsync(string reference, bool download = false, string? idcopy = null)
    {
        var ct = HttpContext.RequestAborted;
        var request = await query.AuthorizeAsync(reference, PortalSession.Token(HttpContext), ct);
        if (request is null || await query.GetAsync(reference, PortalSession.Token(HttpContext), ct) is not { IsSuccess: true } result)
        {
            return RedirectToPage("/Requests/Verify", new { reference = RequestReferences.Canonical(reference), expired = PortalSession.Token(HttpContext) is not null });
        }

        View = result.Value;
        ExtensionReason = request.ExtendedDueOn is null ? null : request.ExtensionReason;
        WaitingForIdentity = request.State == RequestState.Verified
            && (request.VerificationTier ?? VerificationTier.Low) < RequestTypes.RequiredTier(request.Type);
        Answers = await answers.ListAsync(request.Id, ct);
        DownloadFailed = download;
        IdCopy = await idCopies.StageAsync(request, ct);
        IdCopyReceived = idcopy == "received" && IdCopy == IdCopyStage.Received;
        return Page();
    }

    public static string Date(LocalDate date) => date.ToString("d MMMM yyyy", CultureInfo.CurrentCulture);

    public static string Moment(Instant at) => at.InZone(Amsterdam).ToString("d MMMM yyyy HH:mm", CultureInfo.CurrentCulture);

    public string EventText(string kind)
    {
        var text = texts["Portal.Requests.Event." + kind];
        return text.ResourceNotFound ? kind : text.Value;
    }
}
