using Custodian.Core.Features.Blobs;
using Custodian.Core.Persistence;
using Custodian.Hosting;
using Microsoft.EntityFrameworkCore;

namespace Custodian.Features.Keys;

/// <summary>
/// Checks hourly (first a minute after start) whether the key-encryption key is due for rotation and whether retired
/// ones are past retention (<see cref="KeyRotation.RunScheduledAsync"/>). Several processes may run this; the job lease
/// lets one of them do the work. A failed check is retried an hour later (<see cref="PeriodicJob"/>).
/// </summary>
internal sealed partial class KeyRotationTimer(
    IDbContextFactory<CustodianDbContext> contexts, KeyRotation rotation, KeySchedule schedule, TimeProvider time, ILogger<KeyRotationTimer> logger)
    : PeriodicJob(time, logger)
{
    internal static readonly TimeSpan FirstCheckAfter = TimeSpan.FromMinutes(1);
    internal static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    private readonly string _holder = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    protected override TimeSpan CheckEvery => Interval;

    protected override TimeSpan FirstCheckDelay => FirstCheckAfter;

    protected override string Job => "keys.rotation";

    protected override Task CheckAsync(CancellationToken ct) => RunOnceAsync(ct);

    /// <summary>One check (throws on failure; the timer's loop logs it and retries next hour).</summary>
    internal async Task RunOnceAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var work = await rotation.RunScheduledAsync(db, schedule.RotationInterval, schedule.Retention, _holder, ct);
        if (work?.Rotation is { } r)
        {
            LogRotated(r.CurrentKekId, r.Rewrap.Rewrapped, r.Rewrap.Unreadable);
        }
        else if (work?.Rewrap is { Rewrapped: > 0 } w)
        {
            LogRewrapped(w.Rewrapped);
        }

        foreach (var d in work?.Destructions ?? [])
        {
            if (d.Destroyed)
            {
                LogDestroyed(d.KekId);
            }
            else
            {
                LogKept(d.KekId, d.RemainingDataKeys);
            }
        }
    }

    [LoggerMessage(EventId = 4201, Level = LogLevel.Information, Message = "Key-encryption key rotated to {KekId}; {Rewrapped} data keys re-wrapped, {Unreadable} unreadable")]
    private partial void LogRotated(string kekId, int rewrapped, int unreadable);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Information, Message = "{Rewrapped} data keys re-wrapped under the current key-encryption key")]
    private partial void LogRewrapped(int rewrapped);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Information, Message = "Retired key-encryption key {KekId} destroyed")]
    private partial void LogDestroyed(string kekId);

    [LoggerMessage(EventId = 4204, Level = LogLevel.Warning, Message = "Retired key-encryption key {KekId} kept: {Remaining} data keys still use it; retrying next hour")]
    private partial void LogKept(string kekId, int remaining);

    [LoggerMessage(EventId = 4205, Level = LogLevel.Error, Message = "Key rotation check failed; retrying in an hour")]
    protected override partial void LogFailed(Exception ex);
}
