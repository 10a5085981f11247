using System.Globalization;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Store;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Core.Features.Retention;

/// <summary>
/// Placing, extending, releasing and reading legal holds, each in one transaction with its audit event.
/// <list type="bullet">
/// <item>Tenancy: the request's context is filtered centrally (a tenant sees its own organisation's holds only).</item>
/// <item>Secrecy: authority-basis holds do not exist for a caller without <c>holds:lawful</c> (404, absent from lists).</item>
/// <item>Nobody releases or extends a hold they had no right to place: the caller needs the basis's scope (else the hold
/// is invisible) AND the tenancy of the key that placed it (a tenant key cannot release a provider's hold).</item>
/// <item>The audit trail gets the reason and reference as keyed hashes and identifiers as keyed hashes, never in clear;
/// events of authority holds carry no organisation, so a tenant's view of the trail could not reveal them.</item>
/// </list>
/// </summary>
internal sealed class LegalHoldCommands(CustodianDbContext db, StoreTransactions transactions, TimeProvider time, ProcessingRegister register, AuditHasher hasher)
{
    private Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());

    public async Task<StoreResult<LegalHold>> PlaceAsync(
        HoldCaller caller, LegalHoldInput input, Func<LegalHold, CancellationToken, Task>? beforeCommit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(input);
        if (caller.TenantId is null && !caller.Scope.AllTenants)
        {
            return new ForbiddenError("hold.provider_scope_required", "A provider key places holds only as a provider-wide key (scope tenants:all).");
        }

        if (input.Basis?.Trim() is { } basisName && HoldBases.Names.Contains(basisName) && HoldBases.IsAuthority(HoldBases.ParseBasis(basisName)))
        {
            if (caller.TenantId is not null)
            {
                return new ForbiddenError("hold.basis_not_allowed", "An organisation's key cannot place a hold on an authority basis; the provider does.");
            }

            if (!caller.Lawful)
            {
                return new ForbiddenError("hold.lawful_scope_required", "A hold on an authority basis needs the scope holds:lawful.");
            }
        }

        return await transactions.WriteAsync<LegalHold>(
            async c =>
            {
                var v = new FieldValidator();
                var organizationId = caller.TenantId;
                var named = !string.IsNullOrWhiteSpace(input.Organization);
                if (caller.TenantId is not null && named)
                {
                    v.Add("organization", "organization.set_by_key", "This API key belongs to one organisation and holds there; leave 'organization' out.");
                }
                else if (named)
                {
                    var code = input.Organization!.Trim();
                    organizationId = await db.Organizations.Where(o => o.Code == code).Select(o => (Guid?)o.Id).FirstOrDefaultAsync(c);
                    if (organizationId is null)
                    {
                        v.Add("organization", "organization.not_found", "There is no organisation with this code.");
                    }
                }

                var draft = HoldRules.Validate(v, input, organizationId is not null || named, Now, register);
                if (!v.IsValid || draft is null)
                {
                    return v.ToError();
                }

                var hold = new LegalHold
                {
                    Basis = draft.Basis,
                    Ground = draft.Ground,
                    Reason = draft.Reason,
                    Reference = draft.Reference,
                    OrganizationId = organizationId,
                    Categories = [.. draft.Categories],
                    RecordsFrom = draft.RecordsFrom,
                    RecordsUntil = draft.RecordsUntil,
                    StartsAt = draft.StartsAt,
                    EndsAt = draft.EndsAt,
                    PlacedAt = Now,
                    PlacedByKind = caller.Actor.Kind,
                    PlacedById = caller.Actor.Id,
                    PlacedByOrganizationId = caller.TenantId,
                };
                hold.Identifiers.AddRange(draft.Identifiers.Select(i => new LegalHoldIdentifier
                {
                    LegalHoldId = hold.Id,
                    Kind = HoldIdentifiers.KindName(i.Kind),
                    Value = i.Value,
                }));
                db.LegalHolds.Add(hold);
                return hold;
            },
            h => Audit(caller, "hold.placed", h, PlacedDetails(h)),
            beforeCommit,
            ct);
    }

    public async Task<StoreResult<LegalHold>> ExtendAsync(HoldCaller caller, Guid id, ExtendHoldInput input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        Instant? previous = null;
        try
        {
            return await transactions.WriteAsync<LegalHold>(
                async c =>
                {
                    var found = await ChangeableAsync(caller, id, c);
                    if (!found.IsSuccess)
                    {
                        return found;
                    }

                    var hold = found.Value;
                    var v = new FieldValidator();
                    var end = v.Instant("endsAt", input.EndsAt);
                    if (!v.IsValid || end is null)
                    {
                        return v.ToError();
                    }

                    if (HoldRules.CheckExtension(hold, end.Value, Now) is { } broken)
                    {
                        return broken;
                    }

                    previous = hold.EndsAt;
                    hold.EndsAt = end;
                    hold.ExtensionCount++;
                    hold.Version++;
                    return hold;
                },
                h => Audit(caller, "hold.extended", h, new Dictionary<string, string>
                {
                    ["basis"] = HoldBases.Name(h.Basis),
                    ["previous_ends_at"] = Format(previous),
                    ["ends_at"] = Format(h.EndsAt),
                    ["extension_count"] = h.ExtensionCount.ToString(CultureInfo.InvariantCulture),
                }),
                null,
                ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Concurrent();
        }
    }

    public Task<StoreResult<LegalHold>> ReleaseAsync(HoldCaller caller, Guid id, ReleaseHoldInput input, CancellationToken ct) =>
        ReleaseAsync(caller, id, input, null, ct);

    /// <summary>Releases a hold; <paramref name="beforeCommit"/> adds the caller's own rows and events in the same transaction.</summary>
    public async Task<StoreResult<LegalHold>> ReleaseAsync(
        HoldCaller caller, Guid id, ReleaseHoldInput input, Func<LegalHold, CancellationToken, Task>? beforeCommit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        try
        {
            return await transactions.WriteAsync<LegalHold>(
                async c =>
                {
                    var found = await ChangeableAsync(caller, id, c);
                    if (!found.IsSuccess)
                    {
                        return found;
                    }

                    var hold = found.Value;
                    if (hold.IsReleased)
                    {
                        return new ConflictError("hold.released", "This hold was released already.");
                    }

                    var v = new FieldValidator();
                    var reason = v.Text("reason", input.Reason, LegalHold.MaxReasonLength);
                    if (!v.IsValid || reason is null)
                    {
                        return v.ToError();
                    }

                    hold.ReleasedAt = Now;
                    hold.ReleasedByKind = caller.Actor.Kind;
                    hold.ReleasedById = caller.Actor.Id;
                    hold.ReleaseReason = reason;
                    hold.Version++;
                    return hold;
                },
                h => Audit(caller, "hold.released", h, new Dictionary<string, string>
                {
                    ["basis"] = HoldBases.Name(h.Basis),
                    ["reason"] = hasher.HashIdentifier("hold_reason", h.ReleaseReason!),
                }),
                beforeCommit,
                ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Concurrent();
        }
    }

    public async Task<StoreResult<LegalHold>> GetAsync(HoldCaller caller, Guid id, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var hold = await transactions.ReadAsync(
            c => Visible(caller).AsNoTracking().FirstOrDefaultAsync(h => h.Id == id, c),
            h => h is null ? null : Audit(caller, "hold.viewed", h, null),
            ct);
        return hold is null ? StoreErrors.NotFound("hold") : hold;
    }

    /// <summary>A page of the holds the caller may see, oldest first (ids are time-ordered), after <paramref name="after"/>.</summary>
    public Task<IReadOnlyList<LegalHold>> ListAsync(HoldCaller caller, Guid? after, int limit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        limit = Math.Clamp(limit, 1, StoreCommands.MaxPageSize);
        return transactions.ReadAsync(
            async c =>
            {
                var query = Visible(caller).AsNoTracking();
                if (after is { } a)
                {
                    query = query.Where(h => h.Id.CompareTo(a) > 0);
                }

                return (IReadOnlyList<LegalHold>)await query.OrderBy(h => h.Id).Take(limit).ToListAsync(c);
            },
            page => page.Count == 0
                ? null
                : new AuditEntry("hold.listed", caller.Actor, caller.TenantId, [.. page.Select(h => new AuditObject("legal_hold", h.Id.ToString()))]),
            ct);
    }

    /// <summary>
    /// The holds the caller can see: the context's tenant filter already limits them to the caller's organisation (or
    /// all for provider-wide keys); without <c>holds:lawful</c> the authority-basis ones are left out as well.
    /// </summary>
    private IQueryable<LegalHold> Visible(HoldCaller caller)
    {
        IQueryable<LegalHold> query = db.LegalHolds;
        if (!caller.Lawful)
        {
            var secret = HoldBases.Authority;
            query = query.Where(h => !secret.Contains(h.Basis));
        }

        return query;
    }

    /// <summary>A hold the caller may change: visible (else not found, as for a missing id) and placed by its tenancy.</summary>
    private async Task<StoreResult<LegalHold>> ChangeableAsync(HoldCaller caller, Guid id, CancellationToken ct)
    {
        var hold = await Visible(caller).FirstOrDefaultAsync(h => h.Id == id, ct);
        if (hold is null)
        {
            return StoreErrors.NotFound("hold");
        }

        if (hold.PlacedByOrganizationId != caller.TenantId)
        {
            return hold.PlacedByOrganizationId is null
                ? new ForbiddenError("hold.placed_by_provider", "The provider placed this hold; only the provider can extend or release it.")
                : new ForbiddenError("hold.placed_by_organization", "The organisation placed this hold; only its own keys can extend or release it.");
        }

        return hold;
    }

    private static ConflictError Concurrent() =>
        new("hold.changed_concurrently", "The hold was changed by another request at the same time; read it again and retry.");

    private Dictionary<string, string> PlacedDetails(LegalHold h)
    {
        var details = new Dictionary<string, string>
        {
            ["basis"] = HoldBases.Name(h.Basis),
            ["reason"] = hasher.HashIdentifier("hold_reason", h.Reason),
            ["scope"] = h.OrganizationId is null ? "all_organizations" : "organization",
            ["categories"] = h.Categories.Count == 0 ? "*" : string.Join(' ', h.Categories),
            ["identifier_count"] = h.Identifiers.Count.ToString(CultureInfo.InvariantCulture),
            ["starts_at"] = Format(h.StartsAt),
            ["ends_at"] = Format(h.EndsAt),
        };
        if (h.Ground is { } g)
        {
            details["ground"] = HoldBases.Name(g);
        }

        if (h.Reference is { } reference)
        {
            // An order number of a secret order: the trail is kept forever, the hold row is not.
            details["reference"] = hasher.HashIdentifier("hold_reference", reference);
        }

        if (h.Identifiers.Count > 0)
        {
            details["identifiers"] = string.Join(' ', h.Identifiers.Select(i => hasher.HashIdentifier(i.Kind, i.Value)));
        }

        if (h.RecordsFrom is not null || h.RecordsUntil is not null)
        {
            details["records_from"] = Format(h.RecordsFrom);
            details["records_until"] = Format(h.RecordsUntil);
        }

        return details;
    }

    private static string Format(Instant? instant) => instant is { } i ? InstantPattern.ExtendedIso.Format(i) : "-";

    /// <summary>Authority holds are recorded without their organisation: the trail must not reveal them to the tenant.</summary>
    private static AuditEntry Audit(HoldCaller caller, string action, LegalHold h, IReadOnlyDictionary<string, string>? details) =>
        new(action, caller.Actor, HoldBases.IsAuthority(h.Basis) ? null : h.OrganizationId, [new AuditObject("legal_hold", h.Id.ToString())], Details: details);
}
