using Custodian.Core.Common;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Requests.Execution;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Store;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Requests.Workflow;

/// <summary>What staff give when executing a part: the Art. 18 ground, the objection's compelling grounds, the corrections.</summary>
internal sealed record ExecutePartInput(string? RestrictionGround = null, string? CompellingGrounds = null, IReadOnlyList<RectificationChange>? Changes = null);

internal sealed partial class RequestWorkflow
{
    /// <summary>
    /// Executes a provider part, or a client part its controller instructed to execute (permission <c>requests:handle</c>,
    /// provider staff), with the executor of the request's type. Nothing below the required tier, not by the person who
    /// confirmed a high-tier identity, and an erasure not before the cooling-off after the code confirmation. Access and
    /// portability parts have nothing to execute: they are answered by the report. A part instructed to decline is
    /// recorded as declined. Idempotent: an executed part is returned as it is.
    /// </summary>
    public async Task<StoreResult<RequestPart>> ExecutePartAsync(StaffIdentity staff, Guid partId, ExecutePartInput? input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(staff);
        input ??= new ExecutePartInput();
        if (!staff.Has(Permissions.RequestsHandle) || !staff.TenantScope.AllTenants)
        {
            return Forbidden();
        }

        var part = await db.Set<RequestPart>().AsNoTracking().FirstOrDefaultAsync(p => p.Id == partId, ct);
        if (part is null)
        {
            return StoreErrors.NotFound("request_part");
        }

        if (RequestPartStates.IsFinal(part.State))
        {
            return part;
        }

        var request = await db.Set<DataSubjectRequest>().AsNoTracking().FirstAsync(r => r.Id == part.RequestId, ct);
        if (request.State is not (RequestState.InProgress or RequestState.WaitingForController))
        {
            return new ConflictError(WorkflowErrors.NotOpen, "The request is not being worked on.");
        }

        if (part.State == RequestPartStates.InstructedDecline)
        {
            return await FinishPartAsync(staff, part.Id, RequestPartStates.Declined, new PartOutcome("declined", null, [], null), ct);
        }

        if (part.State != RequestPartStates.Pending && part.State != RequestPartStates.InstructedExecute)
        {
            return new ConflictError(WorkflowErrors.PartState, "The controller has not decided about this part yet.");
        }

        if (Gate(staff, request) is { } refused)
        {
            return await RefusedAsync(staff, request, "execute", refused, ct);
        }

        var subject = SubjectOf(request);
        var caller = new StoreCaller(staff.Actor, staff.TenantScope);
        Guid? organization = part.IsClient ? part.OrganizationId : null;
        PartOutcome outcome;
        switch (request.Type)
        {
            case RequestType.Access or RequestType.Portability:
                outcome = new PartOutcome("answered_by_report", null, [], null);
                break;
            case RequestType.Erasure:
                {
                    var confirmed = await db.Set<RequestEvent>().AsNoTracking()
                        .Where(e => e.RequestId == request.Id && e.Kind == RequestEventKinds.Verified && e.Actor == RequestEventKinds.RequesterActor)
                        .OrderBy(e => e.At).Select(e => (Instant?)e.At).FirstOrDefaultAsync(ct);
                    if (confirmed is null)
                    {
                        return await RefusedAsync(staff, request, "execute", new ConflictError(WorkflowErrors.NoChannelConfirmation, "An erasure needs the requester's confirmation through the known channel (the request's code)."), ct);
                    }

                    if (Now < confirmed.Value + options.ErasureCoolingOff)
                    {
                        return await RefusedAsync(staff, request, "execute", new ConflictError(WorkflowErrors.CoolingOff, $"The erasure may run from {confirmed.Value + options.ErasureCoolingOff} (cooling-off period)."), ct);
                    }

                    // The part is recorded executed in the erasure's own transaction: a crash between the two would
                    // leave the records gone and the part pending, and the retry would audit a second, empty erasure.
                    RequestPart? recorded = null;
                    var erased = await erasure.ExecuteAsync(db, request.Id, subject, new ExecutionPart(part.Category, organization), caller, ct, async (result, c) =>
                    {
                        var line = result.Categories.Single();
                        var erasedOutcome = new PartOutcome("erased", line.Erased, [.. line.Kept.Select(k => new PartKept(k.Reason, k.Count, k.Until))], null);
                        recorded = await RecordPartAsync(staff, part.Id, RequestPartStates.Executed, erasedOutcome, c);
                    });
                    if (!erased.IsSuccess)
                    {
                        return erased.Error!;
                    }

                    FailPoints.Hit(FailPointPartRecorded);
                    return recorded!;
                }

            case RequestType.Restriction:
                {
                    var groundName = input.RestrictionGround ?? GroundFromDetails(request.Details);
                    if (groundName is null || !HoldBases.GroundNameList.Contains(groundName))
                    {
                        return new ValidationError([new FieldError("restrictionGround", WorkflowErrors.RestrictionGroundInvalid, "The ground must be one of " + string.Join(", ", HoldBases.GroundNameList) + ".")]);
                    }

                    // One restriction (one hold) per request: it covers every category answered here at the time it is placed.
                    var categories = await db.Set<RequestPart>().AsNoTracking()
                        .Where(p => p.RequestId == request.Id && (p.Controller == RequestPartStates.ProviderController || p.Instruction == RequestPartStates.Execute))
                        .Select(p => p.Category).Distinct().ToListAsync(ct);
                    var placed = await restriction.PlaceAsync(db, request.Id, subject, HoldBases.ParseGround(groundName), null, categories, caller, ct);
                    if (!placed.IsSuccess)
                    {
                        return placed.Error!;
                    }

                    outcome = new PartOutcome("restricted", null, [], groundName);
                    break;
                }

            case RequestType.Objection:
                {
                    if (!objection.ObjectableCategories.Contains(part.Category))
                    {
                        outcome = new PartOutcome("objection", 0, [], ObjectionExecutor.NotLegitimateInterest);
                        break;
                    }

                    var grounds = string.IsNullOrWhiteSpace(input.CompellingGrounds) ? null : input.CompellingGrounds;
                    var result = await objection.ExecuteAsync(db, request.Id, subject, [part.Category], grounds, caller, ct);
                    if (!result.IsSuccess)
                    {
                        return result.Error!;
                    }

                    var lines = result.Value!.Erased;
                    outcome = grounds is not null
                        ? new PartOutcome("objection", 0, [], "objection.compelling_grounds")
                        : new PartOutcome("objection", lines.Sum(l => l.Erased), [.. lines.SelectMany(l => l.Kept).Select(k => new PartKept(k.Reason, k.Count, k.Until))], null);
                    break;
                }

            case RequestType.WithdrawConsent:
                {
                    // Every part of the request withdraws the person's consents; the first one does it, the others find none left.
                    var result = await consent.ExecuteAsync(db, request.Id, subject, ConsentWithdrawalExecutor.ChannelOf(request.Channel), caller, ct);
                    if (!result.IsSuccess)
                    {
                        return result.Error!;
                    }

                    outcome = new PartOutcome("consent", result.Value!.Withdrawn, [], result.Value.Code);
                    break;
                }

            case RequestType.Rectification:
                {
                    if (input.Changes is not { Count: > 0 } changes)
                    {
                        return new ValidationError([new FieldError("changes", WorkflowErrors.ChangesRequired, "Give the corrections to apply.")]);
                    }

                    var result = await rectification.ExecuteAsync(db, request.Id, subject, changes, caller, ct);
                    if (!result.IsSuccess)
                    {
                        return result.Error!;
                    }

                    outcome = new PartOutcome("rectified", result.Value!.Fields.Count(f => f.Changed), [], null);
                    break;
                }

            default:
                throw new InvalidOperationException($"Unknown request type {request.Type}.");
        }

        db.ChangeTracker.Clear();
        return await FinishPartAsync(staff, part.Id, RequestPartStates.Executed, outcome, ct);
    }

    private async Task<StoreResult<RequestPart>> FinishPartAsync(StaffIdentity staff, Guid partId, string state, PartOutcome outcome, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var part = await RecordPartAsync(staff, partId, state, outcome, ct);
        await tx.CommitAsync(ct);
        FailPoints.Hit(FailPointPartRecorded);
        return part;
    }

    /// <summary>Fail point (issue 8 §4): a part's execution is committed, the answer to staff not yet given.</summary>
    public const string FailPointPartRecorded = "request.part.recorded";

    /// <summary>Moves the part to <paramref name="state"/> with its event and audit, in the caller's open transaction.</summary>
    private async Task<RequestPart> RecordPartAsync(StaffIdentity staff, Guid partId, string state, PartOutcome outcome, CancellationToken ct)
    {
        var part = await db.Set<RequestPart>().FirstAsync(p => p.Id == partId, ct);
        if (RequestPartStates.IsFinal(part.State))
        {
            return part;
        }

        var now = Now;
        part.State = RequestPartStates.CanMove(part.State, state) ? state : throw new InvalidOperationException($"A part cannot move from {part.State} to {state}.");
        part.Outcome = outcome.ToJson();
        part.ExecutedBy = staff.UserId.ToString();
        part.ExecutedAt = now;
        Event(part.RequestId, now, WorkflowEventKinds.PartExecuted, RequestEventKinds.Staff(staff.UserId), $"part {part.Id}: {state}");
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(db, new AuditEntry(state == RequestPartStates.Declined ? "request.part_declined" : "request.part_executed", staff.Actor, part.IsClient ? part.OrganizationId : null,
            [new AuditObject("data_subject_request", part.RequestId.ToString()), new AuditObject("request_part", part.Id.ToString())],
            Details: new Dictionary<string, string> { ["category"] = part.Category, ["outcome"] = outcome.Kind }), ct);
        return part;
    }

    /// <summary>A restriction ground named in the request's details (the portal's form puts the wire name there), else null.</summary>
    private static string? GroundFromDetails(string? details) =>
        details is null ? null : HoldBases.GroundNameList.FirstOrDefault(g => details.Contains(g, StringComparison.Ordinal));
}
