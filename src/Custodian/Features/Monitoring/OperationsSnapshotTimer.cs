using Custodian.Core.Common;
using Custodian.Core.Features.Monitoring;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Features.Monitoring;

/// <summary>
/// Reads the <see cref="OperationsSnapshot"/> for the metrics at start and then every
/// <see cref="CustodianMetrics.RefreshInterval"/>. Every node reads it (a few indexed queries); no lease is needed.
/// </summary>
internal sealed partial class OperationsSnapshotTimer(
    IDbContextFactory<CustodianDbContext> contexts, CustodianMetrics metrics, TimeProvider time, ILogger<OperationsSnapshotTimer> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(CustodianMetrics.RefreshInterval, time);
        try
        {
            do
            {
                await RefreshAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    internal async Task RefreshAsync(CancellationToken ct)
    {
        try
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            db.ScopeTo(TenantScope.Everything);
            metrics.Update(await OperationsSnapshot.ReadAsync(db, Instant.FromDateTimeOffset(time.GetUtcNow()), ct));
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            // The gauges keep their last figures and custodian.metrics.snapshot.age grows: that is the alert. A database
            // restart is the environment, not a bug: one line every refresh, no stack trace.
            if (StorageFaults.Classify(ex) is { } fault)
            {
                LogRefreshUnavailable(fault.Code);
            }
            else
            {
                LogRefreshFailed(ex);
            }
        }
    }

    [LoggerMessage(EventId = 9102, Level = LogLevel.Warning, Message = "The metrics snapshot could not be read ({Code}); retrying")]
    private partial void LogRefreshUnavailable(string code);

    [LoggerMessage(EventId = 9101, Level = LogLevel.Warning, Message = "The metrics snapshot could not be read from the database; retrying")]
    private partial void LogRefreshFailed(Exception ex);
}
