using System.Security.Cryptography;
using System.Text;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Consent;

/// <summary>What a caller gives when a person consents: the person, the register purpose, the exact text shown and its version, the channel.</summary>
/// <param name="Identifier">The person's identifier as the app knows it (phone number or e-mail address; any <see cref="SubjectKey"/> kind).</param>
/// <param name="Kind">The identifier kind (<c>phone</c>, <c>email</c>, ...); null: inferred.</param>
/// <param name="Purpose">A register purpose whose legal basis is consent.</param>
/// <param name="TextVersion">The caller's id of the text version shown (immutable: a changed text needs a new id).</param>
/// <param name="Text">The exact text shown; stored once per version, its SHA-256 on every entry.</param>
/// <param name="Channel">A <see cref="ConsentChannels"/> value.</param>
/// <param name="OrganizationId">The client organisation, where the consent was given in an organisation's context; else null.</param>
internal sealed record ConsentGiveInput(string? Identifier, string? Kind, string? Purpose, string? TextVersion, string? Text, string? Channel, Guid? OrganizationId = null);

/// <summary>One ledger entry for a page: the purpose with its register name, the version, how and when given and withdrawn.</summary>
internal sealed record ConsentView(Guid Id, string Purpose, LocalizedText PurposeName, string TextVersion, string Channel, Instant GivenAt, Instant? WithdrawnAt, string? WithdrawnChannel)
{
    public bool IsCurrent => WithdrawnAt is null;
}

/// <summary>The answer of the check: whether a current consent exists, and which text version it was given on.</summary>
internal sealed record ConsentStatus(string Purpose, bool Given, string? TextVersion, Instant? GivenAt, string? Channel);

/// <summary>
/// The consent ledger (CON-1, CON-2): records consents given, withdrawals, and answers whether a person's consent for a
/// purpose stands right now. Only register purposes whose legal basis is consent are accepted. Every change is audited
/// in its own transaction (<c>consent.given</c>, <c>consent.withdrawn</c>), by entry id and purpose, never the identifier.
/// </summary>
/// <remarks>
/// Reads go to the database every time, no cache: a withdrawal is visible to the very next check, on every node
/// ("takes effect at once", issue 7 §3). The ledger is append-only: giving consent again after a withdrawal adds a
/// new entry; a withdrawal fills in <see cref="ConsentEntry.WithdrawnAt"/> of the current entries and nothing else.
/// </remarks>
internal sealed class ConsentLedger(ProcessingRegister register, IAuditTrail audit, TimeProvider time, ReadAuditBatcher reads)
{
    private Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());

    /// <summary>The register's purposes on consent, in register order.</summary>
    public IReadOnlyList<Purpose> ConsentPurposeList => [.. register.Purposes.Where(p => p.LegalBasis?.Type == LegalBasisType.Consent)];

    /// <summary>Checks that <paramref name="purpose"/> is a register purpose on consent; the error names the field <c>purpose</c>.</summary>
    public FieldError? CheckPurpose(string? purpose)
    {
        var found = register.Purposes.FirstOrDefault(p => p.Id == purpose);
        return found is null
            ? new FieldError("purpose", ConsentErrors.UnknownPurpose, "The purpose is not in the processing register.")
            : found.LegalBasis?.Type != LegalBasisType.Consent
                ? new FieldError("purpose", ConsentErrors.PurposeNotConsent, "This purpose does not rest on consent in the register; the ledger records consent only for purposes that do.")
                : null;
    }

    /// <summary>Parses an identifier the way the subject look-up does (kind given or inferred, then normalised to index form).</summary>
    public static SubjectKey? ParseSubject(FieldValidator v, string? identifier, string? kindName)
    {
        ArgumentNullException.ThrowIfNull(v);
        var text = v.Text("identifier", identifier, 320);
        SubjectIdentifierKind? kind = null;
        if (kindName is not null)
        {
            kind = SubjectKey.ParseKind(kindName);
            if (kind is null)
            {
                v.Add("kind", "field.not_allowed", $"'kind' must be one of {string.Join(", ", SubjectKey.KindNames)}.");
                return null;
            }
        }

        if (text is null)
        {
            return null;
        }

        kind ??= SubjectKindDetection.Infer(text);
        var normalized = SubjectKey.Normalize(kind.Value, text);
        if (!normalized.IsValid)
        {
            v.Add("identifier", normalized.Error.Code, normalized.Error.Message);
            return null;
        }

        return new SubjectKey(kind.Value, SubjectKey.IndexForm(kind.Value, normalized.Value!));
    }

    /// <summary>
    /// Records a consent. When the same person already has a current consent for the purpose on the same text version,
    /// that entry is returned and nothing is added (an app that repeats its call does not multiply the evidence).
    /// </summary>
    public async Task<StoreResult<ConsentEntry>> GiveAsync(CustodianDbContext db, StoreCaller caller, ConsentGiveInput input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(input);
        var v = new FieldValidator();
        var subject = ParseSubject(v, input.Identifier, input.Kind);
        if (v.Text("purpose", input.Purpose, 100) is not null && CheckPurpose(input.Purpose) is { } purposeError)
        {
            v.Add(purposeError.Field, purposeError.Code, purposeError.Message);
        }

        var version = v.Text("textVersion", input.TextVersion, 100);
        var text = v.Text("text", input.Text, 20000);
        if (!ConsentChannels.IsValid(input.Channel))
        {
            v.Add("channel", ConsentErrors.ChannelInvalid, $"'channel' must be one of {string.Join(", ", ConsentChannels.All)}.");
        }

        if (!v.IsValid || subject is null || version is null || text is null)
        {
            return v.ToError();
        }

        var purpose = input.Purpose!;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

        // Two first gives of a new text version at once (two app users the moment a new text ships) both find the text
        // unknown and both insert it; the unique key on (purpose, version) refuses the second. Its transaction is rolled
        // back and the give is tried again once: the text is then known (the same text: recorded; another text: the
        // version mismatch). A second refusal cannot come from that race and is answered 409, never 500.
        for (var attempt = 1; ; attempt++)
        {
            var added = new List<object>();
            try
            {
                return await GiveOnceAsync(db, caller, input, subject.Value, purpose, version, text, hash, added, ct);
            }
            catch (DbUpdateException e) when (DatabaseErrors.IsUniqueViolation(e))
            {
                foreach (var entity in added)
                {
                    db.Entry(entity).State = EntityState.Detached;
                }

                if (attempt == 2)
                {
                    return new ConflictError(ConsentErrors.ConcurrentGive, "The consent was being recorded by another call at the same moment; try again.");
                }
            }
        }
    }

    private async Task<StoreResult<ConsentEntry>> GiveOnceAsync(
        CustodianDbContext db, StoreCaller caller, ConsentGiveInput input, SubjectKey subject, string purpose, string version, string text, string hash, List<object> added, CancellationToken ct)
    {
        var kind = SubjectKey.KindName(subject.Kind);
        var now = Now;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var known = await db.Set<ConsentText>().AsNoTracking().FirstOrDefaultAsync(t => t.Purpose == purpose && t.Version == version, ct);
        if (known is not null && known.TextHash != hash)
        {
            return new ConflictError(ConsentErrors.VersionTextMismatch, "This text version is already recorded with another text; a changed text needs a new version id.");
        }

        var current = await CurrentAsync(db, [subject], purpose, track: false, ct);
        if (current.FirstOrDefault(e => e.TextVersion == version && e.OrganizationId == input.OrganizationId) is { } same)
        {
            return same;
        }

        if (known is null)
        {
            var shown = new ConsentText { Purpose = purpose, Version = version, Text = text, TextHash = hash, FirstSeenAt = now };
            db.Add(shown);
            added.Add(shown);
        }

        var entry = new ConsentEntry
        {
            SubjectKind = kind,
            SubjectValue = subject.Value,
            OrganizationId = input.OrganizationId,
            Purpose = purpose,
            TextVersion = version,
            TextHash = hash,
            Channel = input.Channel!,
            GivenAt = now,
        };
        db.Add(entry);
        added.Add(entry);
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(db, Audit("consent.given", caller, entry, entry.Channel), ct);
        await tx.CommitAsync(ct);
        return entry;
    }

    /// <summary>
    /// Withdraws every current consent of the person (any of <paramref name="subjects"/>) for <paramref name="purpose"/>
    /// (null: for every purpose). Returns the entries withdrawn; none is not an error (withdrawing twice is harmless).
    /// </summary>
    public async Task<StoreResult<IReadOnlyList<ConsentEntry>>> WithdrawAsync(
        CustodianDbContext db, StoreCaller caller, IReadOnlyList<SubjectKey> subjects, string? purpose, string channel, Guid? requestId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(subjects);
        if (!ConsentChannels.IsValid(channel))
        {
            return new ValidationError([new FieldError("channel", ConsentErrors.ChannelInvalid, $"'channel' must be one of {string.Join(", ", ConsentChannels.All)}.")]);
        }

        if (purpose is not null && CheckPurpose(purpose) is { } purposeError)
        {
            return new ValidationError([purposeError]);
        }

        var now = Now;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var current = await CurrentAsync(db, subjects, purpose, track: true, ct);
        foreach (var entry in current)
        {
            entry.WithdrawnAt = now;
            entry.WithdrawnChannel = channel;
            entry.WithdrawnByRequestId = requestId;
        }

        await db.SaveChangesAsync(ct);
        foreach (var entry in current)
        {
            await audit.AppendAsync(db, Audit("consent.withdrawn", caller, entry, channel), ct);
        }

        await tx.CommitAsync(ct);
        return current;
    }

    /// <summary>Whether the person's consent for <paramref name="purpose"/> stands now (the latest current entry, if several text versions stand).</summary>
    public static async Task<ConsentStatus> CheckAsync(CustodianDbContext db, SubjectKey subject, string purpose, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var latest = (await CurrentAsync(db, [subject], purpose, track: false, ct)).OrderByDescending(e => e.GivenAt).ThenByDescending(e => e.Id).FirstOrDefault();
        return latest is null
            ? new ConsentStatus(purpose, false, null, null, null)
            : new ConsentStatus(purpose, true, latest.TextVersion, latest.GivenAt, latest.Channel);
    }

    /// <summary>The person's whole history in the ledger (current and withdrawn), newest first.</summary>
    public static async Task<IReadOnlyList<ConsentEntry>> HistoryAsync(CustodianDbContext db, IReadOnlyList<SubjectKey> subjects, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(subjects);
        var entries = new List<ConsentEntry>();
        foreach (var group in subjects.Distinct().GroupBy(s => SubjectKey.KindName(s.Kind)))
        {
            var values = group.Select(s => s.Value).ToList();
            entries.AddRange(await db.Set<ConsentEntry>().AsNoTracking().Where(e => e.SubjectKind == group.Key && values.Contains(e.SubjectValue)).ToListAsync(ct));
        }

        return [.. entries.OrderByDescending(e => e.GivenAt).ThenByDescending(e => e.Id)];
    }

    /// <summary>
    /// The person's ledger as the portal and the back office show it, newest first, with the register's purpose names.
    /// Audited as a read of personal data (<c>consent.viewed</c>, the entries as objects).
    /// </summary>
    public async Task<IReadOnlyList<ConsentView>> ViewAsync(CustodianDbContext db, StoreCaller caller, IReadOnlyList<SubjectKey> subjects, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var history = await HistoryAsync(db, subjects, ct);
        // A read: its event goes through the read audit group commit and is durable before the ledger is returned.
        await reads.AppendAsync(new AuditEntry("consent.viewed", caller.Actor, null, [.. history.Select(e => new AuditObject("consent_entry", e.Id.ToString()))],
            Details: new Dictionary<string, string> { ["count"] = history.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) }), ct);

        return [.. history.Select(e => new ConsentView(
            e.Id, e.Purpose, register.Purposes.FirstOrDefault(p => p.Id == e.Purpose)?.Name ?? new LocalizedText(e.Purpose, e.Purpose),
            e.TextVersion, e.Channel, e.GivenAt, e.WithdrawnAt, e.WithdrawnChannel))];
    }

    /// <summary>The text shown for a version (null when unknown).</summary>
    public static Task<ConsentText?> TextAsync(CustodianDbContext db, string purpose, string version, CancellationToken ct) =>
        db.Set<ConsentText>().AsNoTracking().FirstOrDefaultAsync(t => t.Purpose == purpose && t.Version == version, ct);

    /// <summary>The current (not withdrawn) entries of any of the person's identifiers; one query per identifier kind (a person has a few).</summary>
    private static async Task<List<ConsentEntry>> CurrentAsync(CustodianDbContext db, IReadOnlyList<SubjectKey> subjects, string? purpose, bool track, CancellationToken ct)
    {
        var entries = new List<ConsentEntry>();
        foreach (var group in subjects.Distinct().GroupBy(s => SubjectKey.KindName(s.Kind)))
        {
            var kind = group.Key;
            var values = group.Select(s => s.Value).ToList();
            var query = db.Set<ConsentEntry>().Where(e => e.SubjectKind == kind && values.Contains(e.SubjectValue) && e.WithdrawnAt == null && (purpose == null || e.Purpose == purpose));
            entries.AddRange(await (track ? query : query.AsNoTracking()).ToListAsync(ct));
        }

        return entries;
    }

    private static AuditEntry Audit(string action, StoreCaller caller, ConsentEntry entry, string channel) =>
        new(action, caller.Actor, entry.OrganizationId, [new AuditObject("consent_entry", entry.Id.ToString())],
            Details: new Dictionary<string, string> { ["purpose"] = entry.Purpose, ["text_version"] = entry.TextVersion, ["channel"] = channel });
}
