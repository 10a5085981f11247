using Custodian.Core.Common;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Audit;

/// <summary>
/// The audit tables' raw writes, all inside the caller's transaction and outside EF's change tracker (so an append never
/// saves, or is saved with, the caller's pending entity changes). Only <see cref="AuditTrail"/> and
/// <see cref="AuditCheckpoints"/> call these.
/// </summary>
internal static class AuditStore
{
    /// <summary>
    /// Reads the head row and holds its lock until the transaction ends. PostgreSQL: <c>SELECT ... FOR UPDATE</c>, so a
    /// concurrent appender waits here and then sees the committed head (READ COMMITTED re-reads the locked row).
    /// SQLite: EF begins transactions with <c>BEGIN IMMEDIATE</c>, so the writer lock is held already; no other writer runs.
    /// </summary>
    public static async Task<AuditHead> LockHeadAsync(CustodianDbContext db, CancellationToken ct)
    {
        RequireTransaction(db);
        var heads = db.Database.IsNpgsql()
            ? await db.Set<AuditHead>().FromSql($"SELECT * FROM audit_head WHERE id = {AuditHead.SingletonId} FOR UPDATE").AsNoTracking().ToListAsync(ct)
            : await db.Set<AuditHead>().FromSql($"SELECT * FROM audit_head WHERE id = {AuditHead.SingletonId}").AsNoTracking().ToListAsync(ct);
        return heads.Count == 1
            ? heads[0]
            : throw new InvalidOperationException("audit.head_missing: the audit head row is missing; the database was not migrated or was tampered with.");
    }

    /// <summary>The log's size: after an append in the caller's transaction, the position of the event just appended.</summary>
    public static async Task<long> SizeAsync(CustodianDbContext db, CancellationToken ct)
    {
        RequireTransaction(db);
        var heads = await db.Set<AuditHead>().AsNoTracking().Where(h => h.Id == AuditHead.SingletonId).Select(h => h.Size).ToListAsync(ct);
        return heads.Count == 1 ? heads[0] : throw new InvalidOperationException("audit.head_missing: the audit head row is missing.");
    }

    public static void RequireTransaction(CustodianDbContext db)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException(
                "audit.no_transaction: an audit event must be appended inside the transaction of the change it records " +
                "(db.Database.BeginTransactionAsync() before, CommitAsync() after).");
        }
    }

    public static async Task InsertEventAsync(CustodianDbContext db, AuditEvent e, CancellationToken ct)
    {
        var occurredAt = ToUtc(e.OccurredAt);
        var inserted = await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO audit_events (seq, id, occurred_at, organization_id, actor_kind, actor_id, action, objects, reason, details, leaf_hash, tree_root)
            VALUES ({e.Seq}, {e.Id}, {occurredAt}, {e.OrganizationId}, {e.ActorKind}, {e.ActorId}, {e.Action}, {e.Objects}, {e.Reason}, {e.Details}, {e.LeafHash}, {e.TreeRoot})
            """,
            ct);
        if (inserted != 1)
        {
            throw new InvalidOperationException($"audit.append_failed: inserting audit event {e.Seq} affected {inserted} rows.");
        }
        // The objects' index rows, from the canonical JSON just stored (one statement whatever the count: a sweep batch
        // names thousands of records); DISTINCT because an entry may name one object twice.
        await db.Database.ExecuteSqlRawAsync(
            db.Database.IsNpgsql() ? AuditDatabaseSql.PostgresInsertObjects : AuditDatabaseSql.SqliteInsertObjects,
            [e.Seq, e.Objects],
            ct);
    }

    public static async Task UpdateHeadAsync(CustodianDbContext db, long oldSize, long size, byte[] frontier, CancellationToken ct)
    {
        // The size condition is a second line of defence: if the lock did not hold, this updates nothing and the append fails.
        var updated = await db.Database.ExecuteSqlAsync(
            $"UPDATE audit_head SET size = {size}, frontier = {frontier} WHERE id = {AuditHead.SingletonId} AND size = {oldSize}",
            ct);
        if (updated != 1)
        {
            throw new InvalidOperationException("audit.head_moved: the audit head changed while it was locked; the append is refused.");
        }
    }

    public static async Task InsertCheckpointAsync(CustodianDbContext db, AuditCheckpoint c, CancellationToken ct)
    {
        var createdAt = ToUtc(c.CreatedAt);
        await db.Database.ExecuteSqlAsync(
            $"INSERT INTO audit_checkpoints (number, size, root_hash, note, created_at) VALUES ({c.Number}, {c.Size}, {c.RootHash}, {c.Note}, {createdAt})",
            ct);
        var updated = await db.Database.ExecuteSqlAsync(
            $"UPDATE audit_head SET checkpoint_count = {c.Number}, last_checkpoint_size = {c.Size}, last_checkpoint_at = {createdAt} WHERE id = {AuditHead.SingletonId}",
            ct);
        if (updated != 1)
        {
            throw new InvalidOperationException("audit.head_missing: the audit head row is missing.");
        }
    }

    private static DateTime ToUtc(Instant instant) => (DateTime)new InstantToUtcDateTimeConverter().ConvertToProvider(instant)!;
}
