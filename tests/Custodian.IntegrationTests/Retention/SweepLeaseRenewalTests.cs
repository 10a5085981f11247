using System.Diagnostics;
using System.Globalization;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.Features.Retention;
using Custodian.Testing;
using Custodian.Testing.Crash;
using Custodian.Testing.Retention;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Retention;

/// <summary>
/// Issue 8 §3: the sweep lease is renewed WHILE a long step runs (<see cref="JobLeaseHeartbeat"/>), not only between
/// steps: one month's sorted copy at 100 million rows can outlast the 5-minute lease, and another node must not take the
/// sweep over mid-copy. With a short lease and a step made artificially long (a sleeping fail point), a contender never
/// gets the lease while the sweeping process lives, and gets it within one lease period once that process is killed.
/// </summary>
public sealed class SweepLeaseRenewalTests
{
    /// <summary>Short, so the test is quick; the step sleeps through many of them.</summary>
    private const int LeaseSeconds = 3;

    private static readonly Duration Lease = Duration.FromSeconds(LeaseSeconds);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task RetentionRun_StepOutlastsLease_ContenderWaitsWhileAliveAndTakesOverWithinALeaseOnceKilled(Engine engine)
    {
        var server = engine == Engine.Postgres ? await TestDatabase.RequirePostgresAsync() : null;
        var now = Instant.FromDateTimeOffset(TimeProvider.System.GetUtcNow());
        await using var prepared = await PreparedSweep.CreateAsync(engine, SweepDataSet.Standard(now), server, Path.GetTempPath(), Ct);
        await using var copy = await prepared.NewCopyAsync(Ct);

        // PostgreSQL: inside a month's sorted copy (its transaction open, its locks held); SQLite: before the seal step.
        var slow = engine == Engine.Postgres ? EventMonthRewrite.CopiedFailPoint : "retention.step.events.usage.seal";
        var lifetime = prepared.ReferenceRunTime + (Lease * 3).ToTimeSpan();
        var first = CrashChild.RunAsync(
            CrashChild.DefaultExecutable,
            ["retention", "run", "--db", copy.Target.ConnectionString, "--data", copy.Data, "--master-key-file", copy.MasterKeyFile],
            new Dictionary<string, string>
            {
                [JobLeases.NodeNameVariable] = "node-a",
                [JobLeases.LeaseSecondsVariable] = LeaseSeconds.ToString(CultureInfo.InvariantCulture),
                [RetentionRunCommand.BatchRowsVariable] = prepared.Data.BatchRows.ToString(CultureInfo.InvariantCulture),
            },
            slow + ":sleep=600000",
            lifetime,
            Ct);

        // The contender is a sweeper of another node, trying as a node's timer would (here every 200 ms).
        var contender = Contender(copy.Services, prepared.Data.BatchRows);
        var sawFirstHold = false;
        RetentionSweepRun? resumed = null;
        var clock = Stopwatch.StartNew();
        TimeSpan? killedAt = null;
        var tried = TimeSpan.Zero;
        while (resumed is null)
        {
            Assert.True(clock.Elapsed < lifetime + TimeSpan.FromSeconds(30), "the contender never got the lease after the first process died");
            if (first.IsCompleted && killedAt is null)
            {
                var run = await first;
                Assert.True(run.KilledFromOutside, $"the first sweep ended by itself (exit {run.Exit}) instead of sleeping in {slow}: {run.Error}");
                killedAt = clock.Elapsed;
            }

            var holder = await HolderAsync(copy.Services);
            sawFirstHold |= holder?.StartsWith("node-a:", StringComparison.Ordinal) == true;
            if (sawFirstHold || killedAt is not null)
            {
                tried = clock.Elapsed; // a successful try takes the lease at once, then sweeps to the end
                resumed = await contender.RunAsync(null, Ct);
                Assert.True(resumed is null || killedAt is not null,
                    $"the contender took the sweep at {clock.Elapsed.TotalSeconds:F1} s while the first process still lived and swept (lease {LeaseSeconds} s)");
            }

            if (resumed is null)
            {
                await Task.Delay(200, Ct);
            }
        }

        Assert.True(sawFirstHold, "the first process never held the lease");
        var takeover = tried - killedAt!.Value;
        Assert.True(takeover <= Lease.ToTimeSpan() + TimeSpan.FromSeconds(2), $"taken over {takeover.TotalSeconds:F1} s after the kill, more than a lease ({LeaseSeconds} s)");
        Assert.True(resumed.Attempts >= 2, "the contender started a new sweep instead of resuming the killed one");

        var outcome = await SweepOutcome.ReadAsync(copy.Services, Ct);
        Assert.Empty(outcome.Problems);
        Assert.Empty(outcome.DifferencesFrom(prepared.Reference));
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"{engine}: lease {LeaseSeconds} s, first process killed after {killedAt.Value.TotalSeconds:F1} s asleep in {slow}, taken over {takeover.TotalSeconds:F1} s later");
        TestContext.Current.SendDiagnosticMessage(summary);
    }

    /// <summary>
    /// The heartbeat itself, in this process: it keeps a lease of 3 s alive for longer than that against a
    /// contender, and cancels the work's token within a beat once another holder has the lease.
    /// </summary>
    [Theory, AllEngines]
    public async Task Heartbeat_LeaseTakenByAnother_KeepsItUntilThenCancelsTheWork(Engine engine)
    {
        await using var database = await TestDatabase.CreateAsync(engine);
        var contexts = database.Services.GetRequiredService<IDbContextFactory<CustodianDbContext>>();
        var length = Duration.FromSeconds(3);
        var start = Now();
        await using (var db = await contexts.CreateDbContextAsync(Ct))
        {
            Assert.True(await JobLeases.TryAcquireAsync(db, "test.heartbeat", "node-a:1:1", start + length, start, Ct));
        }

        await using var heartbeat = JobLeaseHeartbeat.Start(contexts, "test.heartbeat", "node-a:1:1", length, TimeProvider.System, start, Ct);
        var until = Stopwatch.StartNew();
        while (until.Elapsed < TimeSpan.FromSeconds(4))
        {
            await using var db = await contexts.CreateDbContextAsync(Ct);
            var now = Now();
            Assert.False(await JobLeases.TryAcquireAsync(db, "test.heartbeat", "node-b:1:1", now + length, now, Ct), $"taken at {until.Elapsed.TotalSeconds:F1} s");
            await Task.Delay(150, Ct);
        }

        Assert.False(heartbeat.Token.IsCancellationRequested);
        await using (var db = await contexts.CreateDbContextAsync(Ct))
        {
            // Another node takes it (as after an expiry it missed): the work must stop at the next beat.
            var taken = await db.JobLeases.Where(l => l.Name == "test.heartbeat")
                .ExecuteUpdateAsync(s => s.SetProperty(l => l.Holder, "node-b:1:1").SetProperty(l => l.LeaseUntil, Now() + Duration.FromMinutes(1)), Ct);
            Assert.Equal(1, taken);
        }

        var stopped = new TaskCompletionSource();
        await using var registration = heartbeat.Token.Register(() => stopped.TrySetResult());
        var waited = Stopwatch.StartNew();
        await stopped.Task.WaitAsync(TimeSpan.FromSeconds(5), Ct);
        Assert.True(heartbeat.Lost);
        Assert.True(waited.Elapsed < TimeSpan.FromSeconds(2.5), $"cancelled {waited.Elapsed.TotalSeconds:F1} s after the lease was taken");
        Assert.StartsWith("test.lease_lost:", heartbeat.LostException("test").Message, StringComparison.Ordinal);
    }

    private static RetentionSweeper Contender(IServiceProvider services, int batchRows) =>
        new(
            services.GetRequiredService<IDbContextFactory<CustodianDbContext>>(),
            services.GetRequiredService<IAuditTrail>(),
            TimeProvider.System,
            services.GetRequiredService<ProcessingRegister>(),
            services.GetRequiredService<IBlobStore>(),
            services.GetService<RequestHousekeepingOptions>())
        {
            BatchSize = batchRows,
            LeaseDuration = Lease,
            Holder = "node-b:1:1",
        };

    private static async Task<string?> HolderAsync(IServiceProvider services)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<CustodianDbContext>>().CreateDbContextAsync(Ct);
        db.ScopeTo(TenantScope.Everything);
        return await JobLeases.HolderAsync(db, RetentionSweeper.LeaseName, Now(), Ct);
    }

    private static Instant Now() => Instant.FromDateTimeOffset(TimeProvider.System.GetUtcNow());
}
