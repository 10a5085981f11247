using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Idempotency;

/// <summary>
/// Deletes stored idempotent answers past <see cref="IdempotencyRecords.ReplayWindow"/>. They repeat the created
/// record's fields (copies of personal data), so they must go on time even when no keyed create comes along to purge
/// them on its way. Run periodically by <c>serve</c>; on several nodes the job lease lets one of them run it per period.
/// </summary>
internal sealed class IdempotencyPurge(IDbContextFactory<CustodianDbContext> contexts, TimeProvider time)
{
    public const string LeaseName = "idempotency.purge";

    /// <summary>How often the job is meant to run; the lease is held for most of it, so one node runs it per period.</summary>
    public static readonly Duration Period = Duration.FromHours(1);

    /// <summary>The lease is not released after a run: it keeps the other nodes from running the job again this period.</summary>
    public static readonly Duration LeaseLength = Period - Duration.FromMinutes(5);

    /// <summary>This process's name in the lease table.</summary>
    public string Holder { get; init; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    /// <summary>Purges once; the number of answers deleted, or null when another node holds the lease for this period.</summary>
    public async Task<int?> RunOnceAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        if (!await JobLeases.TryAcquireAsync(db, LeaseName, Holder, now + LeaseLength, now, ct))
        {
            return null;
        }

        return await IdempotencyRecords.PurgeExpiredAsync(db, now, ct);
    }
}
