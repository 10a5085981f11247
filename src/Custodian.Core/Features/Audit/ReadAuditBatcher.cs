using System.Threading.Channels;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Custodian.Core.Features.Audit;

/// <summary>
/// Group commit for the audit events of reads (<c>subject.looked_up</c>, <c>organization.listed</c>, ...). A read used to
/// be a transaction of its own that appended one event and committed: one fsync per read, all of them serialised on the
/// audit head row (and on SQLite's single writer). Here concurrent reads queue their entries and one writer appends
/// whatever is queued (up to <see cref="MaxBatch"/>) in one transaction, one commit for the lot; every read waits for the
/// commit of its batch before its data is returned.
/// <para>
/// Fail closed as before: <see cref="AppendAsync"/> completes only once the event is durable; if the batch fails, every
/// read in it fails (no data out without its audit event). The chain and the Merkle tree are exactly what one append per
/// entry would have made (<see cref="AuditTrail.AppendPreparedAsync"/>); across nodes the head row lock still orders the
/// batches. Changes keep their own path: a change and its event commit together in the change's transaction.
/// </para>
/// <para>
/// A caller that goes away after its entry was queued is still audited (the data was read); the entry stays in its batch
/// and the caller stops waiting. <see cref="DisposeAsync"/> (the container's shut-down) refuses new entries and drains
/// the queue before it returns.
/// </para>
/// </summary>
internal sealed class ReadAuditBatcher : IAsyncDisposable, IDisposable
{
    /// <summary>Default largest batch: big enough that a burst commits in a few transactions, small enough to keep one short.</summary>
    public const int DefaultMaxBatch = 256;

    private readonly IDbContextFactory<CustodianDbContext> _contexts;
    private readonly IAuditTrail _audit;
    private readonly ILogger _logger;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _start = new();
    private Task? _writer;
    private long _commits;
    private long _appended;
    private long _failedBatches;
    private long _queued;

    public ReadAuditBatcher(IDbContextFactory<CustodianDbContext> contexts, IAuditTrail audit, ILogger<ReadAuditBatcher>? logger = null, int maxBatch = DefaultMaxBatch)
    {
        ArgumentNullException.ThrowIfNull(contexts);
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        _contexts = contexts;
        _audit = audit;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        MaxBatch = maxBatch;
    }

    public int MaxBatch { get; }

    /// <summary>Batches committed so far (each one transaction with one commit).</summary>
    public long Commits => Interlocked.Read(ref _commits);

    /// <summary>Events appended by committed batches.</summary>
    public long Appended => Interlocked.Read(ref _appended);

    /// <summary>Batches that failed (their reads all failed).</summary>
    public long FailedBatches => Interlocked.Read(ref _failedBatches);

    /// <summary>Entries waiting for a batch (not yet taken by the writer).</summary>
    public long Queued => Interlocked.Read(ref _queued);

    /// <summary>
    /// Test hook: runs in the batch's transaction after its events were appended, before the commit, with the batch's
    /// entries. Throwing from it fails the batch as a failing append or commit would. Null outside tests.
    /// </summary>
    internal Func<IReadOnlyList<AuditEntry>, CancellationToken, Task>? BeforeCommit { get; set; }

    /// <summary>
    /// Queues <paramref name="entry"/> and completes when the batch holding it has committed; throws when that batch
    /// failed. An invalid entry throws here, in its caller, before it is queued (it cannot spoil a batch). Cancelling
    /// <paramref name="ct"/> stops the wait, not the append: once queued, the event is written.
    /// </summary>
    public Task AppendAsync(AuditEntry entry, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var prepared = _audit is AuditTrail ? AuditTrail.Prepare(entry) : null;
        var pending = new Pending(entry, prepared, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        EnsureStarted();
        Interlocked.Increment(ref _queued);
        if (!_queue.Writer.TryWrite(pending))
        {
            Interlocked.Decrement(ref _queued);
            throw new ObjectDisposedException(nameof(ReadAuditBatcher), "audit.batcher_stopped: the read audit queue is shut down; the read is refused.");
        }

        return WaitAsync(pending.Done.Task, ct);
    }

    private static async Task WaitAsync(Task done, CancellationToken ct)
    {
        try
        {
            await done.WaitAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested && !done.IsCompleted)
        {
            // Nobody awaits the batch's outcome any more: observe it so a failure is not reported as unobserved.
            _ = done.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw;
        }
    }

    private void EnsureStarted()
    {
        if (Volatile.Read(ref _writer) is not null)
        {
            return;
        }

        lock (_start)
        {
            // A long-running loop of its own: one writer, so batches never compete with each other for the head lock.
            _writer ??= Task.Run(WriteLoopAsync);
        }
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var pending))
            {
                batch.Add(pending);
            }

            Interlocked.Add(ref _queued, -batch.Count);
            await CommitAsync(batch);
        }
    }

    private async Task CommitAsync(List<Pending> batch)
    {
        try
        {
            // Not the callers' tokens: a batch holds other callers' events, and a queued event is written even when its
            // caller went away. The database's own timeouts bound it.
            await using var db = await _contexts.CreateDbContextAsync(CancellationToken.None);
            var strategy = db.Database.CreateExecutionStrategy();
            await strategy.ExecuteAsync(async () =>
            {
                await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
                if (_audit is AuditTrail trail)
                {
                    await trail.AppendPreparedAsync(db, [.. batch.Select(p => p.Prepared!)], CancellationToken.None);
                }
                else
                {
                    // Another trail (a test's wrapper): one append per entry, still one transaction and one commit.
                    foreach (var pending in batch)
                    {
                        await _audit.AppendAsync(db, pending.Entry, CancellationToken.None);
                    }
                }

                if (BeforeCommit is { } hook)
                {
                    await hook([.. batch.Select(p => p.Entry)], CancellationToken.None);
                }

                await transaction.CommitAsync(CancellationToken.None);
            });
            Interlocked.Increment(ref _commits);
            Interlocked.Add(ref _appended, batch.Count);
            foreach (var pending in batch)
            {
                pending.Done.TrySetResult();
            }
        }
#pragma warning disable CA1031 // every failure of the batch is handed to each of its reads, which throw it
        catch (Exception e)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _failedBatches);
            LogBatchFailed(_logger, batch.Count, e);
            foreach (var pending in batch)
            {
                pending.Done.TrySetException(e);
            }
        }
    }

    /// <summary>Refuses new entries and waits until every queued one is committed (or its batch failed).</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        Task? writer;
        lock (_start)
        {
            writer = _writer;
        }

        if (writer is not null)
        {
            await writer.ConfigureAwait(false);
        }
    }

    /// <summary>For a container disposed synchronously (a CLI command's provider): the same drain, blocking.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private static readonly Action<ILogger, int, Exception?> LogBatchFailedMessage = LoggerMessage.Define<int>(
        LogLevel.Error, new EventId(1, "ReadAuditBatchFailed"), "A batch of {Count} read audit events failed; its reads are refused.");

    private static void LogBatchFailed(ILogger logger, int count, Exception e) => LogBatchFailedMessage(logger, count, e);

    private sealed record Pending(AuditEntry Entry, PreparedAuditEntry? Prepared, TaskCompletionSource Done);
}
