using Custodian.Core.Features.Audit;
using Custodian.Core.Persistence;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Audit;

public sealed class AuditTrailTests
{
    [Theory, AllEngines]
    public async Task AppendAsync_ThreeEvents_GetSeq1To3AndVerify(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var f = await AuditFixture.CreateAsync(engine);

        await f.AppendManyAsync(3, ct);

        await using var context = f.CreateContext();
        var events = await context.Set<AuditEvent>().AsNoTracking().OrderBy(e => e.Seq).ToListAsync(ct);
        Assert.Equal([1L, 2L, 3L], events.Select(e => e.Seq));
        Assert.All(events, e => Assert.Equal(AuditCanonical.LeafHash(e), e.LeafHash));
        Assert.Equal(Instant.FromUtc(2026, 3, 2, 9, 0), events[0].OccurredAt);
        Assert.Equal("""[{"id":"c-0","type":"contact"}]""", events[0].Objects);
        Assert.Equal("""{"kind":"test","n":"0"}""", events[0].Details);
        var result = await f.VerifyAsync(ct);
        Assert.True(result.Intact, string.Join("\n", result.Problems));
        Assert.Equal(3, result.EventCount);
    }

    [Theory, AllEngines]
    public async Task AppendAsync_NoTransaction_ThrowsAndWritesNothing(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var f = await AuditFixture.CreateAsync(engine);
        await using var context = f.CreateContext();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => f.Trail.AppendAsync(context, AuditFixture.Entry(1), ct));

        Assert.StartsWith("audit.no_transaction", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, await context.Set<AuditEvent>().CountAsync(ct));
    }

    [Theory, AllEngines]
    public async Task AppendAsync_TransactionRolledBack_LeavesNoGap(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var f = await AuditFixture.CreateAsync(engine);
        await using var context = f.CreateContext();

        await using (var tx = await context.Database.BeginTransactionAsync(ct))
        {
            await f.Trail.AppendAsync(context, AuditFixture.Entry(1), ct);
            await tx.RollbackAsync(ct);
        }

        await f.AppendManyAsync(2, ct);

        Assert.Equal([1L, 2L], await context.Set<AuditEvent>().OrderBy(e => e.Seq).Select(e => e.Seq).ToListAsync(ct));
        Assert.True((await f.VerifyAsync(ct)).Intact);
    }

    [Theory, AllEngines]
    public async Task AppendAsync_EightConcurrentAppenders_GapFreeUniqueAndVerifies(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var f = await AuditFixture.CreateAsync(engine, o => o.CheckpointEveryEvents = 100);
        const int Tasks = 8, PerTask = 200;

        await Task.WhenAll(Enumerable.Range(0, Tasks).Select(t => Task.Run(async () =>
        {
            await using var context = f.CreateContext();
            for (var i = 0; i < PerTask; i++)
            {
                await using var tx = await context.Database.BeginTransactionAsync(ct);
                await f.Trail.AppendAsync(context, AuditFixture.Entry((t * PerTask) + i), ct);
                await tx.CommitAsync(ct);
            }
        }, ct)));

        await using var check = f.CreateContext();
        var seqs = await check.Set<AuditEvent>().OrderBy(e => e.Seq).Select(e => e.Seq).ToListAsync(ct);
        Assert.Equal(Enumerable.Range(1, Tasks * PerTask).Select(i => (long)i), seqs);
        var ns = (await check.Set<AuditEvent>().Select(e => e.Objects).ToListAsync(ct)).Distinct().Count();
        Assert.Equal(Tasks * PerTask, ns);
        var result = await f.VerifyAsync(ct);
        Assert.True(result.Intact, string.Join("\n", result.Problems));
        // One checkpoint at the first append (none existed), then one per 100 events.
        Assert.True(result.CheckpointCount >= (Tasks * PerTask) / 100, $"{result.CheckpointCount} checkpoints");
    }

    [Theory, AllEngines]
    public async Task AppendAsync_BusinessChangeInSameTransaction_BothCommitOrNeither(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var f = await AuditFixture.CreateAsync(engine);
        await using var context = f.CreateContext();

        await using (var tx = await context.Database.BeginTransactionAsync(ct))
        {
            context.JobLeases.Add(new JobLease { Name = "kept", Holder = "h", LeaseUntil = Instant.FromUtc(2026, 1, 1, 0, 0) });
            await context.SaveChangesAsync(ct);
            await f.Trail.AppendAsync(context, AuditFixture.Entry(1), ct);
            await tx.CommitAsync(ct);
        }

        Assert.Equal(1, await context.JobLeases.CountAsync(ct));
        Assert.Equal(1, await context.Set<AuditEvent>().CountAsync(ct));
    }
}
