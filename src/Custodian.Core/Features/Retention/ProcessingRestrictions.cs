using Custodian.Core.Features.Store;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Retention;

/// <summary>
/// GDPR Art. 18(2): while a person's processing is restricted, their data may be stored and nothing else, except with
/// their consent or for legal claims. The restriction is a hold with basis <c>restriction_art18</c> (placed by the
/// restriction executor for a request), whatever its ground: unlike the sweep, which only honours the grounds that ask
/// for keeping (<see cref="LegalHold.StopsDeletion"/>), every processing path honours every restriction. Paths that
/// ask here: the store's updates from the provider's systems (an import or API write that would change the record)
/// and reads of recorded content (listening to a support call, e.g. to train staff). Storing new records (imports of
/// new usage records, new recordings) is storage and goes on. The person's own access report is not processing for
/// another purpose and does not ask.
/// </summary>
internal static class ProcessingRestrictions
{
    public const string Restricted = "record.restricted";

    /// <summary>The error a refused path returns: the rule and what to do, never whose restriction it is.</summary>
    public static ConflictError Error(string recordType) => new(
        Restricted,
        $"Processing of this {recordType} is restricted (GDPR Art. 18) for the person it concerns: it is stored, but it cannot be changed or its content read until the restriction is lifted.");

    /// <summary>
    /// Whether an active Art. 18 restriction covers <paramref name="record"/> (its organisation, its register
    /// categories, its time and its identifiers), at <paramref name="at"/>. Reads the holds of every tenant on purpose
    /// (a caller's tenant scope must not hide a provider-wide restriction); nothing about the hold is returned.
    /// </summary>
    public static async Task<bool> RestrictsAsync(CustodianDbContext db, TenantRecord record, Instant at, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(record);
        var restrictions = await db.Set<LegalHold>().IgnoreQueryFilters().AsNoTracking()
            .Where(h => h.Basis == HoldBasis.RestrictionArt18 && (h.ReleasedAt == null || h.ReleasedAt > at))
            .ToListAsync(ct);
        var active = restrictions.Where(h => h.IsActiveAt(at)).Select(h => h.Scope()).ToList();
        if (active.Count == 0)
        {
            return false;
        }

        // A record's personal data belongs to one register category (a test checks it); none: nothing to restrict.
        if (StoreCatalog.CategoryOf(record.GetType()) is not { } category)
        {
            return false;
        }

        var identifiers = RetentionSweeper.HoldIdentifiersOf(record);
        var time = RetentionSweeper.RecordTime(record);
        return active.Any(s => s.Covers(category, record.OrganizationId, time, identifiers));
    }
}
