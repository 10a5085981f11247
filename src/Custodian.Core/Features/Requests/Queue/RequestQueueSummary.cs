using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Requests.Queue;

/// <summary>Open requests for the dashboard and the reminders: counts only, no personal data.</summary>
/// <param name="Today">The Amsterdam day counted against.</param>
/// <param name="ByState">Open requests per state (states with none left out), in the order of <see cref="RequestState"/>.</param>
/// <param name="Overdue">Open requests whose effective due date lies before today.</param>
/// <param name="Soon">Due today or within <see cref="RequestQueueDays.SoonWorkingDays"/> working days.</param>
/// <param name="Later">Due after that.</param>
/// <param name="OrganizationsPending">True for an organisation's view: empty until request parts exist (see <see cref="RequestQueue"/>).</param>
internal sealed record RequestQueueCounts(
    LocalDate Today, IReadOnlyList<(RequestState State, int Count)> ByState, int Overdue, int Soon, int Later, bool OrganizationsPending)
{
    public int Open => Overdue + Soon + Later;
}

/// <summary>
/// Counts of the open requests. Reads the open requests' state and due dates only, from the queue's partial indexes
/// (open requests are a few hundred at most: the closed ones are excluded by the index itself).
/// </summary>
internal static class RequestQueueSummary
{
    public static async Task<RequestQueueCounts> CountAsync(CustodianDbContext db, TenantScope scope, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(scope);
        var today = RequestDeadlines.ReceivedOn(now);
        // Two reads, each from its partial index (RequestQueueIndexes): never extended, and extended. An organisation's
        // contact counts only the requests with a part of its organisation (the queue's one tenancy rule).
        var set = db.Set<DataSubjectRequest>().AsNoTracking();
        if (!scope.AllTenants)
        {
            set = scope.OrganizationId is { } organization
                ? RequestQueue.ConcerningOrganization(db, set, organization)
                : set.Where(r => false);
        }

        var plain = await set
            .Where(r => r.ExtendedDueOn == null && r.State != RequestState.Delivered && r.State != RequestState.Refused && r.State != RequestState.Closed)
            .Select(r => new { r.State, Due = r.DueOn })
            .ToListAsync(ct);
        var extended = await set
            .Where(r => r.ExtendedDueOn != null)
            .Select(r => new { r.State, Due = r.ExtendedDueOn!.Value })
            .ToListAsync(ct);
        var open = plain.Concat(extended.Where(r => RequestStates.IsOpen(r.State))).ToList();
        var soon = RequestQueueDays.SoonUntil(today);
        return new RequestQueueCounts(
            today,
            [.. open.GroupBy(r => r.State).OrderBy(g => g.Key).Select(g => (g.Key, g.Count()))],
            open.Count(r => r.Due < today),
            open.Count(r => r.Due >= today && r.Due <= soon),
            open.Count(r => r.Due > soon),
            OrganizationsPending: false);
    }
}
