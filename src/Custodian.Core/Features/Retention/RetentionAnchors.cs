using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Store;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Retention;

/// <summary>
/// Each stored record's retention anchor, from the retention catalogue's queries (the same the planner and the sweep
/// use): an instant (ticket closing, recording time) or a date (service end); null when the anchor event has not
/// happened. For the pages and answers that show when a record expires.
/// </summary>
internal static class RetentionAnchors
{
    /// <summary>The anchors by record id; <paramref name="records"/> are EF store records (<see cref="TenantRecord"/> or <see cref="Organization"/>): event records have their start as anchor and are not passed.</summary>
    public static async Task<Dictionary<Guid, (Instant? Instant, LocalDate? Date)>> LoadAsync(CustodianDbContext db, IEnumerable<object> records, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(records);
        var anchors = new Dictionary<Guid, (Instant?, LocalDate?)>();
        foreach (var group in records.GroupBy(r => r.GetType()))
        {
            var target = RetentionTargets.All.FirstOrDefault(t => t.Entities.Contains(group.Key));
            var ids = group.Select(IdOf).ToList();
            switch (target)
            {
                case InstantAnchoredTarget t:
                    foreach (var row in await t.Rows(db).Where(r => ids.Contains(r.Id)).ToListAsync(ct))
                    {
                        anchors[row.Id] = (row.Anchor, null);
                    }

                    break;
                case DateAnchoredTarget t:
                    foreach (var row in await t.Rows(db).Where(r => ids.Contains(r.Id)).ToListAsync(ct))
                    {
                        anchors[row.Id] = (null, row.Anchor);
                    }

                    break;
                default:
                    throw new InvalidOperationException($"No EF retention target for {group.Key.Name}.");
            }
        }

        return anchors;
    }

    public static Guid IdOf(object record) => record switch
    {
        TenantRecord r => r.Id,
        Organization o => o.Id,
        _ => throw new InvalidOperationException($"Unexpected record {record.GetType().Name}."),
    };
}
