using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Requests.Execution;

/// <summary>A restriction placed (or found placed before) for a request, and the recipients to tell (Art. 19).</summary>
/// <param name="RequestId">The request.</param>
/// <param name="HoldId">The Art. 18 hold (basis <c>restriction_art18</c>) that makes the sweep and every path honour it.</param>
/// <param name="Ground">The Art. 18(1) ground, as its wire name.</param>
/// <param name="Recipients">The register's processors of the restricted categories.</param>
internal sealed record RestrictionResult(Guid RequestId, Guid HoldId, string Ground, IReadOnlyList<RecipientToNotify> Recipients);

/// <summary>A restriction lifted after the person was told (RES-3).</summary>
internal sealed record RestrictionLifted(Guid RequestId, Guid HoldId, Instant NotifiedAt, Instant LiftedAt);

/// <summary>
/// Art. 18: restricts processing of the person's records by placing a hold with basis <c>restriction_art18</c> and the
/// ground, through <see cref="LegalHoldCommands"/> (so the sweep, <see cref="LegalHolds"/> and every reader of holds
/// see it), naming the person's identifiers (names are not hold identifiers: a person known only by name cannot be
/// restricted this way, <c>restriction.no_identifier</c>). Lifting needs a recorded notification to the person first
/// (RES-3, GDPR 18(3)): <see cref="RecordNotificationAsync"/>, then <see cref="LiftAsync"/>; otherwise
/// <c>restriction.not_notified</c>. Every step is one transaction with its audit events; placing twice for one request
/// returns the first restriction.
/// </summary>
internal sealed class RestrictionExecutor(ProcessingRegister register, IAuditTrail audit, TimeProvider time, AuditHasher hasher, ReadAuditBatcher reads)
{
    public const string NoIdentifier = "restriction.no_identifier";
    public const string NotNotified = "restriction.not_notified";
    public const string NotFound = "restriction.not_found";

    private Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());

    /// <param name="db">A context scoped to every tenant (provider part) or to the part's organisation (client part).</param>
    /// <param name="requestId">The request.</param>
    /// <param name="subjectKeys">The verified person.</param>
    /// <param name="ground">The Art. 18(1) ground.</param>
    /// <param name="organizationCode">A client part: the organisation's code; null: every organisation (provider part).</param>
    /// <param name="categories">The restricted categories; empty: every category.</param>
    /// <param name="caller">Who executes it.</param>
    /// <param name="ct">Cancellation.</param>
    public async Task<StoreResult<RestrictionResult>> PlaceAsync(
        CustodianDbContext db,
        Guid requestId,
        IReadOnlyList<SubjectKey> subjectKeys,
        RestrictionGround ground,
        string? organizationCode,
        IReadOnlyList<string> categories,
        StoreCaller caller,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(subjectKeys);
        ArgumentNullException.ThrowIfNull(categories);
        ArgumentNullException.ThrowIfNull(caller);
        var existing = await db.Set<RequestRestriction>().AsNoTracking().FirstOrDefaultAsync(r => r.RequestId == requestId && r.LiftedAt == null, ct);
        if (existing is not null)
        {
            var hold = await db.Set<LegalHold>().IgnoreQueryFilters().AsNoTracking().FirstAsync(h => h.Id == existing.HoldId, ct);
            return new RestrictionResult(requestId, hold.Id, HoldBases.Name(hold.Ground!.Value), Recipients(hold.Categories));
        }

        var identifiers = subjectKeys.Distinct()
            .Where(k => HoldIdentifiers.KindOf(k.Kind) is not null)
            .Select(k => new HoldIdentifierInput(HoldIdentifiers.KindName(HoldIdentifiers.KindOf(k.Kind)!.Value), k.Value))
            .ToList();
        if (identifiers.Count == 0)
        {
            return new ConflictError(NoIdentifier, "The person is known by name only; a restriction names phone numbers, e-mail addresses or device identifiers.");
        }

        var now = Now;
        IReadOnlyList<RecipientToNotify> recipients = [];
        var commands = new LegalHoldCommands(db, new StoreTransactions(db, audit, reads), time, register, hasher);
        var placed = await commands.PlaceAsync(
            new HoldCaller(caller.Actor, caller.Scope, lawful: false),
            new LegalHoldInput(
                HoldBases.Name(HoldBasis.RestrictionArt18),
                HoldBases.Name(ground),
                // No personal data in a hold's reason: the request names the case.
                $"Art. 18 restriction, data-subject request {requestId}",
                null,
                organizationCode,
                [.. categories],
                null,
                null,
                [.. identifiers],
                null,
                null),
            async (hold, c) =>
            {
                db.Add(new RequestRestriction { RequestId = requestId, HoldId = hold.Id, OrganizationId = hold.OrganizationId, PlacedAt = now });
                var list = new List<RecipientToNotify>();
                foreach (var category in hold.Categories.Count == 0 ? register.Categories.Select(k => k.Id) : hold.Categories)
                {
                    list.AddRange(await RecipientNotices.AddAsync(db, register, requestId, "restriction", category, hold.OrganizationId, now, c));
                }

                recipients = list;
                await db.SaveChangesAsync(c);
                await audit.AppendAsync(db, new AuditEntry(
                    "request.restriction_placed",
                    caller.Actor,
                    hold.OrganizationId ?? caller.TenantId,
                    [new AuditObject("request", requestId.ToString()), new AuditObject("legal_hold", hold.Id.ToString())],
                    Details: new Dictionary<string, string> { ["ground"] = HoldBases.Name(ground) }), c);
            },
            ct);
        return placed.IsSuccess ? new RestrictionResult(requestId, placed.Value.Id, HoldBases.Name(ground), recipients) : placed.Error;
    }

    /// <summary>Records that the person was told the restriction will be lifted (RES-3); repeating keeps the first time.</summary>
    public async Task<StoreResult<Instant>> RecordNotificationAsync(CustodianDbContext db, Guid requestId, StoreCaller caller, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        try
        {
            var restriction = await db.Set<RequestRestriction>().FirstOrDefaultAsync(r => r.RequestId == requestId && r.LiftedAt == null, ct);
            if (restriction is null)
            {
                return new NotFoundError(NotFound, "This request has no restriction in force.");
            }

            if (restriction.NotifiedAt is { } already)
            {
                return already;
            }

            restriction.NotifiedAt = Now;
            await db.SaveChangesAsync(ct);
            await audit.AppendAsync(db, new AuditEntry(
                "request.restriction_lift_notified",
                caller.Actor,
                restriction.OrganizationId ?? caller.TenantId,
                [new AuditObject("request", requestId.ToString()), new AuditObject("legal_hold", restriction.HoldId.ToString())]), ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            return restriction.NotifiedAt.Value;
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
    }

    /// <summary>Lifts the restriction (releases its hold) — only after <see cref="RecordNotificationAsync"/> (RES-3).</summary>
    public async Task<StoreResult<RestrictionLifted>> LiftAsync(CustodianDbContext db, Guid requestId, string reason, StoreCaller caller, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        var restriction = await db.Set<RequestRestriction>().AsNoTracking().FirstOrDefaultAsync(r => r.RequestId == requestId && r.LiftedAt == null, ct);
        if (restriction is null)
        {
            return new NotFoundError(NotFound, "This request has no restriction in force.");
        }

        if (restriction.NotifiedAt is not { } notified)
        {
            return new ConflictError(NotNotified, "The person must be told before the restriction is lifted (GDPR 18(3)); record the notification first.");
        }

        var now = Now;
        var commands = new LegalHoldCommands(db, new StoreTransactions(db, audit, reads), time, register, hasher);
        var released = await commands.ReleaseAsync(
            new HoldCaller(caller.Actor, caller.Scope, lawful: false),
            restriction.HoldId,
            new ReleaseHoldInput(reason),
            async (hold, c) =>
            {
                var row = await db.Set<RequestRestriction>().FirstAsync(r => r.Id == restriction.Id, c);
                row.LiftedAt = now;
                await db.SaveChangesAsync(c);
                await audit.AppendAsync(db, new AuditEntry(
                    "request.restriction_lifted",
                    caller.Actor,
                    restriction.OrganizationId ?? caller.TenantId,
                    [new AuditObject("request", requestId.ToString()), new AuditObject("legal_hold", hold.Id.ToString())]), c);
            },
            ct);
        return released.IsSuccess ? new RestrictionLifted(requestId, restriction.HoldId, notified, now) : released.Error;
    }

    private IReadOnlyList<RecipientToNotify> Recipients(List<string> categories) =>
        [.. (categories.Count == 0 ? register.Categories.Select(k => k.Id) : categories).SelectMany(c => RecipientNotices.For(register, c))];
}
