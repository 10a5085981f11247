using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Store;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.IntegrationTests.Audit;

/// <summary>
/// The group commit of read audits (<see cref="ReadAuditBatcher"/>) through <see cref="StoreTransactions.ReadAsync"/>:
/// every read gets its event, batches form, the chain is what single appends make, a failed batch fails all its reads
/// (no data out), a cancelled caller is still audited, shut-down drains. Batches are made deterministic with the
/// batcher's before-commit hook holding the first batch while the others queue (counted, not timed).
/// </summary>
public sealed class ReadAuditBatcherTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task ReadAsync_200ConcurrentReads_200EventsInFewBatchesAndVerifies(Engine engine)
    {
        await using var f = await AuditFixture.CreateAsync(engine, o => o.CheckpointEveryEvents = 50);
        var batcher = f.Services.GetRequiredService<ReadAuditBatcher>();
        const int Reads = 200;
        using var gate = new FirstBatchGate(batcher, Reads);

        var values = await Task.WhenAll(Enumerable.Range(0, Reads).Select(i => Task.Run(() => ReadAsync(f, batcher, i, Ct), Ct)));

        Assert.Equal(Enumerable.Range(0, Reads), values.Order());
        Assert.Equal(Reads, batcher.Appended);
        // The held first batch, then one batch of everything that queued behind it.
        Assert.Equal(2, batcher.Commits);
        Assert.Equal(0, batcher.FailedBatches);
        await using var context = f.CreateContext();
        Assert.Equal(Reads, await context.Set<AuditEvent>().CountAsync(Ct));
        Assert.Equal(
            Enumerable.Range(0, Reads).Select(i => $"c-{i}").Order(StringComparer.Ordinal),
            (await context.Set<AuditEventObject>().Select(o => o.Id).ToListAsync(Ct)).Order(StringComparer.Ordinal));
        // Checkpoints fall where single appends put them, also inside a batch: the first event (no checkpoint yet), then
        // every 50 events past the last one.
        Assert.Equal([1L, 51L, 101L, 151L], await context.Set<AuditCheckpoint>().OrderBy(c => c.Number).Select(c => c.Size).ToListAsync(Ct));
        var verification = await f.VerifyAsync(Ct);
        Assert.True(verification.Intact, string.Join("\n", verification.Problems));
        Assert.Equal(Reads, verification.EventCount);
    }

    [Theory, AllEngines]
    public async Task ReadAsync_BatchFailsBeforeCommit_EveryReadInItFailsWithNoDataAndNothingStored(Engine engine)
    {
        await using var f = await AuditFixture.CreateAsync(engine);
        var batcher = f.Services.GetRequiredService<ReadAuditBatcher>();
        const int Failing = 10;
        using var gate = new FirstBatchGate(batcher, Failing + 1, failAfterFirst: true);

        var first = Task.Run(() => ReadAsync(f, batcher, 0, Ct), Ct);
        await gate.Holding.Task.WaitAsync(Ct);
        var failing = Enumerable.Range(1, Failing).Select(i => Task.Run(() => ReadAsync(f, batcher, i, Ct), Ct)).ToList();

        Assert.Equal(0, await first);
        foreach (var read in failing)
        {
            var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => read);
            Assert.Equal(FirstBatchGate.FailureMessage, ex.Message);
        }

        Assert.Equal(1, batcher.FailedBatches);
        gate.Dispose();
        Assert.Equal(99, await ReadAsync(f, batcher, 99, Ct));
        await using var context = f.CreateContext();
        Assert.Equal(["c-0", "c-99"], await context.Set<AuditEventObject>().OrderBy(o => o.Seq).Select(o => o.Id).ToListAsync(Ct));
        Assert.True((await f.VerifyAsync(Ct)).Intact);
    }

    [Theory, AllEngines]
    public async Task ReadAsync_CallerCancelsAfterQueueing_ReadStillAuditedAndShutDownDrains(Engine engine)
    {
        await using var f = await AuditFixture.CreateAsync(engine);
        var batcher = f.Services.GetRequiredService<ReadAuditBatcher>();
        using var gate = new FirstBatchGate(batcher, 3, manual: true);
        using var gone = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var first = Task.Run(() => ReadAsync(f, batcher, 0, Ct), Ct);
        await gate.Holding.Task.WaitAsync(Ct);
        var cancelled = Task.Run(() => ReadAsync(f, batcher, 1, gone.Token), Ct);
        var other = Task.Run(() => ReadAsync(f, batcher, 2, Ct), Ct);
        await gate.QueuedBehind.Task.WaitAsync(Ct);
        await gone.CancelAsync();

        // The caller stops waiting at once (the first batch is still held), and gets no data.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.False(first.IsCompleted);
        // Shut-down refuses new reads and drains what is queued.
        var drained = batcher.DisposeAsync().AsTask();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => ReadAsync(f, batcher, 3, Ct));
        gate.Release();
        await drained.WaitAsync(Ct);

        Assert.Equal(0, await first);
        Assert.Equal(2, await other);
        await using var context = f.CreateContext();
        Assert.Equal(["c-0", "c-1", "c-2"], (await context.Set<AuditEventObject>().Select(o => o.Id).ToListAsync(Ct)).Order(StringComparer.Ordinal));
        Assert.True((await f.VerifyAsync(Ct)).Intact);
    }

    /// <summary>An audited read of the database through the store's read path; returns <paramref name="n"/>.</summary>
    private static async Task<int> ReadAsync(AuditFixture f, ReadAuditBatcher batcher, int n, CancellationToken ct)
    {
        await using var context = f.CreateContext();
        var transactions = new StoreTransactions(context, f.Trail, batcher);
        return await transactions.ReadAsync(
            async c => await context.Set<AuditHead>().AsNoTracking().CountAsync(c) >= 0 ? n : -1,
            _ => AuditFixture.Entry(n),
            ct);
    }

    /// <summary>
    /// Holds the first batch before its commit until <c>total</c> entries are in it or queued behind it, so
    /// the next batch takes all the rest; then lets it commit (or, <c>manual</c>, waits for
    /// <see cref="Release"/>). With <c>failAfterFirst</c> every later batch fails at that point (where the
    /// fail point <c>audit.append.before_commit</c> is), as a failed append or commit would.
    /// </summary>
    private sealed class FirstBatchGate : IDisposable
    {
        public const string FailureMessage = "audit store unavailable (test: before commit)";

        private readonly ReadAuditBatcher _batcher;
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _batches;

        public FirstBatchGate(ReadAuditBatcher batcher, int total, bool manual = false, bool failAfterFirst = false)
        {
            _batcher = batcher;
            batcher.BeforeCommit = async (entries, ct) =>
            {
                if (Interlocked.Increment(ref _batches) > 1)
                {
                    if (failAfterFirst)
                    {
                        throw new InvalidOperationException(FailureMessage);
                    }

                    return;
                }

                Holding.TrySetResult();
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                while (batcher.Queued + entries.Count < total && !_release.Task.IsCompleted)
                {
                    await Task.Delay(2, timeout.Token);
                }

                QueuedBehind.TrySetResult();
                if (!manual)
                {
                    Release();
                }

                await _release.Task.WaitAsync(timeout.Token);
            };
        }

        /// <summary>The first batch is held.</summary>
        public TaskCompletionSource Holding { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>All <c>total</c> entries are in the held batch or queued behind it.</summary>
        public TaskCompletionSource QueuedBehind { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _release.TrySetResult();

        public void Dispose()
        {
            Release();
            _batcher.BeforeCommit = null;
        }
    }
}
