using Custodian.Core.Features.Audit;
using Custodian.Core.Persistence;

namespace Custodian.Core.Features.Store;

/// <summary>
/// The one way store operations touch the database: a change (or a read) and its audit event in one transaction.
/// If the event cannot be written, the change is rolled back and the exception propagates (fail closed); on an
/// expected failure nothing of the request is kept, not even half of it. Reads go through the read audit group commit
/// (<see cref="ReadAuditBatcher"/>).
/// </summary>
internal sealed class StoreTransactions(CustodianDbContext db, IAuditTrail audit, ReadAuditBatcher batcher)
{
    /// <summary>
    /// Runs <paramref name="change"/> (which adds or modifies tracked records and returns the result), saves, appends
    /// <paramref name="describe"/>'s event, lets <paramref name="beforeCommit"/> add rows of its own (the idempotency
    /// record), and commits. On an error value or exception everything is rolled back and the tracker cleared.
    /// </summary>
    public async Task<StoreResult<T>> WriteAsync<T>(
        Func<CancellationToken, Task<StoreResult<T>>> change,
        Func<T, AuditEntry> describe,
        Func<T, CancellationToken, Task>? beforeCommit,
        CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        try
        {
            var result = await change(ct);
            if (!result.IsSuccess)
            {
                await transaction.RollbackAsync(ct);
                db.ChangeTracker.Clear();
                return result;
            }

            await db.SaveChangesAsync(ct);
            await audit.AppendAsync(db, describe(result.Value), ct);
            if (beforeCommit is not null)
            {
                await beforeCommit(result.Value, ct);
            }

            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            return result;
        }
        catch
        {
            db.ChangeTracker.Clear();
            throw;
        }
    }

    /// <summary>
    /// Reads, then records the read before anything is returned to the caller: <paramref name="read"/> runs, and the event
    /// <paramref name="describe"/> makes of its result (none for null) must be durable before the value is returned; if it
    /// cannot be written, this throws and the value is dropped (fail closed).
    /// </summary>
    /// <remarks>
    /// The read runs outside any transaction and its event is committed in a batch with other reads'.
    /// A read need not be atomic with its audit record: the record says "this caller saw these records", and what matters
    /// is that no data leaves without a durable record, which waiting for the batch's commit guarantees. Nothing is
    /// changed, so there is nothing to roll back with the event. The read sees each statement's committed data, as it
    /// did inside a READ COMMITTED transaction on PostgreSQL; SQLite's transaction took the writer lock (BEGIN IMMEDIATE)
    /// for a read, which is what serialised reads behind one another and behind every write.
    /// </remarks>
    public async Task<T> ReadAsync<T>(Func<CancellationToken, Task<T>> read, Func<T, AuditEntry?> describe, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(describe);
        var value = await read(ct);
        if (describe(value) is { } entry)
        {
            // Queued whatever ct says now: the data was read, so the read is recorded even if the caller has gone.
            await batcher.AppendAsync(entry, ct);
        }

        return value;
    }

    /// <summary>
    /// Records a read whose data the caller read itself (outside any transaction), before the caller returns it: durable
    /// when this returns, and this throws when it is not (fail closed; see <see cref="ReadAuditBatcher.AppendAsync"/>).
    /// </summary>
    public Task RecordReadAsync(AuditEntry entry, CancellationToken ct) => batcher.AppendAsync(entry, ct);
}
