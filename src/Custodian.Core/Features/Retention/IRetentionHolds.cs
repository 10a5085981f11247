using Custodian.Core.Persistence;
using NodaTime;

namespace Custodian.Core.Features.Retention;

/// <summary>What the sweep asks about holds: which records of a category are kept at an instant, despite their expiry.</summary>
internal interface IRetentionHolds
{
    /// <summary>The reach into the usage or traffic tables of every hold (and restriction) active at <paramref name="at"/> that covers <paramref name="category"/>.</summary>
    Task<IReadOnlyList<EventHoldScope>> EventScopesAsync(CustodianDbContext db, string category, Instant at, CancellationToken ct);
}
