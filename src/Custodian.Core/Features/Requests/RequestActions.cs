using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Mail;
using Custodian.Core.Features.Store;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Requests;

/// <summary>
/// Staff actions on a request's lifecycle: extending the deadline (GDPR 12(3)) and refusing a manifestly unfounded
/// or excessive request (GDPR 12(5), DSR-5). The requester is told by mail, in the request's language, without
/// personal data: the notice and the reference; the reasons are read on the status page.
/// Permission checks belong to the caller (the back-office page or endpoint).
/// </summary>
internal sealed class RequestActions(CustodianDbContext db, IAuditTrail audit, RequestMessenger messenger, TimeProvider time)
{
    /// <summary>
    /// Extends the due date by 1 or 2 further months, with reasons, only while the first month runs; records
    /// <see cref="DataSubjectRequest.ExtensionNotifiedAt"/> when the requester is told: the notice is queued in the same
    /// transaction as the extension (the notice is what makes it lawful: both or neither), then sent at once.
    /// A request can be extended once.
    /// </summary>
    public async Task<StoreResult<DataSubjectRequest>> ExtendAsync(Guid staffId, Guid requestId, int months, string? reasons, CancellationToken ct)
    {
        var v = new FieldValidator();
        var reason = v.Text("reasons", reasons, DataSubjectRequest.MaxReasonLength);
        if (months is < 1 or > RequestDeadlines.MaxExtensionMonths)
        {
            v.Add("months", "request.extension_months_invalid", "An extension is one or two further months.");
        }

        if (!v.IsValid || reason is null)
        {
            return v.ToError();
        }

        var request = await db.Set<DataSubjectRequest>().FirstOrDefaultAsync(r => r.Id == requestId, ct);
        if (request is null)
        {
            return StoreErrors.NotFound("request");
        }

        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        if (!RequestStates.IsOpen(request.State))
        {
            return new ConflictError("request.not_open", "The request is no longer open.");
        }

        if (request.ExtendedDueOn is not null)
        {
            return new ConflictError("request.already_extended", "The request was extended already; the total extension is at most two months.");
        }

        if (!RequestDeadlines.CanExtendOn(request.ReceivedOn, RequestDeadlines.ReceivedOn(now)))
        {
            return new ConflictError("request.extension_too_late", "An extension must be told to the requester within the first month; that month has passed.");
        }

        var notice = Notice(request, RequestMails.Extended(request.ContactAddress ?? request.IdentifierValue, request.Language, request.Reference));
        var notified = notice is not null;
        request.ExtendedDueOn = RequestDeadlines.ExtendedDueOn(request.ReceivedOn, months);
        request.ExtensionReason = reason;
        request.ExtensionNotifiedAt = notified ? now : null;
        request.Version++;
        await SaveAsync(request, staffId, now, RequestEventKinds.Extended, "request.extended", new()
        {
            ["months"] = months.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["extended_due_on"] = request.ExtendedDueOn.Value.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        }, notice, ct);
        return request;
    }

    /// <summary>
    /// Refuses the request as manifestly unfounded or excessive; the justification is required (the controller
    /// carries the burden of proof). The requester is told of the right to complain to the Autoriteit Persoonsgegevens.
    /// </summary>
    public async Task<StoreResult<DataSubjectRequest>> RefuseAsync(Guid staffId, Guid requestId, string? justification, CancellationToken ct)
    {
        var v = new FieldValidator();
        var text = v.Text("justification", justification, DataSubjectRequest.MaxReasonLength);
        if (!v.IsValid || text is null)
        {
            return v.ToError();
        }

        var request = await db.Set<DataSubjectRequest>().FirstOrDefaultAsync(r => r.Id == requestId, ct);
        if (request is null)
        {
            return StoreErrors.NotFound("request");
        }

        if (!RequestStates.CanMove(request.State, RequestState.Refused))
        {
            return new ConflictError("request.cannot_refuse", "A request in this state cannot be refused.");
        }

        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        var notice = Notice(request, RequestMails.Refused(request.ContactAddress ?? request.IdentifierValue, request.Language, request.Reference));
        request.MoveTo(RequestState.Refused);
        request.RefusalJustification = text;
        await SaveAsync(request, staffId, now, RequestEventKinds.Refused, "request.refused", [], notice, ct);
        return request;
    }

    private async Task SaveAsync(DataSubjectRequest request, Guid staffId, Instant now, string eventKind, string action, Dictionary<string, string> details, OutgoingMail? notice, CancellationToken ct)
    {
        Guid? queued = null;
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            try
            {
                db.Add(new RequestEvent { RequestId = request.Id, At = now, Kind = eventKind, Actor = RequestEventKinds.Staff(staffId) });
                queued = notice is null ? null : messenger.Enqueue(db, notice, request.Id);
                await db.SaveChangesAsync(ct);
                await audit.AppendAsync(db, RequestIntake.Entry(action, request, new AuditActor(AuditActorKind.User, staffId.ToString()), details), ct);
                await transaction.CommitAsync(ct);
            }
            catch
            {
                db.ChangeTracker.Clear();
                throw;
            }
        }

        await messenger.SendNowAsync(queued, ct);
    }

    /// <summary>
    /// The notice to the requester at the contact on file (mail to an address, SMS to a phone number), or null when
    /// there is none: requests known only by another identifier are told by staff by post (not recorded here yet).
    /// </summary>
    private static OutgoingMail? Notice(DataSubjectRequest request, OutgoingMail message) =>
        request.ContactAddress is null ? null : message;
}
