using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Retention;

/// <summary>The sweep's entry point to holds: which ones stop deletion at a given instant.</summary>
internal static class LegalHolds
{
    /// <summary>
    /// Every hold active at <paramref name="at"/> (started, not ended, not released) that stops deletion, of every
    /// organisation and every basis, whatever <paramref name="db"/>'s tenant scope: a sweep that missed a hold because
    /// of a context's scope would delete held records, so the filter is ignored here on purpose (nothing is returned
    /// to a caller; the sweep only excludes). Holds are few (tens), so they are read whole and filtered here.
    /// </summary>
    public static async Task<ActiveHolds> ActiveAtAsync(CustodianDbContext db, Instant at, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var holds = await db.Set<LegalHold>().IgnoreQueryFilters().AsNoTracking()
            .Where(h => h.ReleasedAt == null || h.ReleasedAt > at)
            .ToListAsync(ct);
        return new ActiveHolds(at, [.. holds.Where(h => h.IsActiveAt(at) && h.StopsDeletion).OrderBy(h => h.Id).Select(h => h.Scope())]);
    }
}
