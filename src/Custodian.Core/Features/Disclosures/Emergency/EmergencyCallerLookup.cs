using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Store;
using Custodian.Core.Identifiers;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Disclosures.Emergency;

/// <summary>An address of the subscriber, as the store holds it.</summary>
internal sealed record EmergencyAddress(string Street, string HouseNumber, string Postcode, string City, string Country);

/// <summary>
/// What the network side passes with an emergency call (Tw 11.10, domain.md AUT-5): the caller's number, the
/// subscriber's name and address. Location data comes from the network, not from this store.
/// </summary>
/// <param name="Number">The caller's number, E.164.</param>
/// <param name="SubscriberName">The contracting party: the organisation's billing name (its trading name when the billing name was erased).</param>
/// <param name="Addresses">
/// The organisation's delivery addresses, oldest first. The store links a number to its subscription and the
/// subscription to the organisation, but holds no address per number or per subscription: these are the nearest
/// truthful source, and <see cref="AddressBasis"/> says so to the receiver. Usually one.
/// </param>
/// <param name="AddressBasis">Always <c>organization_delivery_addresses</c> today (see <paramref name="Addresses"/>).</param>
/// <param name="OrganizationId">The subscriber organisation.</param>
/// <param name="SubscriptionId">The mobile subscription that holds the number.</param>
/// <param name="LookupId">The row in the disclosure log.</param>
internal sealed record EmergencyCallerData(
    string Number,
    string SubscriberName,
    IReadOnlyList<EmergencyAddress> Addresses,
    string AddressBasis,
    Guid OrganizationId,
    Guid SubscriptionId,
    Guid LookupId);

/// <summary>
/// The 112 caller look-up for the network side: number → subscriber data, regardless of caller-ID blocking (CLI-2:
/// a CLIR setting never applies to 112, so this look-up does not even ask for it). Every use is logged in
/// <see cref="EmergencyDisclosure"/> and audited (<c>emergency.caller_lookup</c>, a neutral action whose details hold
/// only the number's keyed hash and whether it was found), in one transaction before the data is returned (fail closed).
/// </summary>
/// <remarks>
/// Which number is a subscriber's: the store's only link from a phone number to a subscriber is
/// <see cref="MobileSubscription.PhoneNumber"/> (VoIP services hold devices and a phone book, not their own numbers;
/// contact persons' and keyholders' numbers are not subscriptions). A subscription counts while its service runs
/// (no end date, or an end date today or later in Amsterdam). The look-up runs under the caller's tenant scope like
/// every store read: the network side's key is a provider key with <c>tenants:all</c>.
/// </remarks>
internal sealed class EmergencyCallerLookup(CustodianDbContext db, IAuditTrail audit, AuditHasher hasher, TimeProvider time)
{
    public const string AuditAction = "emergency.caller_lookup";
    public const string AddressBasisOrganization = "organization_delivery_addresses";

    public async Task<StoreResult<EmergencyCallerData>> LookUpAsync(StoreCaller caller, string? number, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var normalized = Identifier.Normalize(IdentifierKind.PhoneNumber, number);
        if (!normalized.IsValid)
        {
            return new ValidationError([new FieldError("number", normalized.Error.Code, normalized.Error.Message)]);
        }

        var e164 = normalized.Value;
        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        var today = RetentionCalendar.DayOf(now);

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var hit = await db.MobileSubscriptions.AsNoTracking()
            .Where(s => s.PhoneNumber == e164)
            .Join(db.Services, s => s.ServiceId, v => v.Id, (s, v) => new { Subscription = s, v.EndDate })
            .Where(x => x.EndDate == null || x.EndDate >= today)
            .OrderByDescending(x => x.Subscription.CreatedAt)
            .Select(x => x.Subscription)
            .FirstOrDefaultAsync(ct);

        EmergencyCallerData? data = null;
        var log = new EmergencyDisclosure
        {
            DisclosedAt = now,
            NumberHash = hasher.HashIdentifier("phone", e164),
            ActorKind = caller.Actor.Kind,
            ActorId = caller.Actor.Id,
        };
        if (hit is not null)
        {
            var organization = await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == hit.OrganizationId, ct);
            var addresses = await db.DeliveryAddresses.AsNoTracking()
                .Where(a => a.OrganizationId == hit.OrganizationId)
                .OrderBy(a => a.CreatedAt).ThenBy(a => a.Id)
                .Select(a => new EmergencyAddress(a.Street, a.HouseNumber, a.Postcode, a.City, a.Country))
                .ToListAsync(ct);
            log = new EmergencyDisclosure
            {
                DisclosedAt = now,
                NumberHash = log.NumberHash,
                Found = true,
                OrganizationId = hit.OrganizationId,
                SubscriptionId = hit.Id,
                ActorKind = log.ActorKind,
                ActorId = log.ActorId,
            };
            // An erased billing name is the empty string (retention's EraseFields); the trading name is then the truth we hold.
            var name = organization.BillingCompanyName.Length > 0 ? organization.BillingCompanyName : organization.Name;
            data = new EmergencyCallerData(e164, name, addresses, AddressBasisOrganization, hit.OrganizationId, hit.Id, log.Id);
        }

        db.Set<EmergencyDisclosure>().Add(log);
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(db, new AuditEntry(
            AuditAction,
            caller.Actor,
            log.OrganizationId,
            [new AuditObject("emergency_disclosure", log.Id.ToString()), .. hit is null ? Array.Empty<AuditObject>() : [new AuditObject("mobile_subscription", hit.Id.ToString())]],
            Details: new Dictionary<string, string> { ["identifier"] = log.NumberHash, ["found"] = log.Found ? "true" : "false" }), ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        db.ChangeTracker.Clear();

        return data is null
            ? new NotFoundError("emergency.number_unknown", "The number is not a current subscription of this provider.")
            : data;
    }
}
