using Custodian.Core.Features.Audit;
using Custodian.Core.Persistence;

namespace Custodian.Core.Features.Store;

/// <summary>
/// The one way store operations touch the database: a change (or a read) and its audit event in one transaction.
/// If the event cannot be written, the change is rolled back and the exception propagates (fail closed); on an
/// expected failure nothing of the request is kept, not even half of it.
/// </summary>
internal sealed class StoreTransactions(CustodianDbContext db, IAuditTrail audit)
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

    /// <summary>Reads, then records the read (a short transaction) before anything is returned to the caller.</summary>
    public async Task<T> ReadAsync<T>(Func<CancellationToken, Task<T>> read, Func<T, AuditEntry?> describe, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var value = await read(ct);
        if (describe(value) is { } entry)
        {
            await audit.AppendAsync(db, entry, ct);
            await db.SaveChangesAsync(ct);
        }

        await transaction.CommitAsync(ct);
        return value;
    }
}
