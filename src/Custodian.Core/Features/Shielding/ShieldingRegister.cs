using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Store;
using Custodian.Core.Identifiers;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Shielding;

/// <summary>The outcome of importing a received list: applied, or the file's errors (then nothing was applied).</summary>
internal sealed record ShieldingImportResult(IReadOnlyList<ShieldingFileError> Errors, ShieldingReceivedList? List, int Ended)
{
    public bool Applied => List is not null;
}

/// <summary>An outgoing list: the file's content and the record of sending it.</summary>
internal sealed record ShieldingExport(string Content, ShieldingSend Send);

/// <summary>
/// The register of shielded numbers (BUDE 4.2, domain.md SHD-1..SHD-8): own subscribers' requests, lists received
/// from other providers, and the outgoing list. Every change is audited (<c>shielding.*</c>) in its own transaction.
/// The service is free of charge (SHD-6): nothing here knows of fees.
/// </summary>
internal sealed class ShieldingRegister(CustodianDbContext db, StoreTransactions transactions, TimeProvider time)
{
    public const int MaxProviderName = 100;

    private Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());

    /// <summary>
    /// Registers an own subscriber's request (SHD-1). The shielding applies from <paramref name="effectiveFrom"/>: the
    /// billing period of the request (the default: as soon as possible, its bill is not made yet) or the next one, never
    /// later (SHD-3: at the latest from the period after the request) and never before the request's period.
    /// </summary>
    public async Task<StoreResult<ShieldedNumber>> AddOwnAsync(AuditActor actor, string? number, YearMonth? effectiveFrom, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var now = Now;
        var requested = BillingPeriod.Of(now);
        var normalized = Phone.Normalize(number);
        var v = new FieldValidator();
        if (!normalized.IsValid)
        {
            v.Add("number", normalized.Error.Code, normalized.Error.Message);
        }

        var from = effectiveFrom ?? requested;
        if (from < requested || from > requested.PlusMonths(1))
        {
            v.Add("effectiveFrom", "shielding.effective_from.out_of_range",
                "The shielding starts in the billing period of the request or the next one (at the latest the next, BUDE 4.2(3)).");
        }

        if (!v.IsValid)
        {
            return v.ToError();
        }

        var e164 = normalized.Value!;
        return await transactions.WriteAsync<ShieldedNumber>(
            async c =>
            {
                if (await db.Set<ShieldedNumber>().AnyAsync(n => n.Number == e164 && n.Source == ShieldingSources.Own && n.EndedAt == null, c))
                {
                    return new ConflictError("shielding.already_shielded", "The number is already shielded at the subscriber's request.");
                }

                var entry = new ShieldedNumber
                {
                    Number = e164,
                    Source = ShieldingSources.Own,
                    RequestedAt = now,
                    EffectiveFrom = BillingPeriod.FirstDay(from),
                };
                db.Set<ShieldedNumber>().Add(entry);
                return entry;
            },
            entry => new AuditEntry("shielding.number_added", actor, null, [new AuditObject("shielded_number", entry.Id.ToString())],
                Details: new Dictionary<string, string> { ["effective_from"] = BillingPeriod.Format(entry.EffectiveFrom) }),
            null,
            ct);
    }

    /// <summary>
    /// Ends an own shielding at the subscriber's wish. The current billing period stays masked (its bill may already
    /// be made up that way, and masking too long is the safe error); from the next period the number shows in full.
    /// </summary>
    public async Task<StoreResult<ShieldedNumber>> EndAsync(AuditActor actor, Guid id, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var now = Now;
        return await transactions.WriteAsync<ShieldedNumber>(
            async c =>
            {
                var entry = await db.Set<ShieldedNumber>().SingleOrDefaultAsync(n => n.Id == id && n.Source == ShieldingSources.Own, c);
                if (entry is null)
                {
                    return new NotFoundError("shielding.not_found", "There is no own shielded number with this id.");
                }

                if (entry.EndedAt is not null)
                {
                    return new ConflictError("shielding.already_ended", "The shielding of this number has ended already.");
                }

                var next = BillingPeriod.FirstDay(BillingPeriod.Of(now).PlusMonths(1));
                entry.End(now, next > entry.EffectiveFrom ? next : entry.EffectiveFrom);
                return entry;
            },
            entry => new AuditEntry("shielding.number_ended", actor, null, [new AuditObject("shielded_number", entry.Id.ToString())],
                Details: new Dictionary<string, string> { ["effective_until"] = BillingPeriod.Format(entry.EffectiveUntil!.Value) }),
            null,
            ct);
    }

    /// <summary>
    /// Applies a list received from <paramref name="provider"/> (format: <see cref="ShieldingFile"/>) as of the billing
    /// period <paramref name="effectiveFrom"/> (default: the period of receipt): the provider's previous list stops
    /// there and this one starts. Any error in the file, or a period before the provider's latest list, applies nothing.
    /// </summary>
    public async Task<StoreResult<ShieldingImportResult>> ImportReceivedAsync(
        AuditActor actor, string? provider, string fileName, string content, YearMonth? effectiveFrom, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(fileName);
        var v = new FieldValidator();
        var name = ProviderName(v, provider);
        if (!v.IsValid)
        {
            return v.ToError();
        }

        var (numbers, errors) = ShieldingFile.Parse(fileName, content);
        if (errors.Count > 0)
        {
            return new ShieldingImportResult(errors, null, 0);
        }

        var now = Now;
        var from = BillingPeriod.FirstDay(effectiveFrom ?? BillingPeriod.Of(now));
        var ended = 0;
        return await transactions.WriteAsync<ShieldingImportResult>(
            async c =>
            {
                var latest = await db.Set<ShieldingReceivedList>().Where(l => l.ProviderName == name)
                    .OrderByDescending(l => l.EffectiveFrom).Select(l => (LocalDate?)l.EffectiveFrom).FirstOrDefaultAsync(c);
                if (latest is { } l && from < l)
                {
                    return new ConflictError("shielding.list.before_previous",
                        $"The provider's latest list applies from {BillingPeriod.Format(l)}; a newer list cannot start before it.");
                }

                var list = new ShieldingReceivedList
                {
                    ProviderName = name!,
                    ReceivedAt = now,
                    EffectiveFrom = from,
                    FileName = Path.GetFileName(fileName),
                    Sha256 = ShieldingFile.Sha256(content),
                    NumberCount = numbers.Count,
                    ImportedBy = actor.Id,
                };
                db.Set<ShieldingReceivedList>().Add(list);
                var previous = await db.Set<ShieldedNumber>()
                    .Where(n => n.Source == ShieldingSources.OtherProvider && n.ProviderName == name && (n.EffectiveUntil == null || n.EffectiveUntil > from))
                    .ToListAsync(c);
                foreach (var p in previous)
                {
                    p.End(now, from > p.EffectiveFrom ? from : p.EffectiveFrom);
                }

                // The previous lists stop where this one starts (a list that had not started yet never applied).
                var replacedFrom = BillingPeriod.Start(from.ToYearMonth());
                foreach (var older in await db.Set<ShieldingReceivedList>().Where(o => o.ProviderName == name && o.ReplacedFrom == null).ToListAsync(c))
                {
                    older.ReplacedFrom = replacedFrom;
                }

                ended = previous.Count;
                db.Set<ShieldedNumber>().AddRange(numbers.Select(n => new ShieldedNumber
                {
                    Number = n,
                    Source = ShieldingSources.OtherProvider,
                    ProviderName = name,
                    ReceivedListId = list.Id,
                    RequestedAt = now,
                    EffectiveFrom = from,
                }));
                return new ShieldingImportResult([], list, ended);
            },
            r => new AuditEntry("shielding.list_received", actor, null, [new AuditObject("shielding_received_list", r.List!.Id.ToString())],
                Details: new Dictionary<string, string>
                {
                    ["numbers"] = BillingPeriod.Invariant(r.List.NumberCount),
                    ["replaced"] = BillingPeriod.Invariant(r.Ended),
                    ["effective_from"] = BillingPeriod.Format(r.List.EffectiveFrom),
                    ["sha256"] = r.List.Sha256,
                }),
            null,
            ct);
    }

    /// <summary>
    /// The outgoing list for <paramref name="provider"/> (SHD-2): every own number whose shielding has not been ended,
    /// numbers only, in <see cref="ShieldingFile"/> format; recorded (<see cref="ShieldingSend"/>) and audited.
    /// The receiver replaces our previous list with it, so an ended shielding disappears by being left out.
    /// </summary>
    public async Task<StoreResult<ShieldingExport>> ExportAsync(AuditActor actor, string? provider, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var v = new FieldValidator();
        var name = ProviderName(v, provider);
        if (!v.IsValid)
        {
            return v.ToError();
        }

        var now = Now;
        return await transactions.WriteAsync<ShieldingExport>(
            async c =>
            {
                var numbers = await db.Set<ShieldedNumber>().Where(n => n.Source == ShieldingSources.Own && n.EndedAt == null)
                    .Select(n => n.Number).ToListAsync(c);
                var content = ShieldingFile.Write(numbers);
                var send = new ShieldingSend
                {
                    ProviderName = name!,
                    SentAt = now,
                    NumberCount = numbers.Distinct(StringComparer.Ordinal).Count(),
                    Sha256 = ShieldingFile.Sha256(content),
                    SentBy = actor.Id,
                };
                db.Set<ShieldingSend>().Add(send);
                return new ShieldingExport(content, send);
            },
            x => new AuditEntry("shielding.list_sent", actor, null, [new AuditObject("shielding_send", x.Send.Id.ToString())],
                Details: new Dictionary<string, string> { ["numbers"] = BillingPeriod.Invariant(x.Send.NumberCount), ["sha256"] = x.Send.Sha256 }),
            null,
            ct);
    }

    /// <summary>The register, newest first; ended entries only with <paramref name="includeEnded"/>.</summary>
    public async Task<IReadOnlyList<ShieldedNumber>> ListAsync(bool includeEnded, CancellationToken ct) =>
        await db.Set<ShieldedNumber>().AsNoTracking().Where(n => includeEnded || n.EndedAt == null)
            .OrderByDescending(n => n.RequestedAt).ThenBy(n => n.Number).Take(1000).ToListAsync(ct);

    public async Task<IReadOnlyList<ShieldingReceivedList>> ReceivedListsAsync(CancellationToken ct) =>
        await db.Set<ShieldingReceivedList>().AsNoTracking().OrderByDescending(l => l.ReceivedAt).Take(200).ToListAsync(ct);

    public async Task<IReadOnlyList<ShieldingSend>> SendsAsync(CancellationToken ct) =>
        await db.Set<ShieldingSend>().AsNoTracking().OrderByDescending(s => s.SentAt).Take(200).ToListAsync(ct);

    /// <summary>Every number (own or received) masked on bills of <paramref name="period"/>.</summary>
    public static async Task<IReadOnlySet<string>> ShieldedInAsync(CustodianDbContext db, YearMonth period, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var first = BillingPeriod.FirstDay(period);
        var numbers = await db.Set<ShieldedNumber>().AsNoTracking()
            .Where(n => n.EffectiveFrom <= first && (n.EffectiveUntil == null || n.EffectiveUntil > first))
            .Select(n => n.Number).ToListAsync(ct);
        return numbers.ToHashSet(StringComparer.Ordinal);
    }

    private static string? ProviderName(FieldValidator v, string? provider)
    {
        var name = provider?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            v.Add("provider", "field.required", "Name the other provider.");
            return null;
        }

        if (name.Length > MaxProviderName || name.Any(char.IsControl))
        {
            v.Add("provider", "field.invalid", $"The provider's name is at most {MaxProviderName} printable characters.");
            return null;
        }

        return name;
    }
}
