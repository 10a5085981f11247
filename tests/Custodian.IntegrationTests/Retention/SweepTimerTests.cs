using Custodian.Core.Features.Events;
using Custodian.Core.Features.Retention;
using Custodian.Core.Persistence;
using Custodian.Features.Retention;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Retention;

/// <summary>When <c>serve</c>'s timer sweeps: on schedule, at once for an interrupted sweep, and after missed schedules.</summary>
public sealed class SweepTimerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task Tick_NewInstallation_WaitsForTheScheduledTimeThenSweeps(Engine engine)
    {
        await using var f = await SweepTests.CreateAsync(engine);
        var timer = Timer(f);

        Assert.Null(await timer.TickAsync(Ct)); // 28 Nov 12:00 UTC; next sweep 29 Nov 03:30 Amsterdam = 02:30 UTC
        f.Time.SetUtcNow(new DateTimeOffset(2026, 11, 29, 2, 29, 0, TimeSpan.Zero));
        Assert.Null(await timer.TickAsync(Ct));
        f.Time.SetUtcNow(new DateTimeOffset(2026, 11, 29, 2, 30, 0, TimeSpan.Zero));
        var run = await timer.TickAsync(Ct);

        Assert.NotNull(run);
        Assert.Equal(Instant.FromUtc(2026, 11, 29, 2, 30), run.Cutoff);
        Assert.Null(await timer.TickAsync(Ct)); // once a day
    }

    [Theory, AllEngines]
    public async Task Tick_InterruptedSweepWaiting_ResumesItAtOnce(Engine engine)
    {
        await using var f = await SweepTests.CreateAsync(engine);
        await f.AddOrganizationAsync("demo");
        await f.ImportHistoryAsync(EventFamily.Usage, f.Write("usage.csv", SweepTests.Usage(("demo", "a", "2026-03-15T10:00:00Z"), ("demo", "b", "2026-04-15T10:00:00Z"))));
        await Assert.ThrowsAsync<InvalidOperationException>(() => f.Services.GetRequiredService<RetentionSweeper>().RunAsync(new Throwing(), Ct));

        var run = await Timer(f).TickAsync(Ct);

        Assert.Equal(RetentionSweepRun.Completed, run!.State);
        Assert.Equal(2, run.Attempts);
        Assert.Equal(0, await f.ScalarAsync("SELECT count(*) FROM usage_records"));
    }

    [Theory, AllEngines]
    public async Task Tick_ProcessWasDownAtTheScheduledTime_SweepsAtStart(Engine engine)
    {
        await using var f = await SweepTests.CreateAsync(engine);
        await f.Services.GetRequiredService<RetentionSweeper>().RunAsync(null, Ct); // a sweep on 28 Nov 12:00 UTC
        f.Time.Advance(TimeSpan.FromDays(2)); // down through two scheduled sweeps

        Assert.NotNull(await Timer(f).TickAsync(Ct));
    }

    /// <summary>
    /// Two nodes whose checks fall at different moments of the scheduled minute: the later one finds the slot swept
    /// (lease already released) and does not sweep again (docs/several-nodes.md).
    /// </summary>
    [Theory, AllEngines]
    public async Task Tick_OtherNodeAlreadySweptTheSlot_DoesNotSweepAgain(Engine engine)
    {
        await using var f = await SweepTests.CreateAsync(engine);
        var nodeA = Timer(f);
        var nodeB = Timer(f);
        Assert.Null(await nodeA.TickAsync(Ct));
        Assert.Null(await nodeB.TickAsync(Ct));
        f.Time.SetUtcNow(new DateTimeOffset(2026, 11, 29, 2, 30, 5, TimeSpan.Zero));

        Assert.NotNull(await nodeA.TickAsync(Ct));
        f.Time.SetUtcNow(new DateTimeOffset(2026, 11, 29, 2, 30, 50, TimeSpan.Zero));
        Assert.Null(await nodeB.TickAsync(Ct));

        await using var db = f.Services.GetRequiredService<IDbContextFactory<CustodianDbContext>>().CreateDbContext();
        Assert.Equal(1, await db.Set<RetentionSweepRun>().CountAsync(Ct));
    }

    private static RetentionSweepTimer Timer(Import.ImportFixture f) => new(
        f.Services.GetRequiredService<RetentionSweeper>(),
        f.Services.GetRequiredService<IDbContextFactory<CustodianDbContext>>(),
        SweepSchedule.Default,
        f.Time,
        NullLogger<RetentionSweepTimer>.Instance);

    private sealed class Throwing : ISweepProgress
    {
        public void Deleted(string step, long rows) => throw new InvalidOperationException("simulated interruption");
    }
}
