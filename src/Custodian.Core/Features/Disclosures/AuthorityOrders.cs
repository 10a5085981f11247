using System.Globalization;
using System.Security.Cryptography;
using Custodian.Core.Common;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Requests.Answers;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Core.Features.Disclosures;

/// <summary>An order with what its page shows: its hold and its productions.</summary>
internal sealed record AuthorityOrderDetail(AuthorityOrder Order, LegalHold Hold, IReadOnlyList<AuthorityOrderProduction> Productions);

/// <summary>An opened, released package: the caller streams it to the authority and disposes it.</summary>
internal sealed record DisclosureDownload(Stream Content, string FileName, string Sha256);

/// <summary>
/// The authority order register (issue 7 §1, domain.md AUT-1..AUT-7). Every operation needs
/// <see cref="DisclosureCaller.Manage"/>; without it an order does not exist (not found, empty lists).
/// <list type="bullet">
/// <item>Registering places a legal hold on the order's scope through <see cref="LegalHoldCommands"/>, in the same
/// transaction: an authority hold, with the 90-day rule for a preservation order (126ni); for an 11.11 disclosure a
/// non-secret one (<see cref="AuthorityOrderTypes.HoldBasisFor"/>).</item>
/// <item>Four eyes: whoever registered the order or produced a package cannot release it.</item>
/// <item>Audit: every event names the order AND its authority hold, so <see cref="AuditSearch"/> leaves it out for every
/// reader without <c>holds:lawful</c>; details carry counts and hashes, never the reference or a target.</item>
/// </list>
/// </summary>
internal sealed class AuthorityOrders(
    CustodianDbContext db,
    StoreTransactions transactions,
    LegalHoldCommands holds,
    IAuditTrail audit,
    EncryptedBlobs blobs,
    ProcessingRegister register,
    TimeProvider time,
    IDbContextFactory<CustodianDbContext> contexts)
{
    /// <summary>The neutral reason on an order's hold: no reference (that is the hold's own field), no person.</summary>
    public const string HoldReason = "Authority order (see the order register)";

    /// <summary>The reason on an 11.11 order's (non-secret) hold: what the records are kept for, without the caller or the complainant.</summary>
    public const string NuisanceHoldReason = "Nuisance-call investigation for a subscriber (Tw 11.11)";

    private Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());

    public async Task<StoreResult<AuthorityOrder>> RegisterAsync(DisclosureCaller caller, AuthorityOrderInput input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(input);
        if (!caller.Manage)
        {
            return new ForbiddenError("order.manage_required", "Registering an authority order needs disclosures:manage on a provider-wide caller.");
        }

        var now = Now;
        var v = new FieldValidator();
        var draft = AuthorityOrderRules.Validate(v, input, now, register);
        if (!v.IsValid || draft is null)
        {
            return v.ToError();
        }

        var preservation = draft.Type == AuthorityOrderType.Preservation126ni;
        var basis = AuthorityOrderTypes.HoldBasisFor(draft.Type);
        var secret = HoldBases.IsAuthority(basis);
        var holdInput = new LegalHoldInput(
            Basis: HoldBases.Name(basis),
            Ground: null,
            Reason: secret ? HoldReason : NuisanceHoldReason,
            // A non-secret hold is seen by the privacy officers: the order's reference stays in the register.
            Reference: secret ? draft.Reference : null,
            Organization: null,
            Categories: [.. draft.Categories],
            RecordsFrom: InstantPattern.ExtendedIso.Format(draft.PeriodFrom),
            RecordsUntil: InstantPattern.ExtendedIso.Format(draft.PeriodUntil),
            Identifiers: [.. draft.Targets.Select(t => new HoldIdentifierInput(SubjectKey.KindName(t.Kind), t.Value))],
            StartsAt: null,
            EndsAt: preservation ? InstantPattern.ExtendedIso.Format(HoldRules.PreservationOrderLimit(now)) : null);

        AuthorityOrder? order = null;
        var placed = await holds.PlaceAsync(
            new HoldCaller(caller.Actor, caller.Scope, lawful: true),
            holdInput,
            async (hold, c) =>
            {
                order = new AuthorityOrder
                {
                    Reference = draft.Reference,
                    Type = draft.Type,
                    IssuedBy = draft.IssuedBy,
                    JudgeAuthorisation = draft.JudgeAuthorisation,
                    ReceivedAt = draft.ReceivedAt,
                    // A preservation order is complied with by keeping the data: the hold placed now.
                    CompliedAt = preservation ? now : null,
                    PeriodFrom = draft.PeriodFrom,
                    PeriodUntil = draft.PeriodUntil,
                    Categories = [.. draft.Categories],
                    LegalHoldId = hold.Id,
                    RegisteredAt = now,
                    RegisteredByKind = caller.Actor.Kind,
                    RegisteredById = caller.Actor.Id,
                    CostAmount = draft.CostAmount,
                    CostNote = draft.CostNote,
                };
                order.Targets.AddRange(draft.Targets.Select(t => new AuthorityOrderTarget { OrderId = order.Id, Kind = SubjectKey.KindName(t.Kind), Value = t.Value }));
                db.Set<AuthorityOrder>().Add(order);
                await db.SaveChangesAsync(c);
                await audit.AppendAsync(db, Entry("disclosure.registered", caller, order, new Dictionary<string, string>
                {
                    ["type"] = AuthorityOrderTypes.Name(order.Type),
                    ["target_count"] = order.Targets.Count.ToString(CultureInfo.InvariantCulture),
                    ["needs_legal_review"] = order.NeedsLegalReview ? "true" : "false",
                }), c);
            },
            ct);
        return placed.IsSuccess ? order! : placed.Error!;
    }

    /// <summary>Every order, newest received first (the register is small: tens to thousands a year).</summary>
    public async Task<IReadOnlyList<AuthorityOrder>> ListAsync(DisclosureCaller caller, int? year, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.Manage)
        {
            return [];
        }

        return await transactions.ReadAsync(
            async c =>
            {
                var query = db.Set<AuthorityOrder>().AsNoTracking();
                if (year is { } y)
                {
                    var (from, until) = YearBounds(y);
                    query = query.Where(o => o.ReceivedAt >= from && o.ReceivedAt < until);
                }

                var list = await query.ToListAsync(c);
                return (IReadOnlyList<AuthorityOrder>)[.. list.OrderByDescending(o => o.ReceivedAt)];
            },
            list => list.Count == 0
                ? null
                : new AuditEntry("disclosure.listed", caller.Actor, null, [.. list.SelectMany(o => Objects(o))]),
            ct);
    }

    public async Task<StoreResult<AuthorityOrderDetail>> GetAsync(DisclosureCaller caller, Guid id, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.Manage)
        {
            return StoreErrors.NotFound("order");
        }

        var detail = await transactions.ReadAsync(
            async c =>
            {
                var order = await db.Set<AuthorityOrder>().AsNoTracking().FirstOrDefaultAsync(o => o.Id == id, c);
                if (order is null)
                {
                    return null;
                }

                var hold = await db.LegalHolds.AsNoTracking().FirstAsync(h => h.Id == order.LegalHoldId, c);
                var productions = await db.Set<AuthorityOrderProduction>().AsNoTracking().Where(p => p.OrderId == id).ToListAsync(c);
                return new AuthorityOrderDetail(order, hold, [.. productions.OrderBy(p => p.ProducedAt)]);
            },
            d => d is null ? null : Entry("disclosure.viewed", caller, d.Order, null),
            ct);
        return detail is null ? StoreErrors.NotFound("order") : detail;
    }

    /// <summary>
    /// Collects exactly the order's records, writes the package and stores it encrypted (content first, outside the
    /// transaction; its row and the production's in one transaction with the audit event). Not yet released.
    /// </summary>
    public async Task<StoreResult<AuthorityOrderProduction>> ProduceAsync(DisclosureCaller caller, Guid id, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.Manage)
        {
            return StoreErrors.NotFound("order");
        }

        var order = await db.Set<AuthorityOrder>().AsNoTracking().FirstOrDefaultAsync(o => o.Id == id, ct);
        if (order is null)
        {
            return StoreErrors.NotFound("order");
        }

        // A package waiting for release is returned, not produced again: a retry after a lost answer (a crash after
        // the commit, a dropped connection) must not leave two packages of one order (issue 8 §4, no duplicate export).
        if (await WaitingAsync(id, ct) is { } waiting)
        {
            return waiting;
        }

        var now = Now;
        var (staged, manifest, sha) = await WritePackageAsync(order, now, ct);
        var recordCount = manifest.Files.Single(f => f.Name == "records.csv").Records;
        FailPoints.Hit(FailPointProductionStaged);

        StoreResult<AuthorityOrderProduction> produced;
        try
        {
            produced = await transactions.WriteAsync<AuthorityOrderProduction>(
                async c =>
                {
                    if (!await EncryptedBlobs.AddStagedAsync(db, staged, c))
                    {
                        return new ConflictError("order.key_destroyed", "The order's data key was destroyed while the package was stored.");
                    }

                    var production = new AuthorityOrderProduction
                    {
                        OrderId = order.Id,
                        BlobId = staged.Record.Id,
                        RecordCount = recordCount,
                        Sha256 = sha,
                        ProducedAt = now,
                        ProducedById = caller.Actor.Id,
                    };
                    db.Set<AuthorityOrderProduction>().Add(production);
                    return production;
                },
                p => Entry("disclosure.produced", caller, order, new Dictionary<string, string>
                {
                    ["production"] = p.Id.ToString(),
                    ["record_count"] = p.RecordCount.ToString(CultureInfo.InvariantCulture),
                    ["sha256"] = p.Sha256,
                }),
                null,
                ct);
        }
        catch (DbUpdateException e) when (DatabaseErrors.IsUniqueViolation(e))
        {
            // Another produce request for this order committed its package between our check and our insert: the
            // unique index (one waiting package per order) refused ours. Our transaction failed before its commit,
            // so nothing refers to the content we staged: it is deleted now rather than left to the orphan sweep.
            // No audit event was written (it is in the rolled-back transaction); the answer is the winner's package.
            await blobs.DiscardStagedAsync(staged, CancellationToken.None);
            return await WaitingAsync(id, ct)
                ?? throw new InvalidOperationException("A unique violation on producing a package, yet no package of the order waits for release.", e);
        }

        if (!produced.IsSuccess)
        {
            // The data key was destroyed meanwhile: the staged content has no row and never will.
            await blobs.DiscardStagedAsync(staged, CancellationToken.None);
        }

        FailPoints.Hit(FailPointProductionCommitted);
        return produced;
    }

    /// <summary>The order's package waiting for release, if any (at most one: the unique index <c>ux_authority_order_productions_waiting</c>).</summary>
    private Task<AuthorityOrderProduction?> WaitingAsync(Guid orderId, CancellationToken ct) =>
        db.Set<AuthorityOrderProduction>().AsNoTracking()
            .Where(p => p.OrderId == orderId && p.ReleasedAt == null && p.SupersededById == null)
            .OrderBy(p => p.ProducedAt).FirstOrDefaultAsync(ct);

    /// <summary>
    /// Writes the order's package and stages it encrypted (content only; the caller adds its row). The package streams
    /// (issue 8 §5): read with this context, written through a bounded pipe into the encrypting store, which uses a
    /// context of its own; its SHA-256 is taken from the bytes as they pass.
    /// </summary>
    private async Task<(StagedBlob Staged, DisclosureManifest Manifest, string Sha256)> WritePackageAsync(AuthorityOrder order, Instant now, CancellationToken ct)
    {
        // The provider's own data key per order (no tenant owns an order): destroying it would shred every package of it.
        var owner = DataKeyOwner.Subject(order.Id);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        DisclosureManifest? manifest = null;
        async Task WriteAsync(Stream output)
        {
            await using var hashing = new HashingWriteStream(output, hash);
            manifest = await DisclosurePackage.WriteAsync(db, order, now, hashing, ct);
        }

        await using var staging = contexts.CreateDbContext();
        staging.ScopeTo(TenantScope.Everything);
        var staged = await PipedAnswer.RunAsync(WriteAsync, zip => blobs.StageAsync(staging, Guid.Empty, owner, zip, "application/zip", ct));
        return (staged, manifest!, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    /// <summary>Fail point (issue 8 §4): the package file is written, its row and audit event not yet committed.</summary>
    public const string FailPointProductionStaged = "disclosure.production.staged";

    /// <summary>Fail point (issue 8 §4): the production and its audit event are committed, the answer not yet sent.</summary>
    public const string FailPointProductionCommitted = "disclosure.production.committed";

    /// <summary>Releases a package for download: by a second person (neither the order's registrar nor the producer).</summary>
    public async Task<StoreResult<AuthorityOrderProduction>> ReleaseAsync(DisclosureCaller caller, Guid productionId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.Manage)
        {
            return StoreErrors.NotFound("production");
        }

        AuthorityOrder? order = null;
        try
        {
            return await transactions.WriteAsync<AuthorityOrderProduction>(
                async c =>
                {
                    var production = await db.Set<AuthorityOrderProduction>().FirstOrDefaultAsync(p => p.Id == productionId, c);
                    if (production is null)
                    {
                        return StoreErrors.NotFound("production");
                    }

                    order = await db.Set<AuthorityOrder>().FirstAsync(o => o.Id == production.OrderId, c);
                    if (production.IsReleased)
                    {
                        return new ConflictError("order.already_released", "This package was released already.");
                    }

                    if (production.IsSuperseded)
                    {
                        return new ConflictError("order.package_superseded", "This package was superseded by a newer one of the order; release that one.");
                    }

                    if (caller.Actor.Id == order.RegisteredById || caller.Actor.Id == production.ProducedById)
                    {
                        return new ForbiddenError("order.four_eyes", "Four eyes: the person who registered the order or produced the package cannot release it; a second officer does.");
                    }

                    var now = Now;
                    production.ReleasedAt = now;
                    production.ReleasedById = caller.Actor.Id;
                    production.Version++;
                    order.CompliedAt ??= now;
                    return production;
                },
                p => Entry("disclosure.released", caller, order!, new Dictionary<string, string> { ["production"] = p.Id.ToString() }),
                null,
                ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return new ConflictError("order.changed_concurrently", "The package was changed by another request at the same time; read it again.");
        }
    }

    /// <summary>
    /// Records that an order whose compliance is not a data production (interception on the network, a preservation
    /// order by its hold, an intelligence-service request) was complied with now. Any officer may (no four eyes: nothing
    /// leaves the provider through this step); a second mark is refused, so the first time stands for the late alert.
    /// Audited as <c>disclosure.complied</c> with no details (the action says nothing of the order's kind).
    /// </summary>
    public async Task<StoreResult<AuthorityOrder>> MarkCompliedAsync(DisclosureCaller caller, Guid id, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.Manage)
        {
            return StoreErrors.NotFound("order");
        }

        return await transactions.WriteAsync<AuthorityOrder>(
            async c =>
            {
                var order = await db.Set<AuthorityOrder>().AsNoTracking().FirstOrDefaultAsync(o => o.Id == id, c);
                if (order is null)
                {
                    return StoreErrors.NotFound("order");
                }

                if (AuthorityOrderTypes.CompliedByProduction(order.Type))
                {
                    return new ConflictError("order.complied_by_release", "This order is complied with by releasing its data: produce it and let a second officer release it.");
                }

                // Conditional, so two officers marking at once cannot both pass: the first time stands.
                var now = Now;
                var marked = await db.Set<AuthorityOrder>().Where(o => o.Id == id && o.CompliedAt == null)
                    .ExecuteUpdateAsync(u => u.SetProperty(o => o.CompliedAt, (Instant?)now), c);
                if (marked == 0)
                {
                    return new ConflictError("order.already_complied", "This order is marked complied already; the first time stands.");
                }

                order.CompliedAt = now;
                return order;
            },
            o => Entry("disclosure.complied", caller, o, null),
            null,
            ct);
    }

    /// <summary>Opens a released package; the download is audited (and counted) before the content is returned.</summary>
    public async Task<StoreResult<DisclosureDownload>> DownloadAsync(DisclosureCaller caller, Guid productionId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.Manage)
        {
            return StoreErrors.NotFound("production");
        }

        AuthorityOrder? order = null;
        var counted = await transactions.WriteAsync<AuthorityOrderProduction>(
            async c =>
            {
                var production = await db.Set<AuthorityOrderProduction>().FirstOrDefaultAsync(p => p.Id == productionId, c);
                if (production is null)
                {
                    return StoreErrors.NotFound("production");
                }

                if (!production.IsReleased)
                {
                    return new ConflictError("order.not_released", "This package is not released yet: a second officer releases it first (four eyes).");
                }

                order = await db.Set<AuthorityOrder>().AsNoTracking().FirstAsync(o => o.Id == production.OrderId, c);
                production.Downloads++;
                return production;
            },
            p => Entry("disclosure.downloaded", caller, order!, new Dictionary<string, string> { ["production"] = p.Id.ToString() }),
            null,
            ct);
        if (!counted.IsSuccess)
        {
            return counted.Error!;
        }

        var content = await blobs.OpenReadAsync(db, counted.Value.BlobId, ct);
        return new DisclosureDownload(content, $"disclosure-{counted.Value.Id}.zip", counted.Value.Sha256);
    }

    internal static (Instant From, Instant Until) YearBounds(int year)
    {
        var zone = DateTimeZoneProviders.Tzdb["Europe/Amsterdam"];
        return (new LocalDate(year, 1, 1).AtStartOfDayInZone(zone).ToInstant(), new LocalDate(year + 1, 1, 1).AtStartOfDayInZone(zone).ToInstant());
    }

    /// <summary>The order and its authority hold: naming the hold is what hides the event from readers without holds:lawful.</summary>
    private static IEnumerable<AuditObject> Objects(AuthorityOrder o) =>
        [new AuditObject("authority_order", o.Id.ToString()), new AuditObject("legal_hold", o.LegalHoldId.ToString())];

    /// <summary>No organisation (a tenant's view of the trail never shows it), no reference, no target.</summary>
    private static AuditEntry Entry(string action, DisclosureCaller caller, AuthorityOrder order, IReadOnlyDictionary<string, string>? details) =>
        new(action, caller.Actor, null, [.. Objects(order)], Details: details);
}
