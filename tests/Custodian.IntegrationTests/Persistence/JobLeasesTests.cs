using Custodian.Core.Persistence;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Persistence;

public sealed class JobLeasesTests
{
    private static readonly Instant T0 = Instant.FromUtc(2026, 3, 2, 3, 0);
    private static readonly Duration Lease = Duration.FromMinutes(5);

    [Theory, AllEngines]
    public async Task TryAcquireAsync_HeldByOther_FailsUntilExpiry(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await TestDatabase.CreateAsync(engine);
        await using var context = db.CreateContext();

        Assert.True(await JobLeases.TryAcquireAsync(context, "retention-sweep", "node-a", T0 + Lease, T0, ct));
        Assert.False(await JobLeases.TryAcquireAsync(context, "retention-sweep", "node-b", T0 + Duration.FromMinutes(1) + Lease, T0 + Duration.FromMinutes(1), ct));
        // Renewal by the holder is allowed while its lease runs.
        Assert.True(await JobLeases.TryAcquireAsync(context, "retention-sweep", "node-a", T0 + Duration.FromMinutes(2) + Lease, T0 + Duration.FromMinutes(2), ct));
        // Still held (renewed until T0+7m).
        Assert.False(await JobLeases.TryAcquireAsync(context, "retention-sweep", "node-b", T0 + Duration.FromMinutes(6) + Lease, T0 + Duration.FromMinutes(6), ct));
        // Expired at T0+7m: node-b takes over.
        Assert.True(await JobLeases.TryAcquireAsync(context, "retention-sweep", "node-b", T0 + Duration.FromMinutes(7) + Lease, T0 + Duration.FromMinutes(7), ct));

        var row = await context.JobLeases.AsNoTracking().SingleAsync(ct);
        Assert.Equal("node-b", row.Holder);
        Assert.Equal(T0 + Duration.FromMinutes(7) + Lease, row.LeaseUntil);
    }

    [Theory, AllEngines]
    public async Task TryAcquireAsync_TwoHoldersAtOnce_ExactlyOneWins(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await TestDatabase.CreateAsync(engine);

        for (var round = 0; round < 10; round++)
        {
            // Odd rounds race for a fresh name (INSERT path), even rounds for an expired lease (UPDATE path).
            var name = round % 2 == 1 ? $"job-{round}" : "shared-job";
            var now = T0 + Duration.FromHours(round);
            var results = await Task.WhenAll(new[] { "node-a", "node-b", "node-c" }.Select(async holder =>
            {
                await using var context = db.CreateContext();
                return (holder, won: await JobLeases.TryAcquireAsync(context, name, holder, now + Lease, now, ct));
            }));

            var winner = Assert.Single(results, r => r.won);
            await using var check = db.CreateContext();
            Assert.Equal(winner.holder, (await check.JobLeases.AsNoTracking().SingleAsync(l => l.Name == name, ct)).Holder);
        }
    }

    [Theory, AllEngines]
    public async Task ReleaseAsync_ByHolder_LetsOthersAcquireAtOnce(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await TestDatabase.CreateAsync(engine);
        await using var context = db.CreateContext();
        await JobLeases.TryAcquireAsync(context, "dsr-runner", "node-a", T0 + Lease, T0, ct);

        Assert.False(await JobLeases.ReleaseAsync(context, "dsr-runner", "node-b", T0, ct));
        Assert.True(await JobLeases.ReleaseAsync(context, "dsr-runner", "node-a", T0 + Duration.FromSeconds(1), ct));
        Assert.True(await JobLeases.TryAcquireAsync(context, "dsr-runner", "node-b", T0 + Duration.FromSeconds(2) + Lease, T0 + Duration.FromSeconds(2), ct));
    }
}
