using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Requests;

internal sealed partial class RequestIntake
{
    /// <summary>
    /// Sends a new code for the request with this reference ("send a new code"), replacing its earlier codes.
    /// <para>
    /// Also for a request verified before (a new session, e.g. to download the answer); its state does not change.
    /// The answer is the same whether a code was sent or not (unknown reference, closed, staff-entered,
    /// or the address's daily message cap reached): it must not tell a stranger holding a reference anything, and it
    /// must not become a way to flood a mailbox. The client limit (<see cref="RequestRateLimits.ClientScope"/>) counts
    /// a resend like a submission and refuses with a <see cref="RateLimitedError"/>; the per-address cap
    /// (<see cref="RequestRateLimits.MessagesPerAddressPerDay"/>) silently suppresses the message. Every attempt is
    /// audited: <c>request.verification_resent</c>, <c>request.rate_limited</c> or <c>request.resend_ignored</c>.
    /// </para>
    /// </summary>
    public async Task<StoreResult<SubmitReceipt>> ResendCodeAsync(string? reference, string clientAddress, CancellationToken ct)
    {
        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        var canonical = RequestReferences.Canonical(reference);
        var clientKey = limits.Key(RequestRateLimits.ClientScope, clientAddress);
        if (await limits.ClientRetryAfterAsync(clientKey, now, ct) is { } wait)
        {
            await AuditAloneAsync(new AuditEntry("request.rate_limited", Requester(RequestChannel.Portal), null, [], Details: new Dictionary<string, string>
            {
                ["scope"] = RequestRateLimits.ClientScope,
                ["operation"] = "resend",
                ["client"] = hasher.HashIdentifier("ip", clientAddress),
            }), ct);
            return new RateLimitedError(wait);
        }

        var request = canonical is null ? null : await db.Set<DataSubjectRequest>().FirstOrDefaultAsync(r => r.Reference == canonical, ct);
        Guid? message = null;
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            limits.Record(RequestRateLimits.ClientScope, clientKey, now);
            if (request is null || request.State == RequestState.Closed || request.ContactAddress is null
                || request.Channel is not (RequestChannel.Portal or RequestChannel.Api))
            {
                await db.SaveChangesAsync(ct);
                var objects = request is null ? Array.Empty<AuditObject>() : [new AuditObject("data_subject_request", request.Id.ToString())];
                await audit.AppendAsync(db, new AuditEntry("request.resend_ignored", Requester(request?.Channel ?? RequestChannel.Portal), null, objects, Details: new Dictionary<string, string>
                {
                    ["reason"] = request is null ? "unknown_reference" : request.State == RequestState.Closed ? "closed" : "not_self_filed",
                    ["client"] = hasher.HashIdentifier("ip", clientAddress),
                }), ct);
                await transaction.CommitAsync(ct);
                return new SubmitReceipt(canonical ?? string.Empty);
            }

            var actor = Requester(request.Channel);
            // A representative's request: the new code goes to the representative's verified address, never the subject's.
            var contact = request.ContactAddress;
            var contactKind = RequestMessenger.IsPhone(contact) ? SubjectIdentifierKind.Phone : SubjectIdentifierKind.Email;
            var channelName = contactKind == SubjectIdentifierKind.Phone ? "sms" : "email";
            var identifierHash = hasher.HashIdentifier(SubjectKey.KindName(contactKind), contact);
            var addressKey = limits.Key(RequestRateLimits.AddressScope, SubjectKey.IndexForm(contactKind, contact));
            var addressCount = await limits.CountAsync(RequestRateLimits.AddressScope, addressKey, RequestRateLimits.Day, now, ct);
            if (addressCount >= RequestRateLimits.MessagesPerAddressPerDay)
            {
                AddEvent(request.Id, now, RequestEventKinds.VerificationSuppressed, RequestEventKinds.SystemActor, "rate limit: " + RequestRateLimits.AddressScope);
                await db.SaveChangesAsync(ct);
                await audit.AppendAsync(db, Entry("request.rate_limited", request, actor, new() { ["scope"] = RequestRateLimits.AddressScope, ["operation"] = "resend", ["identifier"] = identifierHash }), ct);
            }
            else
            {
                var code = await codes.IssueAsync(request.Id, now, ct);
                message = messenger.Enqueue(db, RequestMails.VerificationCode(contact, request.Language, request.Reference, code, VerificationCodes.Lifetime), request.Id);
                limits.Record(RequestRateLimits.AddressScope, addressKey, now);
                AddEvent(request.Id, now, RequestEventKinds.VerificationSent, RequestEventKinds.SystemActor, channelName);
                await db.SaveChangesAsync(ct);
                await audit.AppendAsync(db, Entry("request.verification_resent", request, actor, new() { ["channel"] = channelName, ["identifier"] = identifierHash }), ct);
            }

            await transaction.CommitAsync(ct);
        }

        await messenger.SendNowAsync(message, ct);

        return new SubmitReceipt(request.Reference);
    }
}
