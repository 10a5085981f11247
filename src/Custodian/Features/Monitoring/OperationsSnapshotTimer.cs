using Custodian.Core.Features.Monitoring;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.Hosting;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Features.Monitoring;

/// <summary>
/// Reads the <see cref="OperationsSnapshot"/> for the metrics at start and then every
/// <see cref="CustodianMetrics.RefreshInterval"/>. Every node reads it (a few indexed queries); no lease is needed.
/// When a read fails the gauges keep their last figures and <c>custodian.metrics.snapshot.age</c> grows: that is the
/// alert (<see cref="PeriodicJob"/> logs the failure once per refresh).
/// </summary>
internal sealed partial class OperationsSnapshotTimer(
    IDbContextFactory<CustodianDbContext> contexts, CustodianMetrics metrics, TimeProvider time, ILogger<OperationsSnapshotTimer> logger)
    : PeriodicJob(time, logger)
{
    protected override TimeSpan CheckEvery => CustodianMetrics.RefreshInterval;

    protected override string Job => "metrics.snapshot";

    protected override async Task CheckAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.ScopeTo(TenantScope.Everything);
        metrics.Update(await OperationsSnapshot.ReadAsync(db, Instant.FromDateTimeOffset(Time.GetUtcNow()), ct));
    }

    [LoggerMessage(EventId = 9101, Level = LogLevel.Warning, Message = "The metrics snapshot could not be read from the database; retrying")]
    protected override partial void LogFailed(Exception ex);
}
