using System.Globalization;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Requests.IdCopies;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Requests.Workflow;

/// <summary>Timeline kinds of the ID-copy fallback (beside <see cref="WorkflowEventKinds"/>); none carries evidence.</summary>
internal static class IdCopyEventKinds
{
    /// <summary>Staff asked the requester for a shielded ID copy (the portal then offers the upload form).</summary>
    public const string Requested = "id_copy_requested";

    /// <summary>A copy passed screening and is stored encrypted until the decision.</summary>
    public const string Received = "id_copy_received";

    /// <summary>Staff rejected the copy; it was destroyed with its key.</summary>
    public const string Rejected = "id_copy_rejected";
}

/// <summary>Stable codes of the ID-copy flow beside <see cref="IdCopyRejectionCodes"/>.</summary>
internal static class IdCopyFlowErrors
{
    /// <summary>The register's fallback is off: the pages answer 404.</summary>
    public const string Disabled = WorkflowErrors.IdCopyDisabled;

    /// <summary>No copy was asked for (or the request is no longer waiting for one): nothing is read or kept.</summary>
    public const string NotRequested = "id_copy.not_requested";

    /// <summary>Confirming identity by ID copy needs a copy waiting for the decision.</summary>
    public const string NoCopy = "id_copy.none";

    /// <summary>Confirming identity by ID copy needs staff to confirm the watermark and the covered photo.</summary>
    public const string ConfirmationsRequired = "id_copy.confirmations_required";
}

/// <summary>Where a request stands in the ID-copy fallback, for the portal's status page.</summary>
internal enum IdCopyStage
{
    /// <summary>The fallback is off, or staff did not ask for a copy (or the request is no longer open for one).</summary>
    None,

    /// <summary>Staff asked; no copy is waiting: the upload form is shown.</summary>
    Requested,

    /// <summary>A screened copy waits for staff's decision.</summary>
    Received,
}

/// <summary>
/// The requester's side of the ID-copy fallback (issue 6 §2, security.md §1.3 item 6): whether the portal offers the
/// upload, and the upload itself (screen, then store encrypted, or refuse and keep nothing). Every attempt by a
/// verified session is audited (<c>request.id_copy_received</c> by <see cref="IdCopies.IdCopies"/>, or
/// <c>request.id_copy_refused</c> with the rule's code) without anything of the file. Works on contexts of its own,
/// scoped to all tenants: the portal's context has no tenant scope, and the copy rows are tenant-owned (provider = empty organisation).
/// </summary>
internal sealed class IdCopyPortal(
    IDbContextFactory<CustodianDbContext> contexts,
    ProcessingRegister register,
    IdCopyScreening screening,
    IdCopies.IdCopies copies,
    IAuditTrail audit,
    TimeProvider time)
{
    /// <summary>The register's switch; when off every ID-copy page and action answers 404.</summary>
    public bool Enabled => register.Rights.Verification.IdCopyFallback;

    public long MaxBytes => screening.Options.MaxBytes;

    public async Task<IdCopyStage> StageAsync(DataSubjectRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Enabled)
        {
            return IdCopyStage.None;
        }

        await using var db = await OpenAsync(ct);
        return await StageAsync(db, request, ct);
    }

    /// <summary>
    /// Screens and stores one upload for <paramref name="request"/> (whose verified session the caller checked). Null
    /// when stored; otherwise the refusal (nothing of the upload is kept).
    /// </summary>
    public async Task<IdCopyScreeningResult.Rejected?> UploadAsync(DataSubjectRequest request, Stream? content, string? fileName, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Enabled)
        {
            throw new InvalidOperationException("the ID-copy fallback is off; the page must answer 404 before uploading");
        }

        var actor = RequestIntake.Requester(RequestChannel.Portal);
        await using var db = await OpenAsync(ct);
        if (await StageAsync(db, request, ct) != IdCopyStage.Requested)
        {
            await RefusedAsync(db, request, actor, IdCopyFlowErrors.NotRequested, ct);
            return new IdCopyScreeningResult.Rejected(
                IdCopyFlowErrors.NotRequested,
                "Voor dit verzoek is geen kopie van een identiteitsbewijs gevraagd, of er wacht er al een op controle.",
                "No copy of an identity document was asked for on this request, or one is already waiting to be checked.");
        }

        var result = content is null
            ? IdCopyMessages.Reject(IdCopyRejectionCodes.Empty)
            : await screening.ScreenAsync(content, fileName ?? string.Empty, ct);
        if (result is IdCopyScreeningResult.Rejected rejected)
        {
            await RefusedAsync(db, request, actor, rejected.Code, ct);
            return rejected;
        }

        var accepted = (IdCopyScreeningResult.Accepted)result;
        await copies.StoreAsync(db, request.Id, Guid.Empty, accepted, actor, ct);
        db.Add(new RequestEvent { RequestId = request.Id, At = Now(), Kind = IdCopyEventKinds.Received, Actor = RequestEventKinds.RequesterActor });
        await db.SaveChangesAsync(ct);
        return null;
    }

    /// <summary>
    /// <see cref="IdCopyStage.Requested"/> when the request is open for identity confirmation and staff's latest
    /// <see cref="IdCopyEventKinds.Requested"/> came after the latest confirmation or rejection; a stored copy makes it
    /// <see cref="IdCopyStage.Received"/>.
    /// </summary>
    internal static async Task<IdCopyStage> StageAsync(CustodianDbContext db, DataSubjectRequest request, CancellationToken ct)
    {
        if (request.State is not (RequestState.Verified or RequestState.InProgress or RequestState.WaitingForController))
        {
            return IdCopyStage.None;
        }

        var events = await db.Set<RequestEvent>().AsNoTracking()
            .Where(e => e.RequestId == request.Id && (e.Kind == IdCopyEventKinds.Requested || e.Kind == IdCopyEventKinds.Rejected || e.Kind == WorkflowEventKinds.IdentityConfirmed))
            .Select(e => new { e.Kind, e.At })
            .ToListAsync(ct);
        var asked = events.Where(e => e.Kind == IdCopyEventKinds.Requested).Select(e => (Instant?)e.At).Max();
        var closed = events.Where(e => e.Kind != IdCopyEventKinds.Requested).Select(e => (Instant?)e.At).Max();
        if (asked is null || (closed is not null && closed >= asked))
        {
            return IdCopyStage.None;
        }

        var waiting = await db.Set<IdCopy>().IgnoreQueryFilters().AnyAsync(c => c.RequestId == request.Id, ct);
        return waiting ? IdCopyStage.Received : IdCopyStage.Requested;
    }

    private async Task RefusedAsync(CustodianDbContext db, DataSubjectRequest request, AuditActor actor, string code, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await audit.AppendAsync(db, RequestIntake.Entry("request.id_copy_refused", request, actor, new() { ["code"] = code }), ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    private async Task<CustodianDbContext> OpenAsync(CancellationToken ct)
    {
        var db = await contexts.CreateDbContextAsync(ct);
        db.ScopeTo(TenantScope.Everything);
        return db;
    }

    private Instant Now() => Instant.FromDateTimeOffset(time.GetUtcNow());
}

/// <summary>
/// The verifier's side of the ID-copy fallback (permission <c>requests:verify_id</c>, provider staff only): ask for a
/// copy, see the pages (each view audited), and decide. Confirming identity or rejecting the copy destroys every copy
/// of the request with its key (<see cref="IdCopies.IdCopies.DestroyAsync"/>); what remains is the decision (who,
/// when, how) and the timeline event. Everything answers <see cref="IdCopyFlowErrors.Disabled"/> / not found while the
/// register's fallback is off.
/// </summary>
internal sealed class IdCopyDecisions(
    CustodianDbContext db,
    ProcessingRegister register,
    RequestWorkflow workflow,
    IdCopies.IdCopies copies,
    IAuditTrail audit,
    TimeProvider time)
{
    public bool Enabled => register.Rights.Verification.IdCopyFallback;

    public static bool MayVerify(StaffIdentity staff) =>
        staff is not null && staff.TenantScope.AllTenants && staff.Has(Permissions.RequestsVerifyId);

    /// <summary>Asks the requester for a shielded copy: a timeline event the portal shows as the upload form, and <c>request.id_copy_requested</c>.</summary>
    public async Task<StoreResult<DataSubjectRequest>> RequestCopyAsync(StaffIdentity staff, Guid requestId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(staff);
        if (!Enabled)
        {
            return StoreErrors.NotFound("request");
        }

        if (!MayVerify(staff))
        {
            return new ForbiddenError(WorkflowErrors.Forbidden, "This action needs another permission.");
        }

        var request = await db.Set<DataSubjectRequest>().FirstOrDefaultAsync(r => r.Id == requestId, ct);
        if (request is null)
        {
            return StoreErrors.NotFound("request");
        }

        if (request.State is not (RequestState.Verified or RequestState.InProgress or RequestState.WaitingForController))
        {
            return new ConflictError(WorkflowErrors.NotVerified, "A copy is asked for on a request verified through the known channel that is still open.");
        }

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.Add(new RequestEvent { RequestId = request.Id, At = Now(), Kind = IdCopyEventKinds.Requested, Actor = RequestEventKinds.Staff(staff.UserId) });
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(db, RequestIntake.Entry("request.id_copy_requested", request, staff.Actor, []), ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return request;
    }

    /// <summary>The copies waiting for a decision (ids, page counts, dates; no content); empty when off or not allowed.</summary>
    public async Task<IReadOnlyList<IdCopy>> PendingAsync(StaffIdentity staff, Guid requestId, CancellationToken ct) =>
        Enabled && MayVerify(staff) ? await IdCopies.IdCopies.ListAsync(db, requestId, ct) : [];

    /// <summary>One page of a copy of <paramref name="requestId"/> for the verifier (audited <c>request.id_copy_viewed</c>); null when off, not allowed, destroyed or not this request's.</summary>
    public async Task<IdCopyPage?> PageAsync(StaffIdentity staff, Guid requestId, Guid copyId, int page, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(staff);
        if (!Enabled || !MayVerify(staff))
        {
            return null;
        }

        var exists = await db.Set<IdCopy>().AsNoTracking().AnyAsync(c => c.Id == copyId && c.RequestId == requestId, ct);
        if (!exists)
        {
            return null;
        }

        var view = await copies.OpenForVerifierAsync(db, copyId, staff.Actor, ct);
        return view is not null && page >= 1 && page <= view.Pages.Count ? view.Pages[page - 1] : null;
    }

    /// <summary>
    /// Confirms identity (<see cref="RequestWorkflow.ConfirmIdentityAsync"/>) and destroys the request's waiting copies.
    /// With <c>method = id_copy</c> a copy must be waiting and <paramref name="confirmations"/> must both be true (the
    /// staff member looked at the watermark and the covered photo). With another method any waiting copy is destroyed
    /// too: it is no longer needed once identity is decided.
    /// </summary>
    public async Task<StoreResult<DataSubjectRequest>> ConfirmIdentityAsync(
        StaffIdentity staff, Guid requestId, string? method, string? note, IdCopyConfirmations confirmations, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(staff);
        ArgumentNullException.ThrowIfNull(confirmations);
        var pending = Enabled && MayVerify(staff) ? await IdCopies.IdCopies.ListAsync(db, requestId, ct) : [];
        if (method == IdentityMethods.IdCopy && Enabled && MayVerify(staff))
        {
            if (pending.Count == 0)
            {
                return new ConflictError(IdCopyFlowErrors.NoCopy, "No ID copy is waiting for a decision on this request.");
            }

            if (!confirmations.WatermarkPresent || !confirmations.PhotoCovered)
            {
                return new ValidationError([
                    .. confirmations.WatermarkPresent ? Array.Empty<FieldError>() : [new FieldError("watermarkPresent", IdCopyFlowErrors.ConfirmationsRequired, "Confirm the watermark.")],
                    .. confirmations.PhotoCovered ? Array.Empty<FieldError>() : [new FieldError("photoCovered", IdCopyFlowErrors.ConfirmationsRequired, "Confirm the covered photo.")],
                ]);
            }
        }

        var confirmed = await workflow.ConfirmIdentityAsync(staff, requestId, method, note, ct);
        if (confirmed.IsSuccess && pending.Count > 0)
        {
            // A second transaction: a crash in between leaves the copy waiting (still only for verifiers); confirming again destroys it.
            await copies.DestroyAsync(db, requestId, Guid.Empty, staff.Actor, IdVerificationOutcome.Verified, method!,
                method == IdentityMethods.IdCopy ? confirmations : new IdCopyConfirmations(false, false), ct);
        }

        return confirmed;
    }

    /// <summary>Rejects the waiting copies (destroyed with their keys); the request keeps waiting for identity, and staff may ask again.</summary>
    public async Task<StoreResult<IdVerificationDecision>> RejectAsync(StaffIdentity staff, Guid requestId, IdCopyConfirmations confirmations, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(staff);
        ArgumentNullException.ThrowIfNull(confirmations);
        if (!Enabled)
        {
            return StoreErrors.NotFound("request");
        }

        if (!MayVerify(staff))
        {
            return new ForbiddenError(WorkflowErrors.Forbidden, "This action needs another permission.");
        }

        var request = await db.Set<DataSubjectRequest>().AsNoTracking().FirstOrDefaultAsync(r => r.Id == requestId, ct);
        if (request is null)
        {
            return StoreErrors.NotFound("request");
        }

        if ((await IdCopies.IdCopies.ListAsync(db, requestId, ct)).Count == 0)
        {
            return new ConflictError(IdCopyFlowErrors.NoCopy, "No ID copy is waiting for a decision on this request.");
        }

        var decision = await copies.DestroyAsync(db, requestId, Guid.Empty, staff.Actor, IdVerificationOutcome.Refused, IdentityMethods.IdCopy, confirmations, ct);
        db.Add(new RequestEvent
        {
            RequestId = requestId,
            At = Now(),
            Kind = IdCopyEventKinds.Rejected,
            Actor = RequestEventKinds.Staff(staff.UserId),
            Note = string.Create(CultureInfo.InvariantCulture, $"{decision.CopiesDestroyed} destroyed"),
        });
        await db.SaveChangesAsync(ct);
        return decision;
    }

    /// <summary>Destroys waiting copies when the request itself ends (refused): no copy outlives the decision on the request.</summary>
    public async Task DestroyForClosedRequestAsync(StaffIdentity staff, Guid requestId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(staff);
        if (await db.Set<IdCopy>().AsNoTracking().AnyAsync(c => c.RequestId == requestId, ct))
        {
            await copies.DestroyAsync(db, requestId, Guid.Empty, staff.Actor, IdVerificationOutcome.Refused, "request_closed", new IdCopyConfirmations(false, false), ct);
        }
    }

    private Instant Now() => Instant.FromDateTimeOffset(time.GetUtcNow());
}
