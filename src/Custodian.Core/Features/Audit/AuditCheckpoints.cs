using System.Text;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Audit;

/// <summary>
/// Makes signed checkpoints (every <see cref="AuditOptions.CheckpointEveryEvents"/> events, when the last one is older
/// than <see cref="AuditOptions.CheckpointEvery"/>, and on demand) and exports the latest to a file. Checkpoints stored
/// in the database only prove something against an attacker who cannot delete them; the exported copies are what make
/// truncation and rollback detectable, so they must leave the system (security.md §2.2).
/// </summary>
internal sealed class AuditCheckpoints(TimeProvider time, AuditOptions options, CheckpointSigner signer)
{
    public AuditOptions Options => options;

    public CheckpointSigner Signer => signer;

    /// <summary>True when a checkpoint is due after the log has grown to <paramref name="size"/> (head as read before the append).</summary>
    internal bool IsDue(AuditHead head, long size, Instant now)
    {
        if (size <= head.LastCheckpointSize)
        {
            return false;
        }

        if (options.CheckpointEveryEvents > 0 && size - head.LastCheckpointSize >= options.CheckpointEveryEvents)
        {
            return true;
        }

        return head.LastCheckpointAt is not { } last || now - last >= Duration.FromTimeSpan(options.CheckpointEvery);
    }

    /// <summary>
    /// Makes a checkpoint of the current log in its own transaction when one is due (the log grew and the last one is
    /// older than the interval): the host's timer calls this so that a quiet log still gets its tail checkpointed.
    /// Returns the new checkpoint, or null when none was due.
    /// </summary>
    public Task<AuditCheckpoint?> CreateIfDueAsync(CustodianDbContext db, CancellationToken ct) => CreateAsync(db, force: false, ct);

    /// <summary>
    /// Makes a checkpoint of the current log now (<c>custodian audit checkpoint</c>). When the latest checkpoint already
    /// covers the whole log it is returned instead of signing the same size again.
    /// </summary>
    public async Task<AuditCheckpoint> CreateNowAsync(CustodianDbContext db, CancellationToken ct) =>
        (await CreateAsync(db, force: true, ct))!;

    private async Task<AuditCheckpoint?> CreateAsync(CustodianDbContext db, bool force, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async () =>
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var head = await AuditStore.LockHeadAsync(db, ct);
            var now = Instant.FromDateTimeOffset(time.GetUtcNow());
            AuditCheckpoint? made = null;
            if (head.Size > head.LastCheckpointSize && (force || IsDue(head, head.Size, now)))
            {
                var root = CompactRange.Restore(head.Size, head.Frontier).Root();
                made = await CreateLockedAsync(db, head, head.Size, root, now, ct);
            }
            else if (force)
            {
                made = await LatestAsync(db, ct) ?? await CreateLockedAsync(db, head, head.Size, MerkleTree.EmptyRoot(), now, ct);
            }

            await tx.CommitAsync(ct);
            return made;
        });
    }

    /// <summary>Signs and stores a checkpoint of size <paramref name="size"/>; the caller holds the head lock.</summary>
    internal async Task<AuditCheckpoint> CreateLockedAsync(CustodianDbContext db, AuditHead head, long size, byte[] root, Instant now, CancellationToken ct)
    {
        var checkpoint = new AuditCheckpoint
        {
            Number = head.CheckpointCount + 1,
            Size = size,
            RootHash = root,
            Note = signer.Sign(new CheckpointBody(options.Origin, size, root)),
            CreatedAt = AuditCanonical.TruncateToMicroseconds(now),
        };
        await AuditStore.InsertCheckpointAsync(db, checkpoint, ct);
        return checkpoint;
    }

    public static Task<AuditCheckpoint?> LatestAsync(CustodianDbContext db, CancellationToken ct) =>
        db.Set<AuditCheckpoint>().AsNoTracking().OrderByDescending(c => c.Number).FirstOrDefaultAsync(ct);

    /// <summary>
    /// Writes the checkpoint note to <paramref name="path"/> (written to a temporary file beside it and then moved, so a
    /// reader never sees half a checkpoint). This file is what leaves the system: store it somewhere the database's
    /// administrators cannot rewrite (WORM storage, another host, the privacy officer's mailbox).
    /// </summary>
    public static async Task ExportAsync(AuditCheckpoint checkpoint, string path, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var full = Path.GetFullPath(path);
        var temp = full + ".tmp-" + Guid.NewGuid().ToString("N");
        await File.WriteAllTextAsync(temp, checkpoint.Note, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), ct);
        File.Move(temp, full, overwrite: true);
    }
}
