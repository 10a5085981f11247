using Custodian.Core.Common;
using Custodian.Core.Features.Audit;
using Custodian.Core.Persistence;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;

namespace Custodian.IntegrationTests.Audit;

/// <summary>
/// What an attacker with write access to the database does, for the tamper tests only: drop the append-only triggers
/// (the owner of the tables can), then change rows directly and, where it helps the attack, repair the head row and
/// the stored roots so the damage is as hard to see as possible.
/// </summary>
internal static class AuditTamper
{
    public static async Task DropTriggersAsync(CustodianDbContext context, Engine engine, CancellationToken ct)
    {
        await context.Database.ExecuteSqlRawAsync(
            engine == Engine.Sqlite ? AuditDatabaseSql.SqliteEventObjectsDown : AuditDatabaseSql.PostgresEventObjectsDown, ct);
        await context.Database.ExecuteSqlRawAsync(
            engine == Engine.Sqlite ? AuditDatabaseSql.SqliteAppendOnlyDown : AuditDatabaseSql.PostgresAppendOnlyDown, ct);
    }

    public static Task<List<AuditEvent>> EventsAsync(CustodianDbContext context, CancellationToken ct) =>
        context.Set<AuditEvent>().AsNoTracking().OrderBy(e => e.Seq).ToListAsync(ct);

    /// <summary>Sets one column of one event row (column names come from the tests, never from input).</summary>
    public static Task<int> SetColumnAsync(CustodianDbContext context, long seq, string column, object? value, CancellationToken ct)
    {
        if (value is null)
        {
            var setNull = "UPDATE audit_events SET " + column + " = NULL WHERE seq = {0}";
            return context.Database.ExecuteSqlRawAsync(setNull, [seq], ct);
        }

        var sql = "UPDATE audit_events SET " + column + " = {0} WHERE seq = {1}";
        return context.Database.ExecuteSqlRawAsync(sql, [value, seq], ct);
    }

    /// <summary>Adds <paramref name="delta"/> to the seq of every event at or after <paramref name="from"/> (two steps: the primary key must stay unique in between).</summary>
    public static async Task ShiftSeqAsync(CustodianDbContext context, long from, long delta, CancellationToken ct)
    {
        await context.Database.ExecuteSqlAsync($"UPDATE audit_events SET seq = -seq WHERE seq >= {from}", ct);
        await context.Database.ExecuteSqlAsync($"UPDATE audit_events SET seq = -seq + {delta} WHERE seq < 0", ct);
    }

    /// <summary>Rewrites the head row to match what is stored now, as an attacker covering tracks would.</summary>
    public static async Task RepairHeadAsync(CustodianDbContext context, CancellationToken ct)
    {
        var range = CompactRange.Empty();
        foreach (var e in await EventsAsync(context, ct))
        {
            range.Append(e.LeafHash);
        }

        var frontier = range.Pack();
        var size = range.Size;
        await context.Database.ExecuteSqlAsync($"UPDATE audit_head SET size = {size}, frontier = {frontier} WHERE id = 1", ct);
    }

    /// <summary>Recomputes every leaf hash and stored root from the stored fields: a consistent rewrite of the whole log.</summary>
    public static async Task RecomputeAllHashesAsync(CustodianDbContext context, CancellationToken ct)
    {
        var range = CompactRange.Empty();
        foreach (var e in await EventsAsync(context, ct))
        {
            var leaf = AuditCanonical.LeafHash(e);
            range.Append(leaf);
            var root = range.Root();
            await context.Database.ExecuteSqlAsync($"UPDATE audit_events SET leaf_hash = {leaf}, tree_root = {root} WHERE seq = {e.Seq}", ct);
        }

        await RepairHeadAsync(context, ct);
    }

    /// <summary>Replaces the stored checkpoints with fresh ones over the current log, signed with a (stolen) master key.</summary>
    public static async Task ResignCheckpointsAsync(CustodianDbContext context, MasterKey stolen, string origin, CancellationToken ct)
    {
        using var signer = new CheckpointSigner(stolen, origin);
        var events = await EventsAsync(context, ct);
        foreach (var c in await context.Set<AuditCheckpoint>().AsNoTracking().ToListAsync(ct))
        {
            var root = c.Size == 0 ? MerkleTree.EmptyRoot() : events[(int)c.Size - 1].TreeRoot;
            var note = signer.Sign(new CheckpointBody(origin, c.Size, root));
            await context.Database.ExecuteSqlAsync($"UPDATE audit_checkpoints SET root_hash = {root}, note = {note} WHERE number = {c.Number}", ct);
        }
    }

    /// <summary>
    /// The state of a backup taken at <paramref name="size"/> events, reached by deleting everything newer (events,
    /// checkpoints) behind the triggers' back and repairing the head: what restoring yesterday's copy leaves.
    /// </summary>
    public static async Task RollBackToAsync(CustodianDbContext context, Engine engine, long size, CancellationToken ct)
    {
        await DropTriggersAsync(context, engine, ct);
        await context.Database.ExecuteSqlAsync($"DELETE FROM audit_events WHERE seq > {size}", ct);
        await context.Database.ExecuteSqlAsync($"DELETE FROM audit_checkpoints WHERE size > {size}", ct);
        var count = await context.Set<AuditCheckpoint>().CountAsync(ct);
        var last = await context.Set<AuditCheckpoint>().OrderByDescending(c => c.Number).Select(c => (long?)c.Size).FirstOrDefaultAsync(ct) ?? 0;
        await context.Database.ExecuteSqlAsync(
            $"UPDATE audit_head SET checkpoint_count = {count}, last_checkpoint_size = {last} WHERE id = 1", ct);
        await RepairHeadAsync(context, ct);
    }
}
