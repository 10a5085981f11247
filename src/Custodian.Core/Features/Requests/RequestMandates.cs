using System.Security.Cryptography;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Requests;

/// <summary>What the subject sees before deciding: the reference and the request's type, nothing about the representative.</summary>
internal sealed record MandateView(string Reference, string Type, string Language);

/// <summary>The subject's decision was recorded: <c>confirmed</c> or <c>rejected</c>.</summary>
internal sealed record MandateDecision(string Reference, string Decision);

/// <summary>A mandate token that does not work. Codes: <c>request.mandate_invalid</c>, <c>_expired</c>, <c>_used</c>.</summary>
internal sealed record MandateError(string Code, string Message) : StoreError(Code, Message);

/// <summary>
/// Mandates (issue 6 §1): a representative may act for a subject only when the subject confirms through the subject's
/// own channel already on file.
/// <para>
/// The flow: the representative files with their own e-mail address and proves control of it with the usual code
/// (<see cref="RequestIntake.VerifyAsync"/>); that moves the request to <see cref="RequestState.AwaitingMandate"/> and
/// calls <see cref="AskSubjectAsync"/>, which sends a confirmation link to the subject's e-mail address, or by SMS to
/// the subject's phone number, only if that exact address or number (index form: no Unicode or dot folding, attack
/// A2; numbers in E.164) is held in the store. Never to an address or number the representative supplies that the
/// store does not hold (A10: no new channel).
/// </para>
/// <para>
/// No oracle (A8): whether the subject was messaged, the representative sees the same answers and the same timeline
/// (<see cref="RequestEventKinds.MandateRequested"/>); an unknown subject's request lapses after
/// <see cref="Lifetime"/> exactly like an unconfirmed one, with the same notice (<see cref="RequestMails.MandateNotConfirmed"/>).
/// </para>
/// <para>
/// Why 7 days: a person who does not read mail every day must get a fair chance; the one-month deadline does not pause
/// (DSR-12), so a longer window would leave staff too little of it; and it matches the answer link's 7-day limit.
/// The token is 32 random bytes (a link, not a 6-digit code, because it lives days, not minutes), stored as SHA-256,
/// single use (one conditional update), and bound to its request: a token of another request is refused and audited
/// as <c>request.mandate_mismatch</c>. Messages to the subject count against the subject's address cap
/// (<see cref="RequestRateLimits.MessagesPerAddressPerDay"/>), so a flood of mandate requests cannot bomb one person (A17).
/// </para>
/// </summary>
internal sealed partial class RequestMandates(
    CustodianDbContext db,
    IAuditTrail audit,
    AuditHasher hasher,
    RequestRateLimits limits,
    RequestMessenger messenger,
    TimeProvider time)
{
    public static readonly Duration Lifetime = Duration.FromDays(7);

    private static readonly AuditActor Subject = new(AuditActorKind.System, "requester:mandate_subject");
    private static readonly AuditActor System = new(AuditActorKind.System, "requests:mandates");

    private Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());

    /// <summary>
    /// Asks the subject to confirm (inside the caller's transaction; the request is already in
    /// <see cref="RequestState.AwaitingMandate"/>): the message is queued in that transaction. Returns its id for the
    /// caller's fast path after commit, or null when none may be sent (subject's address or number not on file, or its
    /// daily message cap reached).
    /// </summary>
    internal async Task<Guid?> AskSubjectAsync(DataSubjectRequest request, Instant now, CancellationToken ct)
    {
        request.MandateRequestedAt = now;
        string outcome;
        Guid? outgoing = null;
        string? onFile = null;
        var byChannel = request.IdentifierKind is SubjectIdentifierKind.Email or SubjectIdentifierKind.Phone;
        if (byChannel)
        {
            var index = SubjectKey.IndexForm(request.IdentifierKind, request.IdentifierValue);
            var kind = SubjectKey.KindName(request.IdentifierKind);
            // The public intake's context has no tenant scope: the question is whether ANY record holds the address.
            onFile = await db.Set<SubjectIdentifier>().IgnoreQueryFilters().AsNoTracking()
                .Where(s => s.Kind == kind && s.Value == index).Select(s => s.Value).FirstOrDefaultAsync(ct);
        }

        if (!byChannel)
        {
            // Only the portal's subjectEmail/subjectPhone create mandated requests, so this is defensive.
            outcome = "no_channel";
        }
        else if (onFile is null)
        {
            outcome = "not_on_file";
        }
        else
        {
            var addressKey = limits.Key(RequestRateLimits.AddressScope, onFile);
            if (await limits.CountAsync(RequestRateLimits.AddressScope, addressKey, RequestRateLimits.Day, now, ct) >= RequestRateLimits.MessagesPerAddressPerDay)
            {
                outcome = "rate_limited";
            }
            else
            {
                var token = RandomNumberGenerator.GetBytes(32);
                db.Add(new RequestMandateToken { RequestId = request.Id, TokenHash = SHA256.HashData(token), CreatedAt = now, ExpiresAt = now + Lifetime });
                limits.Record(RequestRateLimits.AddressScope, addressKey, now);
                outgoing = messenger.Enqueue(db, RequestMails.MandateConfirmation(onFile, request.Language, request.Reference, RequestTypes.Title(request.Type, request.Language), RequestIntake.Base64Url(token), Lifetime), request.Id);
                outcome = "sent";
            }
        }

        db.Add(new RequestEvent { RequestId = request.Id, At = now, Kind = RequestEventKinds.MandateRequested, Actor = RequestEventKinds.SystemActor, Note = outcome });
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(db, RequestIntake.Entry(outcome == "sent" ? "request.mandate_requested" : "request.mandate_not_sent", request, System, new()
        {
            ["outcome"] = outcome,
            ["identifier"] = hasher.HashIdentifier(SubjectKey.KindName(request.IdentifierKind), request.IdentifierValue),
        }), ct);
        return outgoing;
    }

    /// <summary>What the subject is asked to decide, for the confirmation page. Failed look-ups are audited; nothing changes.</summary>
    public async Task<StoreResult<MandateView>> DescribeAsync(string? reference, string? token, CancellationToken ct)
    {
        var now = Now;
        var found = await FindAsync(reference, token, now, ct);
        if (found.Error is not null)
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            await AuditFailureAsync(found, "view", ct);
            await tx.CommitAsync(ct);
            return found.Error;
        }

        var r = found.Request!;
        return new MandateView(r.Reference, RequestTypes.Name(r.Type), r.Language);
    }

    /// <summary>
    /// The subject confirms (<paramref name="confirm"/>) or rejects the mandate with the token from the message.
    /// Confirmation verifies the request (tier low, method <see cref="VerificationMethods.MandateConfirmedBySubject"/>):
    /// staff may then proceed. Rejection closes it and tells the representative neutrally. Every attempt is audited.
    /// </summary>
    public async Task<StoreResult<MandateDecision>> DecideAsync(string? reference, string? token, bool confirm, CancellationToken ct)
    {
        var now = Now;
        Guid? notice = null;
        MandateDecision decision;
        // (A concurrent lapse or decision is refused by the request's version token and surfaces as an exception.)
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            var found = await FindAsync(reference, token, now, ct);
            if (found.Error is not null)
            {
                await AuditFailureAsync(found, confirm ? "confirm" : "reject", ct);
                await tx.CommitAsync(ct);
                if (found.Error.Code == "request.mandate_expired" && found.Request is { State: RequestState.AwaitingMandate } stale)
                {
                    // Lapse it now rather than at the next sweep (which may race: TryLapseAsync tolerates that).
                    await messenger.SendNowAsync(await TryLapseAsync(stale, now, ct), ct);
                }

                return found.Error;
            }

            var consumed = await db.Set<RequestMandateToken>()
                .Where(t => t.Id == found.Token!.Id && t.ConsumedAt == null && t.ExpiresAt > now)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.ConsumedAt, now), ct);
            var request = found.Request!;
            if (consumed != 1)
            {
                // Another node consumed it between the read and the update.
                await audit.AppendAsync(db, RequestIntake.Entry("request.mandate_reused", request, Subject, new() { ["operation"] = confirm ? "confirm" : "reject" }), ct);
                await tx.CommitAsync(ct);
                return Used;
            }

            request.MandateDecidedAt = now;
            if (confirm)
            {
                request.MoveTo(RequestState.Verified);
                request.VerificationTier = VerificationTier.Low;
                request.VerifiedAt = now;
                request.VerifiedBy = "subject";
                request.VerificationMethod = VerificationMethods.MandateConfirmedBySubject;
                db.Add(new RequestEvent { RequestId = request.Id, At = now, Kind = RequestEventKinds.MandateConfirmed, Actor = "subject" });
            }
            else
            {
                request.MoveTo(RequestState.Closed);
                request.ClosedAt = now;
                db.Add(new RequestEvent { RequestId = request.Id, At = now, Kind = RequestEventKinds.MandateRejected, Actor = "subject" });
                notice = messenger.Enqueue(db, RequestMails.MandateNotConfirmed(request.RepresentativeEmail!, request.Language, request.Reference), request.Id);
            }

            await db.SaveChangesAsync(ct);
            await audit.AppendAsync(db, RequestIntake.Entry(confirm ? "request.mandate_confirmed" : "request.mandate_rejected", request, Subject, new()
            {
                ["method"] = "mandate_link",
            }), ct);
            await tx.CommitAsync(ct);
            decision = new MandateDecision(request.Reference, confirm ? "confirmed" : "rejected");
            await messenger.SendNowAsync(notice, ct);
        }

        return decision;
    }

    /// <summary>
    /// Closes every request whose mandate window passed without a confirmation (including those whose subject was
    /// never messaged: they lapse the same way) and tells each representative. Run by the daily request timer.
    /// Returns how many were closed.
    /// </summary>
    public async Task<int> LapseExpiredAsync(CancellationToken ct)
    {
        var now = Now;
        var cutoff = now - Lifetime;
        var due = await db.Set<DataSubjectRequest>()
            .Where(r => r.State == RequestState.AwaitingMandate && r.MandateRequestedAt != null && r.MandateRequestedAt <= cutoff)
            .Select(r => r.Id)
            .ToListAsync(ct);
        var closed = 0;
        foreach (var id in due)
        {
            // Loaded one at a time and tracked: a concurrency refusal clears the tracker, and a request detached by it
            // would be "saved" without its version check (only its new event inserted), lapsing it, and mailing, twice.
            db.ChangeTracker.Clear();
            var request = await db.Set<DataSubjectRequest>().FirstOrDefaultAsync(r => r.Id == id && r.State == RequestState.AwaitingMandate, ct);
            if (request is not null && await TryLapseAsync(request, now, ct) is { } notice)
            {
                closed++;
                await messenger.SendNowAsync(notice, ct);
            }
        }

        return closed;
    }

    /// <summary>
    /// Closes one lapsed request in its own transaction, queueing the representative's notice in it, and returns the
    /// notice's id; null when another node or the subject got there first (the request's version token refuses the
    /// second writer, and the rollback takes the queued notice with it).
    /// </summary>
    private async Task<Guid?> TryLapseAsync(DataSubjectRequest request, Instant now, CancellationToken ct)
    {
        try
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            request.MoveTo(RequestState.Closed);
            request.ClosedAt = now;
            request.MandateDecidedAt = now;
            db.Add(new RequestEvent { RequestId = request.Id, At = now, Kind = RequestEventKinds.MandateLapsed, Actor = RequestEventKinds.SystemActor });
            var notice = messenger.Enqueue(db, RequestMails.MandateNotConfirmed(request.RepresentativeEmail!, request.Language, request.Reference), request.Id);
            await db.SaveChangesAsync(ct);
            await audit.AppendAsync(db, RequestIntake.Entry("request.mandate_lapsed", request, System, new() { ["window_days"] = "7" }), ct);
            await tx.CommitAsync(ct);
            return notice;
        }
        catch (DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
            return null;
        }
    }

    private static MandateError Invalid => new("request.mandate_invalid", "The reference or the mandate code is not right.");

    private static MandateError Used => new("request.mandate_used", "This mandate link was used already.");

    private sealed record Found(DataSubjectRequest? Request, RequestMandateToken? Token, MandateError? Error, string? AuditAction);

    private async Task<Found> FindAsync(string? reference, string? token, Instant now, CancellationToken ct)
    {
        var canonical = RequestReferences.Canonical(reference);
        var request = canonical is null ? null : await db.Set<DataSubjectRequest>().FirstOrDefaultAsync(r => r.Reference == canonical, ct);
        var raw = Decode(token);
        var hash = raw is null ? null : SHA256.HashData(raw);
        var row = hash is null ? null : await db.Set<RequestMandateToken>().AsNoTracking().FirstOrDefaultAsync(t => t.TokenHash == hash, ct);
        if (request is null)
        {
            return new Found(null, null, Invalid, "request.mandate_invalid");
        }

        if (row is null)
        {
            return new Found(request, null, Invalid, "request.mandate_invalid");
        }

        if (row.RequestId != request.Id)
        {
            // A real token of ANOTHER request: the same answer as a wrong one, but its own audit action.
            return new Found(request, null, Invalid, "request.mandate_mismatch");
        }

        if (row.ConsumedAt is not null)
        {
            return new Found(request, row, Used, "request.mandate_reused");
        }

        // Expiry before state: the daily sweep may have closed the request already (it lapsed), and the subject should
        // hear that the link expired, not that it was used.
        if (row.ExpiresAt <= now)
        {
            return new Found(request, row, new MandateError("request.mandate_expired", "This mandate link has expired; the request is closed."), "request.mandate_expired");
        }

        if (request.State != RequestState.AwaitingMandate)
        {
            // Closed or refused by staff meanwhile: the link no longer decides anything.
            return new Found(request, row, Used, "request.mandate_reused");
        }

        return new Found(request, row, null, null);
    }

    private async Task AuditFailureAsync(Found found, string operation, CancellationToken ct)
    {
        var objects = found.Request is null ? Array.Empty<AuditObject>() : [new AuditObject("data_subject_request", found.Request.Id.ToString())];
        await audit.AppendAsync(db, new AuditEntry(found.AuditAction!, Subject, null, objects, Details: new Dictionary<string, string> { ["operation"] = operation }), ct);
        await db.SaveChangesAsync(ct);
    }

    private static byte[]? Decode(string? token)
    {
        if (string.IsNullOrWhiteSpace(token) || token.Length > 64)
        {
            return null;
        }

        var text = token.Trim().Replace('-', '+').Replace('_', '/');
        text += (text.Length % 4) switch { 2 => "==", 3 => "=", _ => string.Empty };
        try
        {
            var bytes = Convert.FromBase64String(text);
            return bytes.Length == 32 ? bytes : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

}
