using Custodian.Core.Persistence;
using NodaTime;

namespace Custodian.Core.Features.Retention;

// MERGE-SCAFFOLD: replaced by the legal-holds implementation when the holds branch is merged. Must not land.
internal sealed class ScaffoldHolds : IRetentionHolds
{
    public Task<IReadOnlyList<EventHoldScope>> EventScopesAsync(CustodianDbContext db, string category, Instant at, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<EventHoldScope>>([]);
}
