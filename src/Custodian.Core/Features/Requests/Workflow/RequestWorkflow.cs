using System.Globalization;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Requests.Answers;
using Custodian.Core.Features.Requests.Execution;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Requests.Workflow;

/// <summary>
/// The path from a verified request to a delivered answer (issue 6 §4–§6): split per category and controller, forward
/// client parts, raise the identity tier, record the client's instruction, execute, produce and deliver the answer.
/// Every operation is one transaction with its timeline event and its audit event; the executors and the answer store
/// keep their own transactions, so an operation that calls one commits its own bookkeeping right after it (a crash in
/// between is repaired by running it again: executors are idempotent). The <see cref="CustodianDbContext"/> is the
/// caller's, scoped to the staff member's tenant scope. Permissions are checked here as well as on the page.
/// </summary>
internal sealed partial class RequestWorkflow(
    CustodianDbContext db,
    ProcessingRegister register,
    IAuditTrail audit,
    RequestMessenger messenger,
    RequestSplit split,
    ErasureExecutor erasure,
    RestrictionExecutor restriction,
    ObjectionExecutor objection,
    ConsentWithdrawalExecutor consent,
    RectificationExecutor rectification,
    AccessReportBuilder reports,
    RequestAnswers answers,
    RequestWorkflowOptions options,
    TimeProvider time)
{
    private Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());

    /// <summary>The verified person: the request's identifier.</summary>
    public static IReadOnlyList<SubjectKey> SubjectOf(DataSubjectRequest request) =>
        [SubjectKey.Of(request.IdentifierKind, request.IdentifierValue)!.Value];

    /// <summary>
    /// Splits a verified request into parts (<see cref="RequestSplit.PlanAsync"/>) and forwards each client part at once
    /// (ROU-2): a notice without personal data to the organisation's privacy contact. Without an address the part still
    /// waits in the client contact's queue and the timeline says no notice could be sent.
    /// </summary>
    public async Task<StoreResult<IReadOnlyList<RequestPart>>> SplitAsync(StaffIdentity staff, Guid requestId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(staff);
        if (!staff.Has(Permissions.RequestsHandle) || !staff.TenantScope.AllTenants)
        {
            return Forbidden();
        }

        var request = await db.Set<DataSubjectRequest>().FirstOrDefaultAsync(r => r.Id == requestId, ct);
        if (request is null)
        {
            return StoreErrors.NotFound("request");
        }

        if (request.State != RequestState.Verified)
        {
            return request.State is RequestState.AwaitingVerification or RequestState.AwaitingMandate
                ? await RefusedAsync(staff, request, "split", new ConflictError(WorkflowErrors.NotVerified, "Only a verified request can be split."), ct)
                : new ConflictError(WorkflowErrors.AlreadySplit, "The request was split already or is no longer open.");
        }

        var plan = await split.PlanAsync(db, SubjectOf(request), ct);
        var now = Now;
        var actor = RequestEventKinds.Staff(staff.UserId);
        var parts = plan.Parts.Select(p => new RequestPart
        {
            RequestId = request.Id,
            Category = p.Category,
            Controller = p.ControllerName,
            OrganizationId = p.OrganizationId ?? Guid.Empty,
            RecordsAtSplit = p.Records,
        }).ToList();

        var notices = new List<(RequestPart Part, string Address)>();
        var organizations = parts.Where(p => p.IsClient).Select(p => p.OrganizationId).Distinct().ToList();
        var contacts = await db.ContactPersons.IgnoreQueryFilters().AsNoTracking()
            .Where(c => organizations.Contains(c.OrganizationId) && c.Role == "privacy" && c.Email != null)
            .OrderBy(c => c.Id)
            .ToListAsync(ct);
        foreach (var part in parts.Where(p => p.IsClient))
        {
            part.State = RequestPartStates.Forwarded;
            part.ForwardedAt = now;
            var contact = contacts.FirstOrDefault(c => c.OrganizationId == part.OrganizationId);
            part.ControllerContact = contact is null ? null : "contact_person:" + contact.Id.ToString();
            if (contact is not null && notices.All(n => n.Part.OrganizationId != part.OrganizationId))
            {
                notices.Add((part, contact.Email!));
            }
        }

        request.MoveTo(parts.Any(p => p.IsClient) ? RequestState.WaitingForController : RequestState.InProgress);
        var queued = new List<Guid>();
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            db.AddRange(parts);
            // The controllers' notices are queued with the split: the timeline says "notice sent" only if they go out.
            queued.AddRange(notices.Select(n => messenger.Enqueue(db, WorkflowMails.DecisionNeeded(n.Address, request.Id), request.Id)));
            Event(request.Id, now, WorkflowEventKinds.Split, actor, string.Create(CultureInfo.InvariantCulture, $"{parts.Count} parts"));
            foreach (var part in parts.Where(p => p.IsClient))
            {
                Event(request.Id, now, WorkflowEventKinds.Forwarded, actor,
                    part.ControllerContact is null ? $"part {part.Id}: no privacy contact address on file, no notice sent" : $"part {part.Id}: notice sent");
            }

            await db.SaveChangesAsync(ct);
            await audit.AppendAsync(db, RequestIntake.Entry("request.split", request, staff.Actor, new()
            {
                ["parts"] = parts.Count.ToString(CultureInfo.InvariantCulture),
                ["client_parts"] = parts.Count(p => p.IsClient).ToString(CultureInfo.InvariantCulture),
            }), ct);
            await tx.CommitAsync(ct);
        }

        await messenger.SendNowAsync(queued, ct);
        return parts;
    }

    /// <summary>
    /// Records a further identity check by staff (permission <c>requests:verify_id</c>) and raises the tier to what the
    /// method gives; never lowers it. The staff member who confirms is recorded as the verifier: for a high-tier request
    /// that person may not execute it or produce its answer (four eyes).
    /// </summary>
    public async Task<StoreResult<DataSubjectRequest>> ConfirmIdentityAsync(StaffIdentity staff, Guid requestId, string? method, string? note, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(staff);
        if (!staff.Has(Permissions.RequestsVerifyId) || !staff.TenantScope.AllTenants)
        {
            return Forbidden();
        }

        var tier = IdentityMethods.TierOf(method);
        if (tier is null)
        {
            return new ValidationError([new FieldError("method", WorkflowErrors.MethodInvalid, "The method must be one of " + string.Join(", ", IdentityMethods.All) + ".")]);
        }

        if (note is { Length: > RequestEvent.MaxNoteLength })
        {
            return new ValidationError([new FieldError("note", "field.too_long", $"At most {RequestEvent.MaxNoteLength} characters.")]);
        }

        var request = await db.Set<DataSubjectRequest>().FirstOrDefaultAsync(r => r.Id == requestId, ct);
        if (request is null)
        {
            return StoreErrors.NotFound("request");
        }

        if (method == IdentityMethods.IdCopy && !register.Rights.Verification.IdCopyFallback)
        {
            return await RefusedAsync(staff, request, "confirm_identity", new ConflictError(WorkflowErrors.IdCopyDisabled, "The ID-copy fallback is off in the register."), ct);
        }

        if (request.State is not (RequestState.Verified or RequestState.InProgress or RequestState.WaitingForController))
        {
            return await RefusedAsync(staff, request, "confirm_identity", new ConflictError(WorkflowErrors.NotVerified, "Identity is confirmed on a request verified through the known channel that is still open."), ct);
        }

        var now = Now;
        if (request.VerificationTier is null || request.VerificationTier < tier)
        {
            request.VerificationTier = tier;
        }

        request.VerificationMethod = method;
        request.VerifiedBy = staff.UserId.ToString();
        request.VerifiedAt = now;
        request.Version++;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // The note may describe the checked fact; it stays out of the audit trail (personal data) and the timeline keeps only the method.
        Event(request.Id, now, WorkflowEventKinds.IdentityConfirmed, RequestEventKinds.Staff(staff.UserId), method);
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(db, RequestIntake.Entry("request.identity_confirmed", request, staff.Actor, new()
        {
            ["method"] = method!,
            ["tier"] = request.VerificationTier!.Value.ToString(),
        }), ct);
        await tx.CommitAsync(ct);
        return request;
    }

    /// <summary>
    /// The client organisation's decision on its part (ROU-2: the processor does not decide), by its privacy contact
    /// (permission <c>requests:controller</c>, that organisation's scope): <c>execute</c> or <c>decline</c> with a reason.
    /// </summary>
    public async Task<StoreResult<RequestPart>> DecidePartAsync(StaffIdentity staff, Guid partId, string? instruction, string? reason, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(staff);
        if (!staff.Has(Permissions.RequestsController) || staff.OrganizationId is not { } organizationId)
        {
            return Forbidden();
        }

        if (instruction is not (RequestPartStates.Execute or RequestPartStates.Decline))
        {
            return new ValidationError([new FieldError("instruction", WorkflowErrors.InstructionInvalid, "The instruction is execute or decline.")]);
        }

        var v = new FieldValidator();
        var text = v.Text("reason", reason, RequestPart.MaxReasonLength, required: instruction == RequestPartStates.Decline);
        if (!v.IsValid)
        {
            return v.ToError();
        }

        // The scoped context hides other organisations' parts; the explicit check keeps it closed even if it is not scoped.
        var part = await db.Set<RequestPart>().FirstOrDefaultAsync(p => p.Id == partId && p.OrganizationId == organizationId, ct);
        if (part is null || !part.IsClient)
        {
            return StoreErrors.NotFound("request_part");
        }

        var next = instruction == RequestPartStates.Execute ? RequestPartStates.InstructedExecute : RequestPartStates.InstructedDecline;
        if (!RequestPartStates.CanMove(part.State, next))
        {
            return new ConflictError(WorkflowErrors.PartState, "This part was decided already.");
        }

        var request = await db.Set<DataSubjectRequest>().FirstAsync(r => r.Id == part.RequestId, ct);
        if (!RequestStates.IsOpen(request.State))
        {
            return new ConflictError(WorkflowErrors.NotOpen, "The request is no longer open.");
        }

        var now = Now;
        part.State = next;
        part.Instruction = instruction;
        part.InstructionReason = text;
        part.DecidedBy = staff.UserId.ToString();
        part.DecidedAt = now;
        var stillWaiting = await db.Set<RequestPart>().IgnoreQueryFilters()
            .AnyAsync(p => p.RequestId == part.RequestId && p.Id != part.Id && p.State == RequestPartStates.Forwarded, ct);
        if (!stillWaiting && request.State == RequestState.WaitingForController)
        {
            request.MoveTo(RequestState.InProgress);
        }

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        Event(request.Id, now, WorkflowEventKinds.PartDecided, RequestEventKinds.Staff(staff.UserId), $"part {part.Id}: {instruction}");
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(db, new AuditEntry("request.part_decided", staff.Actor, organizationId,
            [new AuditObject("data_subject_request", request.Id.ToString()), new AuditObject("request_part", part.Id.ToString())],
            Details: new Dictionary<string, string> { ["instruction"] = instruction, ["category"] = part.Category }), ct);
        await tx.CommitAsync(ct);
        return part;
    }

    private void Event(Guid requestId, Instant at, string kind, string actor, string? note) =>
        db.Add(new RequestEvent { RequestId = requestId, At = at, Kind = kind, Actor = actor, Note = note });

    /// <summary>
    /// Audits a refused staff attempt on a request (security.md §1.3 item 9: a bypass attempt leaves a trace) and returns
    /// the refusal. Only the action and the stable error code are recorded: no personal data.
    /// </summary>
    private async Task<ConflictError> RefusedAsync(StaffIdentity staff, DataSubjectRequest request, string action, ConflictError error, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await audit.AppendAsync(db, RequestIntake.Entry("request.action_refused", request, staff.Actor, new()
        {
            ["action"] = action,
            ["code"] = error.Code,
        }), ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return error;
    }

    private static ForbiddenError Forbidden() => new(WorkflowErrors.Forbidden, "This action needs another permission.");

    /// <summary>Tier and four-eyes checks before anything is executed or produced.</summary>
    private static ConflictError? Gate(StaffIdentity staff, DataSubjectRequest request)
    {
        var required = RequestTypes.RequiredTier(request.Type);
        if (request.VerificationTier is not { } tier || tier < required)
        {
            return new ConflictError(WorkflowErrors.TierTooLow, $"The request needs identity verified to tier {required}; confirm identity first.");
        }

        if (required == VerificationTier.High && request.VerifiedBy == staff.UserId.ToString())
        {
            return new ConflictError(WorkflowErrors.FourEyes, "The staff member who confirmed the identity may not also execute or answer this request.");
        }

        return null;
    }
}

/// <summary>Timeline kinds the workflow adds (beside <see cref="RequestEventKinds"/>).</summary>
internal static class WorkflowEventKinds
{
    public const string Split = "split";
    public const string Forwarded = "forwarded";
    public const string IdentityConfirmed = "identity_confirmed";
    public const string PartDecided = "part_decided";
    public const string PartExecuted = "part_executed";
    public const string AnswerProduced = "answer_produced";
    public const string Delivered = "delivered";
}
