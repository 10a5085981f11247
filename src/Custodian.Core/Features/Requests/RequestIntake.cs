using System.Security.Cryptography;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Identifiers;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Requests;

/// <summary>What the portal or the API submits. Field names are the JSON names.</summary>
/// <remarks>
/// On someone else's behalf: <c>Email</c> is then the representative's own address (codes go there), the subject is
/// <c>SubjectEmail</c> or <c>SubjectPhone</c> as the subject is known, and <c>Mandate</c> states the relation and the
/// mandate (see <see cref="RequestMandates"/>).
/// </remarks>
internal sealed record SubmitRequestInput(
    string? Type, string? Email, string? Phone, string? Language, string? Details,
    string? SubjectEmail = null, string? SubjectPhone = null, string? Mandate = null);

/// <summary>The answer to a submission: the reference only, identical whether or not the person is known.</summary>
internal sealed record SubmitReceipt(string Reference);

/// <summary>The requester's session after a correct code.</summary>
internal sealed record RequestSessionGrant(string Token, Instant ExpiresAt);

/// <summary>Staff entry of a request that arrived by letter, e-mail or phone.</summary>
internal sealed record EnterRequestInput(string? Channel, LocalDate? ReceivedOn, string? Type, string? IdentifierKind, string? Identifier, string? Language, string? Details);

/// <summary>The client submitted too often: 429 with Retry-After.</summary>
internal sealed record RateLimitedError(Duration RetryAfter)
    : StoreError("request.rate_limited", "Too many requests from this client; try again later.");

/// <summary>A verification attempt that did not succeed. Codes: <c>request.code_invalid</c>, <c>_expired</c>, <c>_locked</c>, <c>_used</c>.</summary>
internal sealed record VerificationError(string Code, string Message) : StoreError(Code, Message);

/// <summary>
/// Intake of data-subject requests from the portal, the API and staff (issue 6 §1–§2).
/// <para>
/// Why every submission sends a code to the address or phone number the requester gave (by SMS for a number), and
/// nothing else: the code proves control of that mailbox or phone (a channel bound to the subject, security.md §1.3 item 1). Whatever is found under the verified
/// identifier is shown only to its holder, after verification, through the request session. So the submission itself
/// never looks the person up: its answer (status, body and, since the same work is done, similar time) is identical
/// whether or not the person exists (attack A8), and there is nothing to enumerate.
/// </para>
/// <para>
/// Addresses are compared exactly as canonicalised by <see cref="Email.Normalize"/>: no Unicode folding, no Gmail dot
/// or plus folding. A Cyrillic 'а' is a different address from a Latin 'a' (attack A2). Rate limits
/// (<see cref="RequestRateLimits"/>): per client a refusal (429); per subject and per address the request is still
/// accepted with the same answer but no further message is sent (no oracle, no notification bombing).
/// </para>
/// </summary>
internal sealed partial class RequestIntake(
    CustodianDbContext db,
    IAuditTrail audit,
    AuditHasher hasher,
    VerificationCodes codes,
    RequestRateLimits limits,
    RequestMandates mandates,
    RequestMessenger messenger,
    TimeProvider time)
{
    public static readonly Duration SessionLifetime = Duration.FromHours(1);

    public static readonly IReadOnlyList<string> Languages = ["nl", "en"];

    /// <summary>
    /// Files a request from the portal or the API. Returns a <see cref="ValidationError"/> for bad input, a
    /// <see cref="RateLimitedError"/> when the client submitted too often, else the reference (always the same shape).
    /// <c>clientAddress</c> is the caller's IP address as the host sees it (after forwarded-header handling).
    /// </summary>
    public async Task<StoreResult<SubmitReceipt>> SubmitAsync(SubmitRequestInput input, RequestChannel channel, string clientAddress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (channel is not (RequestChannel.Portal or RequestChannel.Api))
        {
            throw new ArgumentOutOfRangeException(nameof(channel), "Staff-entered channels go through EnterAsync.");
        }

        var v = new FieldValidator();
        var type = ParseType(v, input.Type);
        var language = ParseLanguage(v, input.Language);
        var details = v.Text("details", input.Details, DataSubjectRequest.MaxDetailsLength, required: false);
        string? email = null;
        string? phone = null;
        var hasPhone = !string.IsNullOrWhiteSpace(input.Phone);
        var hasEmail = !string.IsNullOrWhiteSpace(input.Email);
        var mandated = !string.IsNullOrWhiteSpace(input.SubjectEmail) || !string.IsNullOrWhiteSpace(input.SubjectPhone);
        if (hasPhone && hasEmail)
        {
            // One contact, one channel: the code proves control of exactly the channel it went to.
            v.Add("phone", "request.contact.one_channel", "Give an e-mail address or a phone number, not both.");
        }
        else if (hasPhone && mandated)
        {
            // A representative is known to us only by the address they prove and we answer through (RepresentativeEmail).
            v.Add("phone", "request.mandate.email_required", "On someone else's behalf, give your own e-mail address: a phone number cannot be used for a representative.");
        }
        else if (hasPhone)
        {
            // The code goes by SMS to this number (E.164, Dutch numbers without the country code are read as +31).
            var normalized = SubjectKey.Normalize(SubjectIdentifierKind.Phone, input.Phone!);
            if (normalized.IsValid)
            {
                phone = normalized.Value;
            }
            else
            {
                v.Add("phone", normalized.Error!.Code, normalized.Error.Message);
            }
        }
        else if (!hasEmail)
        {
            v.Add("email", "field.required", "An e-mail address or a phone number is required: the verification code is sent there.");
        }
        else
        {
            var normalized = Email.Normalize(input.Email);
            if (normalized.IsValid)
            {
                email = normalized.Value;
            }
            else
            {
                v.Add("email", normalized.Error!.Code, normalized.Error.Message);
            }
        }

        var subject = ParseSubject(v, input, email);
        if (!v.IsValid || type is null || (email ?? phone) is null)
        {
            return v.ToError();
        }

        // The channel the code goes to: the requester's own e-mail address or phone number (never the subject's).
        var contactKind = phone is null ? SubjectIdentifierKind.Email : SubjectIdentifierKind.Phone;
        var contact = (email ?? phone)!;
        var channelName = phone is null ? "email" : "sms";

        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        var clientKey = limits.Key(RequestRateLimits.ClientScope, clientAddress);
        if (await limits.ClientRetryAfterAsync(clientKey, now, ct) is { } wait)
        {
            await AuditAloneAsync(new AuditEntry("request.rate_limited", Requester(channel), null, [], Details: new Dictionary<string, string>
            {
                ["scope"] = RequestRateLimits.ClientScope,
                ["client"] = hasher.HashIdentifier("ip", clientAddress),
            }), ct);
            return new RateLimitedError(wait);
        }

        var (subjectKind, subjectValue) = subject ?? (contactKind, contact);
        var request = NewRequest(type.Value, channel, language!, now, RequestDeadlines.ReceivedOn(now), subjectKind, subjectValue, details, null,
            subject is null ? null : email, subject is null ? null : input.Mandate!.Trim());
        // Counted on the index form (lower case), as the store matches addresses: otherwise every case spelling of one
        // mailbox would get its own allowance and the message cap could be multiplied at will (A17). The subject cap
        // counts the SUBJECT, so requests on someone's behalf count against that person like their own; the address
        // cap counts messages to the address the code goes to (the representative's).
        var capped = SubjectKey.IndexForm(contactKind, contact);
        var subjectKey = limits.Key(RequestRateLimits.SubjectScope, SubjectKey.KindName(subjectKind) + ":" + SubjectKey.IndexForm(subjectKind, subjectValue));
        var addressKey = limits.Key(RequestRateLimits.AddressScope, capped);
        Guid? message = null;

        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            var subjectCount = await limits.CountAsync(RequestRateLimits.SubjectScope, subjectKey, RequestRateLimits.Day, now, ct);
            var addressCount = await limits.CountAsync(RequestRateLimits.AddressScope, addressKey, RequestRateLimits.Day, now, ct);
            var suppressedBy = subjectCount >= RequestRateLimits.RequestsPerSubjectPerDay ? RequestRateLimits.SubjectScope
                : addressCount >= RequestRateLimits.MessagesPerAddressPerDay ? RequestRateLimits.AddressScope
                : null;

            db.Add(request);
            AddEvent(request.Id, now, RequestEventKinds.Received, RequestEventKinds.RequesterActor, RequestChannels.Name(channel));
            limits.Record(RequestRateLimits.ClientScope, clientKey, now);
            limits.Record(RequestRateLimits.SubjectScope, subjectKey, now);
            await db.SaveChangesAsync(ct);

            var identifierHash = hasher.HashIdentifier(SubjectKey.KindName(contactKind), contact);
            await audit.AppendAsync(db, Received(request, Requester(channel), hasher.HashIdentifier(SubjectKey.KindName(subjectKind), subjectValue)), ct);
            if (suppressedBy is null)
            {
                var code = await codes.IssueAsync(request.Id, now, ct);
                // Queued with the code in this transaction: a kill after the commit still sends it (the dispatcher).
                message = messenger.Enqueue(db, RequestMails.VerificationCode(contact, request.Language, request.Reference, code, VerificationCodes.Lifetime), request.Id);
                limits.Record(RequestRateLimits.AddressScope, addressKey, now);
                AddEvent(request.Id, now, RequestEventKinds.VerificationSent, RequestEventKinds.SystemActor, channelName);
                await db.SaveChangesAsync(ct);
                await audit.AppendAsync(db, Entry("request.verification_sent", request, Requester(channel), new() { ["channel"] = channelName, ["identifier"] = identifierHash }), ct);
            }
            else
            {
                AddEvent(request.Id, now, RequestEventKinds.VerificationSuppressed, RequestEventKinds.SystemActor, "rate limit: " + suppressedBy);
                await db.SaveChangesAsync(ct);
                await audit.AppendAsync(db, Entry("request.rate_limited", request, Requester(channel), new() { ["scope"] = suppressedBy, ["identifier"] = identifierHash }), ct);
            }

            await transaction.CommitAsync(ct);
        }

        // The fast path: the person is waiting for the code. A failure does not change the answer (A8); the request stays
        // awaiting verification and the dispatcher retries.
        await messenger.SendNowAsync(message, ct);
        return new SubmitReceipt(request.Reference);
    }

    /// <summary>
    /// Checks a code for the request with this reference. On success the request is verified (method
    /// <c>known_channel_code</c>, tier low) and a request session token (32 random bytes, 1 h) is returned. Every
    /// attempt is audited as <c>request.verification_*</c>.
    /// </summary>
    public async Task<StoreResult<RequestSessionGrant>> VerifyAsync(string? reference, string? code, CancellationToken ct)
    {
        var canonical = RequestReferences.Canonical(reference);
        var trimmed = code?.Trim();
        var invalid = new VerificationError("request.code_invalid", "The reference or the code is not right.");
        var request = canonical is null ? null : await db.Set<DataSubjectRequest>().FirstOrDefaultAsync(r => r.Reference == canonical, ct);
        if (request is null)
        {
            return invalid;
        }

        var actor = Requester(request.Channel);
        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var check = trimmed is { Length: 6 } && trimmed.All(char.IsAsciiDigit)
            ? await codes.CheckAsync(request.Id, trimmed, now, ct)
            : await codes.CheckAsync(request.Id, "x", now, ct); // counts as a wrong attempt, same path
        if (check != CodeCheck.Accepted)
        {
            var (action, error) = check switch
            {
                CodeCheck.Expired => ("request.verification_expired", new VerificationError("request.code_expired", "The code has expired; ask for a new one.")),
                CodeCheck.Locked or CodeCheck.WrongNowLocked => ("request.verification_locked", new VerificationError("request.code_locked", "Too many wrong codes; this code no longer works. Ask for a new one.")),
                CodeCheck.Used or CodeCheck.Accepted => ("request.verification_reused", new VerificationError("request.code_used", "This code was used already.")),
                _ => ("request.verification_failed", invalid),
            };
            await audit.AppendAsync(db, Entry(action, request, actor, new() { ["result"] = check.ToString() }), ct);
            await transaction.CommitAsync(ct);
            return error;
        }

        // The first code verifies the request; a later one (asked for with "send a new code", e.g. to download the
        // answer after the hour-long session ended) only opens a new session: the request's state and tier stay.
        var first = request.State == RequestState.AwaitingVerification;
        Guid? mandateMail = null;
        if (first && request.IsMandated)
        {
            // The representative proved their own address; the subject must still confirm the mandate. The request
            // stays unverified (no tier) until then: staff cannot split or execute it.
            request.MoveTo(RequestState.AwaitingMandate);
            AddEvent(request.Id, now, RequestEventKinds.RepresentativeVerified, RequestEventKinds.RequesterActor, VerificationMethods.KnownChannelCode);
            await db.SaveChangesAsync(ct);
            await audit.AppendAsync(db, Entry("request.representative_verified", request, actor, new() { ["method"] = VerificationMethods.KnownChannelCode }), ct);
            mandateMail = await mandates.AskSubjectAsync(request, now, ct);
        }
        else if (first)
        {
            request.MoveTo(RequestState.Verified);
            request.VerificationTier = VerificationTier.Low;
            request.VerifiedAt = now;
            request.VerifiedBy = RequestEventKinds.RequesterActor;
            request.VerificationMethod = VerificationMethods.KnownChannelCode;
            AddEvent(request.Id, now, RequestEventKinds.Verified, RequestEventKinds.RequesterActor, VerificationMethods.KnownChannelCode);
        }

        var token = RandomNumberGenerator.GetBytes(32);
        var session = new RequestSession { TokenHash = SHA256.HashData(token), RequestId = request.Id, CreatedAt = now, ExpiresAt = now + SessionLifetime };
        db.Add(session);
        await db.SaveChangesAsync(ct);
        if (!(first && request.IsMandated))
        {
            // A representative's first code is audited above (request.representative_verified, request.mandate_*).
            await audit.AppendAsync(db, Entry(first ? "request.verification_succeeded" : "request.session_renewed", request, actor, new() { ["method"] = VerificationMethods.KnownChannelCode }), ct);
        }

        await transaction.CommitAsync(ct);
        await messenger.SendNowAsync(mandateMail, ct);
        return new RequestSessionGrant(Base64Url(token), session.ExpiresAt);
    }

    /// <summary>
    /// Staff entry of a request that arrived by letter, e-mail or phone. <c>receivedOn</c> may lie in the past (the
    /// letter's date of receipt), never in the future; the deadline counts from it. The request awaits verification:
    /// entering it proves nothing about the requester. No message is sent.
    /// </summary>
    public async Task<StoreResult<DataSubjectRequest>> EnterAsync(Guid staffId, EnterRequestInput input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        var v = new FieldValidator();
        var channel = RequestChannels.Parse(input.Channel);
        if (channel is null || !RequestChannels.IsStaffEntered(channel.Value))
        {
            v.Add("channel", "request.channel_invalid", "The channel must be letter, email or phone.");
        }

        var type = ParseType(v, input.Type);
        var language = ParseLanguage(v, input.Language);
        var details = v.Text("details", input.Details, DataSubjectRequest.MaxDetailsLength, required: false);
        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        var today = RequestDeadlines.ReceivedOn(now);
        if (input.ReceivedOn is not { } receivedOn)
        {
            v.Add("receivedOn", "field.required", "The date the request was received is required.");
        }
        else if (receivedOn > today)
        {
            v.Add("receivedOn", "request.received_in_future", "The date of receipt cannot lie in the future.");
        }

        var kind = SubjectKey.ParseKind(input.IdentifierKind);
        string? identifier = null;
        if (kind is null or SubjectIdentifierKind.Name)
        {
            v.Add("identifierKind", "request.identifier_kind_invalid", "The identifier kind must be one of phone, email, imei, iccid, mac, ip.");
        }
        else if (string.IsNullOrWhiteSpace(input.Identifier))
        {
            v.Add("identifier", "field.required", "The identifier is required.");
        }
        else
        {
            var normalized = SubjectKey.Normalize(kind.Value, input.Identifier);
            if (normalized.IsValid)
            {
                identifier = normalized.Value;
            }
            else
            {
                v.Add("identifier", normalized.Error!.Code, normalized.Error.Message);
            }
        }

        if (!v.IsValid || type is null || identifier is null || channel is null || kind is null)
        {
            return v.ToError();
        }

        var request = NewRequest(type.Value, channel.Value, language!, now, input.ReceivedOn!.Value, kind.Value, identifier, details, staffId);
        var actor = new AuditActor(AuditActorKind.User, staffId.ToString());
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.Add(request);
        AddEvent(request.Id, now, RequestEventKinds.Received, RequestEventKinds.Staff(staffId), RequestChannels.Name(channel.Value));
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(db, Received(request, actor, hasher.HashIdentifier(SubjectKey.KindName(kind.Value), identifier)), ct);
        await transaction.CommitAsync(ct);
        return request;
    }

    private static RequestType? ParseType(FieldValidator v, string? text)
    {
        var type = RequestTypes.Parse(text);
        if (type is null)
        {
            v.Add("type", "request.type_invalid", "The type must be one of " + string.Join(", ", RequestTypes.Names) + ".");
        }

        return type;
    }

    private static string? ParseLanguage(FieldValidator v, string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return "nl";
        }

        var language = text.Trim();
        if (!Languages.Contains(language))
        {
            v.Add("language", "request.language_invalid", "The language must be nl or en.");
            return null;
        }

        return language;
    }

    /// <summary>
    /// The subject of a request on someone else's behalf (null for one's own request): exactly one of
    /// <c>subjectEmail</c> / <c>subjectPhone</c>, canonicalised without folding, different from the representative's
    /// own address, with a mandate statement.
    /// </summary>
    private static (SubjectIdentifierKind Kind, string Value)? ParseSubject(FieldValidator v, SubmitRequestInput input, string? representative)
    {
        var hasEmail = !string.IsNullOrWhiteSpace(input.SubjectEmail);
        var hasPhone = !string.IsNullOrWhiteSpace(input.SubjectPhone);
        if (!hasEmail && !hasPhone)
        {
            if (!string.IsNullOrWhiteSpace(input.Mandate))
            {
                v.Add("subjectEmail", "request.mandate.subject_required", "A mandate needs the subject's e-mail address or phone number.");
            }

            return null;
        }

        v.Text("mandate", input.Mandate, DataSubjectRequest.MaxMandateLength, required: true);
        if (hasEmail && hasPhone)
        {
            v.Add("subjectPhone", "request.mandate.one_identifier", "Give the subject's e-mail address or phone number, not both.");
            return null;
        }

        var kind = hasEmail ? SubjectIdentifierKind.Email : SubjectIdentifierKind.Phone;
        var field = hasEmail ? "subjectEmail" : "subjectPhone";
        var normalized = SubjectKey.Normalize(kind, hasEmail ? input.SubjectEmail! : input.SubjectPhone!);
        if (!normalized.IsValid)
        {
            v.Add(field, normalized.Error!.Code, normalized.Error.Message);
            return null;
        }

        if (kind == SubjectIdentifierKind.Email && representative is not null
            && SubjectKey.IndexForm(kind, normalized.Value!) == SubjectKey.IndexForm(kind, representative))
        {
            v.Add(field, "request.mandate.self", "The subject's address is your own: file the request without 'on behalf of'.");
            return null;
        }

        return (kind, normalized.Value!);
    }

    private static DataSubjectRequest NewRequest(
        RequestType type, RequestChannel channel, string language, Instant now, LocalDate receivedOn,
        SubjectIdentifierKind kind, string identifier, string? details, Guid? enteredBy,
        string? representativeEmail = null, string? mandateStatement = null) => new()
        {
            RepresentativeEmail = representativeEmail,
            MandateStatement = mandateStatement,
            Reference = RequestReferences.New(),
            Type = type,
            Channel = channel,
            Language = language,
            ReceivedAt = now,
            ReceivedOn = receivedOn,
            DueOn = RequestDeadlines.DueOn(receivedOn),
            IdentifierKind = kind,
            IdentifierValue = identifier,
            Details = details,
            EnteredBy = enteredBy,
        };

    private void AddEvent(Guid requestId, Instant at, string kind, string actor, string? note) =>
        db.Add(new RequestEvent { RequestId = requestId, At = at, Kind = kind, Actor = actor, Note = note });

    internal static AuditActor Requester(RequestChannel channel) => new(AuditActorKind.System, "requester:" + RequestChannels.Name(channel));

    private static AuditEntry Received(DataSubjectRequest r, AuditActor actor, string identifierHash) =>
        Entry("request.received", r, actor, new()
        {
            ["type"] = RequestTypes.Name(r.Type),
            ["channel"] = RequestChannels.Name(r.Channel),
            ["received_on"] = r.ReceivedOn.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            ["due_on"] = r.DueOn.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            ["identifier"] = identifierHash,
        });

    internal static AuditEntry Entry(string action, DataSubjectRequest r, AuditActor actor, Dictionary<string, string> details) =>
        new(action, actor, null, [new AuditObject("data_subject_request", r.Id.ToString())], Details: details);

    private async Task AuditAloneAsync(AuditEntry entry, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await audit.AppendAsync(db, entry, ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
    }

    internal static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
