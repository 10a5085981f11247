using System.Globalization;
using System.Security.Cryptography;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Mail;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Identifiers;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;

namespace Custodian.Core.Features.Requests;

/// <summary>One request filed with the verified address, as "which requests were filed in my name" shows it: nothing else.</summary>
internal sealed record FiledRequest(string Reference, string Type, LocalDate ReceivedOn, string State);

/// <summary>The holder's short session after a correct code: only good together with the same address.</summary>
internal sealed record FiledInMyNameGrant(string Token, Instant ExpiresAt);

/// <summary>
/// "Which requests were filed in my name" (issue 6 §1): an address → a one-time code to that address → the list of
/// requests filed with it. Deliberately not a <see cref="RequestType"/>: it files nothing and has no deadline.
/// <para>
/// The code follows the request codes' rules (<see cref="VerificationCodes"/>): 6 CSPRNG digits stored only as an
/// HMAC bound to its row, 10 minutes, single use, locked after 5 wrong attempts, the per-client limit (429) and the
/// per-address message cap shared with the intake (so the two flows together cannot flood a mailbox). Sending answers
/// the same for every valid address (attack A8). The address is not stored with the code: rows hold a keyed hash of it,
/// and the session token is bound to that hash, so the caller must present the same address again to list. (The
/// message itself waits in the message queue, sealed, until it is sent, then its address and text are erased.)
/// Every step is audited (<c>request.lookup_*</c>).
/// </para>
/// </summary>
internal sealed partial class FiledInMyName(
    CustodianDbContext db,
    IAuditTrail audit,
    AuditHasher hasher,
    RequestSecrets secrets,
    RequestRateLimits limits,
    RequestMessenger messenger,
    TimeProvider time)
{
    public static readonly Duration SessionLifetime = Duration.FromMinutes(15);

    private static readonly AuditActor Actor = new(AuditActorKind.System, "requester:portal");

    /// <summary>Sends a code to the address; a <see cref="ValidationError"/> for an invalid address, <see cref="RateLimitedError"/> for the client limit.</summary>
    public async Task<StoreResult<bool>> SendCodeAsync(string? email, string language, string clientAddress, CancellationToken ct)
    {
        var normalized = string.IsNullOrWhiteSpace(email) ? null : Email.Normalize(email);
        if (normalized is not { IsValid: true })
        {
            return new ValidationError([new FieldError("email", normalized?.Error?.Code ?? "field.required", "A valid e-mail address is required.")]);
        }

        var address = normalized.Value!;
        var now = Now();
        var clientKey = limits.Key(RequestRateLimits.ClientScope, clientAddress);
        if (await limits.ClientRetryAfterAsync(clientKey, now, ct) is { } wait)
        {
            await AuditAsync("request.rate_limited", new() { ["scope"] = RequestRateLimits.ClientScope, ["operation"] = "lookup", ["client"] = hasher.HashIdentifier("ip", clientAddress) }, ct);
            return new RateLimitedError(wait);
        }

        var addressKey = limits.Key(RequestRateLimits.AddressScope, address);
        Guid? message = null;
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            limits.Record(RequestRateLimits.ClientScope, clientKey, now);
            var identifier = hasher.HashIdentifier("email", address);
            if (await limits.CountAsync(RequestRateLimits.AddressScope, addressKey, RequestRateLimits.Day, now, ct) >= RequestRateLimits.MessagesPerAddressPerDay)
            {
                await db.SaveChangesAsync(ct);
                await audit.AppendAsync(db, Entry("request.rate_limited", new() { ["scope"] = RequestRateLimits.AddressScope, ["operation"] = "lookup", ["identifier"] = identifier }), ct);
            }
            else
            {
                var lookupKey = LookupKey(address);
                await db.Set<RequestLookupCode>()
                    .Where(c => c.AddressKey == lookupKey && c.ConsumedAt == null && c.InvalidatedAt == null)
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.InvalidatedAt, now), ct);
                var row = new RequestLookupCode { AddressKey = lookupKey, CodeHash = [], CreatedAt = now, ExpiresAt = now + VerificationCodes.Lifetime };
                var code = RandomNumberGenerator.GetInt32(1_000_000).ToString("D6", CultureInfo.InvariantCulture);
                row.CodeHash = secrets.CodeHash(row.Id, code);
                db.Add(row);
                message = messenger.Enqueue(db, LookupMail(address, language, code), null);
                limits.Record(RequestRateLimits.AddressScope, addressKey, now);
                await db.SaveChangesAsync(ct);
                await audit.AppendAsync(db, Entry("request.lookup_code_sent", new() { ["identifier"] = identifier }), ct);
            }

            await transaction.CommitAsync(ct);
        }

        // The fast path: the person waits on the page for the code.
        await messenger.SendNowAsync(message, ct);

        return true;
    }

    /// <summary>
    /// Checks the code sent to <paramref name="email"/>. Errors are <see cref="VerificationError"/> with the request
    /// codes' codes (<c>request.code_invalid</c>, <c>_expired</c>, <c>_locked</c>, <c>_used</c>).
    /// </summary>
    public async Task<StoreResult<FiledInMyNameGrant>> VerifyAsync(string? email, string? code, CancellationToken ct)
    {
        var invalid = new VerificationError("request.code_invalid", "The address or the code is not right.");
        var normalized = string.IsNullOrWhiteSpace(email) ? null : Email.Normalize(email);
        if (normalized is not { IsValid: true })
        {
            return invalid;
        }

        var lookupKey = LookupKey(normalized.Value!);
        var now = Now();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var latest = await db.Set<RequestLookupCode>().AsNoTracking()
            .Where(c => c.AddressKey == lookupKey)
            .OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id)
            .FirstOrDefaultAsync(ct);
        var trimmed = code?.Trim() ?? string.Empty;
        var (result, error) = Check(latest, trimmed, now);
        if (result == CodeCheck.Accepted)
        {
            var token = RandomNumberGenerator.GetBytes(32);
            var won = await db.Set<RequestLookupCode>()
                .Where(c => c.Id == latest!.Id && c.ConsumedAt == null && c.InvalidatedAt == null && c.ExpiresAt > now && c.FailedAttempts < VerificationCodes.MaxAttempts)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.ConsumedAt, now).SetProperty(c => c.SessionTokenHash, SHA256.HashData(token)).SetProperty(c => c.SessionExpiresAt, now + SessionLifetime), ct);
            if (won == 1)
            {
                await audit.AppendAsync(db, Entry("request.lookup_verified", new() { ["identifier"] = hasher.HashIdentifier("email", normalized.Value!) }), ct);
                await transaction.CommitAsync(ct);
                return new FiledInMyNameGrant(RequestIntake.Base64Url(token), now + SessionLifetime);
            }

            (result, error) = (CodeCheck.Used, new VerificationError("request.code_used", "This code was used already."));
        }
        else if (result is CodeCheck.Wrong && latest is not null)
        {
            var attempts = latest.FailedAttempts + 1;
            await db.Set<RequestLookupCode>()
                .Where(c => c.Id == latest.Id && c.ConsumedAt == null && c.InvalidatedAt == null)
                .ExecuteUpdateAsync(
                    s => s.SetProperty(c => c.FailedAttempts, c => c.FailedAttempts + 1)
                        .SetProperty(c => c.InvalidatedAt, c => c.FailedAttempts + 1 >= VerificationCodes.MaxAttempts ? now : c.InvalidatedAt),
                    ct);
            if (attempts >= VerificationCodes.MaxAttempts)
            {
                (result, error) = (CodeCheck.WrongNowLocked, new VerificationError("request.code_locked", "Too many wrong codes; this code no longer works. Ask for a new one."));
            }
        }

        await audit.AppendAsync(db, Entry("request.lookup_failed", new() { ["result"] = result.ToString() }), ct);
        await transaction.CommitAsync(ct);
        return error ?? invalid;
    }

    /// <summary>
    /// The requests filed with <paramref name="email"/> for the holder of a live session for that same address, or
    /// <c>request.session_invalid</c>. Audited with every listed request as an object.
    /// </summary>
    public async Task<StoreResult<IReadOnlyList<FiledRequest>>> ListAsync(string? email, string? token, CancellationToken ct)
    {
        var verified = await VerifiedAddressAsync(email, token, ct);
        if (!verified.IsSuccess)
        {
            return verified.Error;
        }

        var address = verified.Value;
        var rows = await db.Set<DataSubjectRequest>().AsNoTracking()
            .Where(r => r.IdentifierKind == SubjectIdentifierKind.Email && r.IdentifierValue == address)
            .Select(r => new { r.Id, r.Reference, r.Type, r.ReceivedOn, r.ReceivedAt, r.State })
            .ToListAsync(ct);
        var ordered = rows.OrderByDescending(r => r.ReceivedAt).ToList();
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            await audit.AppendAsync(
                db,
                new AuditEntry("request.lookup_listed", Actor, null, [.. ordered.Select(r => new AuditObject("data_subject_request", r.Id.ToString()))], Details: new Dictionary<string, string>
                {
                    ["identifier"] = hasher.HashIdentifier("email", address),
                    ["count"] = ordered.Count.ToString(CultureInfo.InvariantCulture),
                }),
                ct);
            await transaction.CommitAsync(ct);
        }

        return ordered.Select(r => new FiledRequest(r.Reference, RequestTypes.Name(r.Type), r.ReceivedOn, RequestStates.Name(r.State))).ToList();
    }

    /// <summary>
    /// The canonical address of a live session for that same address (the holder proved it with a code), or
    /// <c>request.session_invalid</c>. Not audited: callers audit what they do with it (the list, a consent withdrawal).
    /// </summary>
    public async Task<StoreResult<string>> VerifiedAddressAsync(string? email, string? token, CancellationToken ct)
    {
        var refused = new ForbiddenError("request.session_invalid", "The session is missing, wrong or expired; ask for a new code.");
        var normalized = string.IsNullOrWhiteSpace(email) ? null : Email.Normalize(email);
        var raw = Decode(token);
        if (normalized is not { IsValid: true } || raw is null)
        {
            return refused;
        }

        var lookupKey = LookupKey(normalized.Value!);
        var hash = SHA256.HashData(raw);
        var now = Now();
        return await db.Set<RequestLookupCode>().AnyAsync(c => c.SessionTokenHash == hash && c.AddressKey == lookupKey && c.SessionExpiresAt > now, ct)
            ? normalized.Value!
            : refused;
    }

    private (CodeCheck, VerificationError?) Check(RequestLookupCode? latest, string code, Instant now)
    {
        if (latest is null)
        {
            return (CodeCheck.NoCode, null);
        }

        if (latest.ConsumedAt is not null)
        {
            return (CodeCheck.Used, new VerificationError("request.code_used", "This code was used already."));
        }

        if (latest.InvalidatedAt is not null || latest.FailedAttempts >= VerificationCodes.MaxAttempts)
        {
            return (CodeCheck.Locked, new VerificationError("request.code_locked", "Too many wrong codes; this code no longer works. Ask for a new one."));
        }

        if (latest.ExpiresAt <= now)
        {
            return (CodeCheck.Expired, new VerificationError("request.code_expired", "The code has expired; ask for a new one."));
        }

        return code.Length == 6 && code.All(char.IsAsciiDigit) && CryptographicOperations.FixedTimeEquals(latest.CodeHash, secrets.CodeHash(latest.Id, code))
            ? (CodeCheck.Accepted, null)
            : (CodeCheck.Wrong, null);
    }

    private string LookupKey(string address) => secrets.RateKey("lookup", address);

    private Instant Now() => Instant.FromDateTimeOffset(time.GetUtcNow());

    private static AuditEntry Entry(string action, Dictionary<string, string> details) => new(action, Actor, null, [], Details: details);

    private async Task AuditAsync(string action, Dictionary<string, string> details, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await audit.AppendAsync(db, Entry(action, details), ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
    }

    private static byte[]? Decode(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > 100)
        {
            return null;
        }

        var s = text.Trim().Replace('-', '+').Replace('_', '/');
        s = s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '=');
        var buffer = new byte[s.Length];
        return Convert.TryFromBase64String(s, buffer, out var written) && written == 32 ? buffer[..written] : null;
    }

    private static OutgoingMail LookupMail(string to, string language, string code) => language == "en"
        ? new OutgoingMail(to, "Your code to see your privacy requests", $"""
            Someone, probably you, asked which privacy requests were filed with this e-mail address.

            Verification code: {code}

            Enter this code within 10 minutes. The code works once.
            If you did not ask this, ignore this message: nothing is shown without the code.
            """)
        : new OutgoingMail(to, "Uw code om uw privacyverzoeken te zien", $"""
            Iemand, waarschijnlijk u, vroeg welke privacyverzoeken met dit e-mailadres zijn ingediend.

            Verificatiecode: {code}

            Vul deze code binnen 10 minuten in. De code werkt één keer.
            Heeft u dit niet gevraagd? Dan kunt u dit bericht negeren: zonder de code wordt niets getoond.
            """);

}

/// <summary>
/// A code for "which requests were filed in my name", bound to a keyed hash of the address (never the address), and
/// after a correct code the hash of the short session token.
/// </summary>
internal sealed class RequestLookupCode
{
    [NotPersonalData]
    public Guid Id { get; init; } = Guid.CreateVersion7();

    [NotPersonalData("keyed hash of an e-mail address")]
    public required string AddressKey { get; init; }

    [NotPersonalData("keyed hash of a one-time code")]
    public required byte[] CodeHash { get; set; }

    [NotPersonalData]
    public required Instant CreatedAt { get; init; }

    [NotPersonalData]
    public required Instant ExpiresAt { get; init; }

    [NotPersonalData]
    public int FailedAttempts { get; set; }

    [NotPersonalData]
    public Instant? ConsumedAt { get; set; }

    [NotPersonalData]
    public Instant? InvalidatedAt { get; set; }

    [NotPersonalData("SHA-256 of a bearer token")]
    public byte[]? SessionTokenHash { get; set; }

    [NotPersonalData]
    public Instant? SessionExpiresAt { get; set; }
}

internal sealed class RequestLookupCodeConfiguration : IEntityTypeConfiguration<RequestLookupCode>
{
    public void Configure(EntityTypeBuilder<RequestLookupCode> builder)
    {
        builder.ToTable("request_lookup_codes");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Id).ValueGeneratedNever();
        builder.Property(c => c.AddressKey).HasMaxLength(80);
        builder.Property(c => c.CodeHash).HasMaxLength(32);
        builder.Property(c => c.SessionTokenHash).HasMaxLength(32);
        builder.HasIndex(c => new { c.AddressKey, c.CreatedAt });
        builder.HasIndex(c => c.SessionTokenHash);
    }
}
