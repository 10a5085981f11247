using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Mail;
using Custodian.Core.Features.Requests;
using Custodian.Core.Features.Requests.IdCopies;
using Custodian.Core.Features.Requests.Workflow;
using Custodian.Core.Features.Store;
using Custodian.Features.Office;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace Custodian.Pages.Office.Requests;

/// <summary>
/// One data-subject request in the back office: header with deadlines, timeline, verification, parts, and the actions
/// the user's permissions allow (POST, antiforgery-checked, then a redirect back). Every rule is
/// <see cref="RequestWorkflow"/>'s and <see cref="RequestActions"/>'s. A client-privacy contact sees only its
/// organisation's parts, and a request without one is 404 for it (<see cref="RequestDetailQuery"/>).
/// </summary>
[Authorize(Policy = Permissions.RequestsRead)]
internal sealed class RequestModel(RequestDetailQuery query, RequestWorkflow workflow, RequestActions actions, IdCopyDecisions idCopies, MessageDispatcher messages, IStringLocalizer<OfficeResource> texts) : PageModel
{
    /// <summary>Mails and SMS of this request that the queue gave up on (provider staff only): a warning, and "send again" for a handler.</summary>
    public IReadOnlyList<GivenUpMessage> GivenUpMessages { get; private set; } = [];

    public RequestDetailView View { get; private set; } = null!;

    public StaffIdentity CurrentStaff => HttpContext.Staff();

    public bool IsProvider => CurrentStaff.TenantScope.AllTenants;

    public bool MayHandle => IsProvider && CurrentStaff.Has(Permissions.RequestsHandle);

    public bool MayVerify => IsProvider && CurrentStaff.Has(Permissions.RequestsVerifyId);

    public bool MayDecide => !IsProvider && CurrentStaff.Has(Permissions.RequestsController);

    /// <summary>The ID-copy fallback's controls: only with the register's switch on and for a verifier.</summary>
    public bool MayHandleIdCopies => idCopies.Enabled && MayVerify;

    /// <summary>Copies waiting for the decision (empty unless <see cref="MayHandleIdCopies"/>).</summary>
    public IReadOnlyList<IdCopy> PendingIdCopies { get; private set; } = [];

    /// <summary>What the last POST did, shown after the redirect.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Done { get; set; }

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid id) => await LoadAsync(id) ? Page() : NotFound();

    public async Task<IActionResult> OnPostSplitAsync(Guid id) =>
        MayHandle ? await AnswerAsync(id, (await workflow.SplitAsync(CurrentStaff, id, Ct)).Error, "split") : Forbid();

    /// <summary>Confirms identity; by ID copy only with both checkboxes ticked. Any waiting copy is destroyed with the decision.</summary>
    public async Task<IActionResult> OnPostConfirmAsync(Guid id, string? method, string? note, bool watermarkPresent, bool photoCovered) =>
        MayVerify
            ? await AnswerAsync(id, (await idCopies.ConfirmIdentityAsync(CurrentStaff, id, method, note, new IdCopyConfirmations(watermarkPresent, photoCovered), Ct)).Error, "confirmed")
            : Forbid();

    public async Task<IActionResult> OnPostRequestIdCopyAsync(Guid id)
    {
        if (!idCopies.Enabled)
        {
            return NotFound();
        }

        return MayVerify ? await AnswerAsync(id, (await idCopies.RequestCopyAsync(CurrentStaff, id, Ct)).Error, "id_copy_requested") : Forbid();
    }

    public async Task<IActionResult> OnPostRejectIdCopyAsync(Guid id, bool watermarkPresent, bool photoCovered)
    {
        if (!idCopies.Enabled)
        {
            return NotFound();
        }

        return MayVerify
            ? await AnswerAsync(id, (await idCopies.RejectAsync(CurrentStaff, id, new IdCopyConfirmations(watermarkPresent, photoCovered), Ct)).Error, "id_copy_rejected")
            : Forbid();
    }

    public async Task<IActionResult> OnPostDecideAsync(Guid id, Guid partId, string? instruction, string? reason)
    {
        if (!MayDecide || !await LoadAsync(id) || View.Parts.All(p => p.Id != partId))
        {
            return NotFound();
        }

        return await AnswerAsync(id, (await workflow.DecidePartAsync(CurrentStaff, partId, instruction, reason, Ct)).Error, "decided");
    }

    public async Task<IActionResult> OnPostExecuteAsync(Guid id, Guid partId, string? restrictionGround, string? compellingGrounds, string? record, string? field, string? newValue)
    {
        if (!MayHandle)
        {
            return Forbid();
        }

        // The record is picked from the person's records as "type:id" (RequestDetailQuery's list); the executor checks it is one of them.
        IReadOnlyList<Core.Features.Requests.Execution.RectificationChange>? changes = null;
        if (record?.Split(':', 2) is [{ Length: > 0 } recordType, var rawId] && Guid.TryParse(rawId, out var rid) && field is { Length: > 0 })
        {
            changes = [new(recordType, rid, field, newValue)];
        }

        var result = await workflow.ExecutePartAsync(CurrentStaff, partId, new ExecutePartInput(
            string.IsNullOrWhiteSpace(restrictionGround) ? null : restrictionGround, compellingGrounds, changes), Ct);
        return await AnswerAsync(id, result.Error, "executed");
    }

    /// <summary>Sends a given-up message of this request again (audited <c>message.requeued</c>).</summary>
    public async Task<IActionResult> OnPostRequeueAsync(Guid id, Guid message) =>
        MayHandle
            ? await AnswerAsync(id, (await messages.RequeueAsync(message, id, CurrentStaff.Actor, Ct)).Error, "requeued")
            : Forbid();

    public async Task<IActionResult> OnPostProduceAsync(Guid id) =>
        MayHandle ? await AnswerAsync(id, (await workflow.ProduceAnswerAsync(CurrentStaff, id, Ct)).Error, "produced") : Forbid();

    public async Task<IActionResult> OnPostExtendAsync(Guid id, int months, string? reasons) =>
        MayHandle ? await AnswerAsync(id, (await actions.ExtendAsync(CurrentStaff.UserId, id, months, reasons, Ct)).Error, "extended") : Forbid();

    public async Task<IActionResult> OnPostRefuseAsync(Guid id, string? justification)
    {
        if (!MayHandle)
        {
            return Forbid();
        }

        var refused = await actions.RefuseAsync(CurrentStaff.UserId, id, justification, Ct);
        if (refused.IsSuccess)
        {
            // No ID copy outlives the decision on its request.
            await idCopies.DestroyForClosedRequestAsync(CurrentStaff, id, Ct);
        }

        return await AnswerAsync(id, refused.Error, "refused");
    }

    /// <summary>An actor of the timeline or a verifier: a staff member's display name, the requester or the system in words.</summary>
    public string Actor(string actor) =>
        View.NameOf(actor) ?? (actor is RequestEventKinds.RequesterActor or RequestEventKinds.SystemActor ? Text("Requests.Detail.Actor_" + actor, actor) : actor);

    /// <summary>A timeline note: a verification method or a channel in words; other notes as written.</summary>
    public string? Note(RequestEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.Note is null ? null : e.Kind switch
        {
            WorkflowEventKinds.IdentityConfirmed => Text("Requests.Detail.Method_" + e.Note, e.Note),
            RequestEventKinds.Received => Text("Requests.Detail.Channel_" + e.Note, e.Note),
            _ => e.Note,
        };
    }

    public string Text(string key, string fallback) => texts[key] is { ResourceNotFound: false } known ? known.Value : fallback;

    private CancellationToken Ct => HttpContext.RequestAborted;

    private async Task<IActionResult> AnswerAsync(Guid id, StoreError? error, string done)
    {
        if (error is null)
        {
            return Redirect($"/office/requests/{id}?done={done}");
        }

        if (error is NotFoundError)
        {
            return NotFound();
        }

        var codes = error is ValidationError v ? v.Errors.Select(e => e.Code).Distinct().ToList() : [error.Code];
        Error = string.Join(" ", codes.Select(code => texts["Requests.Detail.Error_" + code] is { ResourceNotFound: false } known ? known.Value : texts["Requests.Detail.ErrorOther", code].Value));
        return await LoadAsync(id) ? Page() : NotFound();
    }

    private async Task<bool> LoadAsync(Guid id)
    {
        var view = await query.GetAsync(CurrentStaff, id, Ct);
        if (view is null)
        {
            return false;
        }

        View = view;
        PendingIdCopies = MayHandleIdCopies ? await idCopies.PendingAsync(CurrentStaff, id, Ct) : [];
        GivenUpMessages = IsProvider ? await messages.GivenUpForRequestAsync(id, Ct) : [];
        return true;
    }
}
