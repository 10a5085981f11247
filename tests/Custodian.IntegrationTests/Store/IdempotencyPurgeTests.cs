using Custodian.Core.Features.Idempotency;
using Custodian.Core.Persistence;
using Custodian.Features.Store;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Store;

/// <summary>The scheduled purge of stored idempotent answers (copies of personal data).</summary>
public sealed class IdempotencyPurgeTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static IdempotencyRecord Answer(string key, Instant createdAt) => new()
    {
        ApiKeyId = Guid.Parse("00000000-0000-0000-0000-00000000000a"),
        Key = key,
        RequestHash = new string('0', 64),
        StatusCode = 201,
        ResponseBody = "{\"name\":\"Jan Testpersoon\"}",
        CreatedAt = createdAt,
    };

    private static async Task AddAsync(IServiceProvider services, params IdempotencyRecord[] records)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<CustodianDbContext>>().CreateDbContextAsync(Ct);
        db.IdempotencyRecords.AddRange(records);
        await db.SaveChangesAsync(Ct);
    }

    private static async Task<List<string>> KeysAsync(IServiceProvider services)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<CustodianDbContext>>().CreateDbContextAsync(Ct);
        return await db.IdempotencyRecords.OrderBy(r => r.Key).Select(r => r.Key).ToListAsync(Ct);
    }

    [Theory, AllEngines]
    public async Task RunOnceAsync_ExpiredAndFreshAnswers_DeletesOnlyThoseOutsideTheReplayWindow(Engine engine)
    {
        await using var database = await TestDatabase.CreateAsync(engine);
        var time = new FakeTimeProvider(T0);
        await using var services = TestDatabase.ServicesFor(database.Target, s => s.AddSingleton<TimeProvider>(time));
        var now = Instant.FromDateTimeOffset(T0);
        await AddAsync(
            services,
            Answer("expired", now - IdempotencyRecords.ReplayWindow - Duration.FromMinutes(1)),
            Answer("just-expired", now - IdempotencyRecords.ReplayWindow),
            Answer("fresh", now - IdempotencyRecords.ReplayWindow + Duration.FromMinutes(1)));
        var purge = new IdempotencyPurge(services.GetRequiredService<IDbContextFactory<CustodianDbContext>>(), time) { Holder = "node-a" };

        var deleted = await purge.RunOnceAsync(Ct);

        Assert.Equal(2, deleted);
        Assert.Equal(["fresh"], await KeysAsync(services));

        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, await purge.RunOnceAsync(Ct));
        Assert.Empty(await KeysAsync(services));
    }

    [Theory, AllEngines]
    public async Task RunOnceAsync_AnotherNodeRanItThisPeriod_SkipsUntilItsLeaseEnds(Engine engine)
    {
        await using var database = await TestDatabase.CreateAsync(engine);
        var time = new FakeTimeProvider(T0);
        await using var services = TestDatabase.ServicesFor(database.Target, s => s.AddSingleton<TimeProvider>(time));
        var contexts = services.GetRequiredService<IDbContextFactory<CustodianDbContext>>();
        var nodeA = new IdempotencyPurge(contexts, time) { Holder = "node-a" };
        var nodeB = new IdempotencyPurge(contexts, time) { Holder = "node-b" };
        Assert.Equal(0, await nodeA.RunOnceAsync(Ct));
        await AddAsync(services, Answer("expired", Instant.FromDateTimeOffset(T0) - Duration.FromDays(2)));

        var skipped = await nodeB.RunOnceAsync(Ct);
        time.Advance(IdempotencyPurge.LeaseLength.ToTimeSpan());
        var ran = await nodeB.RunOnceAsync(Ct);

        Assert.Null(skipped);
        Assert.Equal(1, ran);
        Assert.Empty(await KeysAsync(services));
    }

    [Theory, AllEngines]
    public async Task Serve_PurgeTimer_IsHostedAndPurgesEachPeriod(Engine engine)
    {
        var time = new FakeTimeProvider(T0);
        await using var server = await CustodianServer.StartAsync(engine, b => b.Services.AddSingleton<TimeProvider>(time));
        Assert.Contains(server.Services.GetServices<IHostedService>(), s => s is IdempotencyPurgeTimer);

        // The start-up run has taken this period's lease; an answer that expires now goes with the next period's run.
        await WaitForAsync(async () => await LeaseHeldAsync(server.Services));
        await AddAsync(server.Services, Answer("expired", Instant.FromDateTimeOffset(T0) - Duration.FromDays(2)), Answer("fresh", Instant.FromDateTimeOffset(T0)));
        time.Advance(IdempotencyPurge.Period.ToTimeSpan());

        await WaitForAsync(async () => (await KeysAsync(server.Services)).Count == 1);
        Assert.Equal(["fresh"], await KeysAsync(server.Services));
    }

    private static async Task<bool> LeaseHeldAsync(IServiceProvider services)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<CustodianDbContext>>().CreateDbContextAsync(Ct);
        return await db.JobLeases.AnyAsync(l => l.Name == IdempotencyPurge.LeaseName, Ct);
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var deadline = TimeProvider.System.GetTimestamp() + (TimeProvider.System.TimestampFrequency * 10);
        while (!await condition())
        {
            Assert.True(TimeProvider.System.GetTimestamp() < deadline, "timed out waiting for the purge");
            await Task.Delay(50, Ct);
        }
    }
}
