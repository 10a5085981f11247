using Custodian.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Custodian.IntegrationTests.Host;

/// <summary>The loop every timer inside <c>serve</c> shares: its schedule when the clock jumps and when a check runs long.</summary>
public sealed class PeriodicJobTests
{
    private static readonly TimeSpan Every = TimeSpan.FromSeconds(15);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ClockJumpsTenDays_OneCheck_NotOnePerSkippedPeriod()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        using var job = new CountingJob(time);
        await job.StartAsync(Ct);
        await WaitForChecksAsync(job, 1); // at start-up

        time.Advance(TimeSpan.FromDays(10));
        await WaitForChecksAsync(job, 2);
        await Task.Delay(200, Ct); // a replay of the skipped periods would have run by now (inline, the checks complete at once)
        Assert.Equal(2, job.Checks);

        time.Advance(Every);
        await WaitForChecksAsync(job, 3);
        Assert.Equal(3, job.Checks);
        await job.StopAsync(Ct);
    }

    [Fact]
    public async Task PeriodEndsDuringACheck_NextCheckRunsRightAfterIt()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        using var job = new CountingJob(time) { Hold = new SemaphoreSlim(0) };
        await job.StartAsync(Ct);
        await WaitForChecksAsync(job, 1); // the start-up check has begun and waits

        time.Advance(Every); // the schedule's next tick falls due while that check still runs
        job.Hold.Release(2);
        await WaitForChecksAsync(job, 2); // without another advance of the clock
        await job.StopAsync(Ct);
    }

    private static async Task WaitForChecksAsync(CountingJob job, int count)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (job.Checks < count)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"{job.Checks} checks, expected {count}");
            await Task.Delay(10, Ct);
        }
    }

    private sealed class CountingJob(TimeProvider time) : PeriodicJob(time, NullLogger.Instance)
    {
        private int _checks;

        public int Checks => Volatile.Read(ref _checks);

        public SemaphoreSlim? Hold { get; init; }

        protected override TimeSpan CheckEvery => Every;

        protected override string Job => "test.counting";

        protected override async Task CheckAsync(CancellationToken ct)
        {
            Interlocked.Increment(ref _checks);
            if (Hold is not null)
            {
                await Hold.WaitAsync(ct);
            }
        }

        protected override void LogFailed(Exception ex) => throw new InvalidOperationException("no check fails here", ex);
    }
}
