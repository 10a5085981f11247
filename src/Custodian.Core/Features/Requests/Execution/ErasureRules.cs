using Custodian.Core.Features.Events;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Store;
using NodaTime;

namespace Custodian.Core.Features.Requests.Execution;

/// <summary>The stable reason codes for records an erasure keeps (wire names, never renamed).</summary>
internal static class KeptReasons
{
    /// <summary>GDPR 17(3)(b): a legal obligation. Also every authority-basis hold, which is never named (ACC-5).</summary>
    public const string LegalObligation = "legal_obligation";

    /// <summary>GDPR 17(3)(e): the provider's, the organisation's or the person's own legal claims (a hold or an Art. 18(1)(c) restriction).</summary>
    public const string LegalClaims = "legal_claims";

    /// <summary>A hold on another documented basis (<c>other</c>), until it ends or is released.</summary>
    public const string LegalHold = "legal_hold";

    /// <summary>Art. 17(1)(a) does not apply yet: the service runs, the records are needed for the contract (6(1)(b)).</summary>
    public const string RunningContract = "running_contract";

    /// <summary>
    /// Kept to its normal expiry. No rule gives it any more (usage records are erased one by one since the billing
    /// window rule); the wire name stays because stored outcomes of earlier erasures carry it.
    /// </summary>
    public const string RetentionPeriod = "retention_period";

    /// <summary>An objection overruled by compelling legitimate grounds the privacy officer recorded (Art. 21(1)).</summary>
    public const string CompellingGrounds = "compelling_grounds";
}

/// <summary>Why one record is kept, and until when (null: not known yet, e.g. until the service ends or the hold is released).</summary>
internal sealed record KeepDecision(string Reason, Instant? Until);

/// <summary>What the rules need to know about the store beyond the record itself.</summary>
/// <param name="Holds">The holds active now that stop deletion (every organisation, every basis).</param>
/// <param name="ServiceEnds">Each service of the records' organisations: its end date (null while it runs).</param>
/// <param name="OrganizationServices">Per organisation, the end dates of all its services.</param>
internal sealed record ErasureContext(
    IReadOnlyList<LegalHold> Holds,
    IReadOnlyDictionary<Guid, LocalDate?> ServiceEnds,
    IReadOnlyDictionary<Guid, IReadOnlyList<LocalDate?>> OrganizationServices);

/// <summary>
/// The erasure rules, in one place. The first rule that keeps a record decides; a record no rule keeps is erased
/// (Art. 17(1): the person asked, and the data is no longer necessary, ERA-1(a)/(b)/(c)). Per record, as ERA-2 asks.
/// <list type="number">
/// <item>An active hold on an authority basis (126ni Sv order, criminal investigation, supervisory authority) covers
/// it: kept, <c>legal_obligation</c>, no end date and no reference to the hold (ERA-2(b); ACC-5: Tw 13.5(1), Sv 126bb(5)).</item>
/// <item>An active <c>legal_claims</c> hold, or an Art. 18 restriction on ground (c) (the person needs the data for legal
/// claims), covers it: kept, <c>legal_claims</c>, until the hold's end (ERA-2(e), RES-1(c)). Restrictions on the other
/// grounds do not keep records from an erasure the person now asks for: (a) and (d) are about the period of verifying,
/// (b) is the person preferring restriction to erasure, which this request reverses.</item>
/// <item>An active hold on basis <c>other</c> covers it: kept, <c>legal_hold</c>, until the hold's end (a documented
/// reason the provider must stand by; which exemption applies is in the hold's reason).</item>
/// <item>A consent ledger entry: kept, <c>legal_obligation</c> (proof of consent, Art. 7(1)), while the consent stands
/// and until its period after the withdrawal; erased once that has passed.</item>
/// <item>The register's basis for the category is a legal obligation: kept, <c>legal_obligation</c>, until the record's
/// normal expiry (ERA-2(b): 17(1) does not apply while the obligation requires the data).</item>
/// <item>The category is kept "until the end of the service" (register <c>from: service_end</c>) and the record's
/// service runs (organisation-level data: any service of the organisation runs, or none was ever entered): kept,
/// <c>running_contract</c>, until the service ends (ERA-1(a) does not hold yet: the data is needed to perform the contract).</item>
/// <item>Usage records (<see cref="UsageRecord"/>, basis contract): those of the current and the previous billing period
/// (<see cref="BillingPeriodsKept"/>) are still needed to bill and to answer a dispute of the invoice: kept,
/// <c>running_contract</c>, until the window ends; older ones are erased (deleted by id from the month tables with
/// the month totals, <see cref="EventRetention.DeleteRecordsAsync"/>). Traffic records whose basis is a legal
/// obligation are kept by the rule above; on any other basis they are erased like the rest.</item>
/// </list>
/// </summary>
internal static class ErasureRules
{
    /// <summary>
    /// Usage records are kept for the billing period they fall in and the one after it: the register's basis is the
    /// contract ("Gebruikgegevens ... Uitvoering overeenkomst"), and the contract needs them to bill the period and to
    /// answer a dispute of the invoice, which comes in the following period. Billing periods are calendar months in
    /// Europe/Amsterdam (the invoices' months), so a record of month M is needed until the start of month M + 2.
    /// </summary>
    public const int BillingPeriodsKept = 2;

    /// <summary>When a usage record that started at <paramref name="start"/> stops being needed for billing (start of month M + <see cref="BillingPeriodsKept"/>, Amsterdam).</summary>
    public static Instant BillingWindowEnd(Instant start)
    {
        var month = start.InZone(RetentionCalendar.Zone).Date.ToYearMonth().OnDayOfMonth(1);
        return RetentionCalendar.StartOf(month.PlusMonths(BillingPeriodsKept));
    }

    public static KeepDecision? Decide(PersonRecord record, DataCategory category, ErasureContext context, Instant now)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(category);
        ArgumentNullException.ThrowIfNull(context);
        var time = RecordTime(record.Record);
        var identifiers = record.IsEvent ? record.HoldIdentifiers() : RetentionSweeper.HoldIdentifiersOf(record.Record);
        var covering = context.Holds.Where(h => h.IsActiveAt(now) && h.Scope().Covers(record.Category, record.OrganizationId, time, identifiers)).ToList();

        if (covering.Any(h => HoldBases.IsAuthority(h.Basis)))
        {
            return new KeepDecision(KeptReasons.LegalObligation, null);
        }

        var claims = covering.Where(h => h.Basis == HoldBasis.LegalClaims || (h.Basis == HoldBasis.RestrictionArt18 && h.Ground == RestrictionGround.LegalClaims)).ToList();
        if (claims.Count > 0)
        {
            return new KeepDecision(KeptReasons.LegalClaims, Latest(claims));
        }

        var other = covering.Where(h => h.Basis == HoldBasis.Other).ToList();
        if (other.Count > 0)
        {
            return new KeepDecision(KeptReasons.LegalHold, Latest(other));
        }

        // The consent ledger is the proof of consent (Art. 7(1), 5(2)): kept while the consent stands and until its
        // period after the withdrawal has passed; an entry past it (the sweep has not come by yet) has no obligation left.
        if (record.Record is Consent.ConsentEntry consent)
        {
            var expiry = RetentionExpiry.Of(category.Retention, consent.WithdrawnAt);
            return expiry is { } e && e <= now ? null : new KeepDecision(KeptReasons.LegalObligation, expiry);
        }

        if (category.LegalBasis.Type == LegalBasisType.LegalObligation)
        {
            return new KeepDecision(KeptReasons.LegalObligation, RetentionExpiry.Of(category.Retention, time));
        }

        if (category.Retention is UntilServiceEndRetention && ServiceRuns(record.Record, context))
        {
            return new KeepDecision(KeptReasons.RunningContract, null);
        }

        if (record.Record is UsageRecord && category.LegalBasis.Type == LegalBasisType.Contract && BillingWindowEnd(time) is var end && end > now)
        {
            return new KeepDecision(KeptReasons.RunningContract, end);
        }

        return null;
    }

    private static Instant? Latest(List<LegalHold> holds) => holds.Any(h => h.EndsAt is null) ? null : holds.Max(h => h.EndsAt);

    private static bool ServiceRuns(object record, ErasureContext context) => record switch
    {
        IServiceRecord s => !context.ServiceEnds.TryGetValue(s.ServiceId, out var end) || end is null,
        MobileNotification => true, // decided with its subscription (see ErasureExecutor)
        Organization o => OrganizationRuns(o.Id, context),
        TenantRecord r => OrganizationRuns(r.OrganizationId, context),
        _ => false,
    };

    // As the retention engine reads organisation-level data: kept while any service runs or none was ever entered.
    private static bool OrganizationRuns(Guid organizationId, ErasureContext context) =>
        !context.OrganizationServices.TryGetValue(organizationId, out var ends) || ends.Count == 0 || ends.Any(e => e is null);

    private static Instant RecordTime(object record) => record switch
    {
        UsageRecord u => u.StartTime,
        TrafficRecord t => t.StartTime,
        _ => RetentionSweeper.RecordTime(record),
    };
}
