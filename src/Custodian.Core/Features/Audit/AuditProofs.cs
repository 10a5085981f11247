using System.Globalization;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Custodian.Core.Features.Audit;

/// <summary>A consistency proof between two sizes of the stored log, with the roots it connects.</summary>
internal sealed record AuditConsistency(long Size1, long Size2, byte[] Root1, byte[] Root2, IReadOnlyList<byte[]> Proof);

/// <summary>An inclusion proof of one stored event (<paramref name="Seq"/>, leaf index Seq − 1) in the tree of <paramref name="TreeSize"/>.</summary>
internal sealed record AuditInclusion(long Seq, long TreeSize, byte[] LeafHash, byte[] Root, IReadOnlyList<byte[]> Proof);

/// <summary>
/// Proofs from the stored log (the leaf hashes in <c>audit_events</c>), for holders of checkpoints outside the system:
/// a client organisation proving its event is in the log, a witness checking that today's checkpoint extends the one it
/// kept. The proofs are built from what the database holds now; if that was tampered with they do not verify against
/// the honest checkpoint, which is the point. Cost: reads <c>size</c> leaf hashes (32 bytes each) and O(size) hashing.
/// </summary>
internal static class AuditProofs
{
    /// <summary>Null when a size is outside the stored log (or the log has a gap).</summary>
    public static async Task<AuditConsistency?> ConsistencyAsync(CustodianDbContext db, long size1, long size2, CancellationToken ct)
    {
        if (size1 < 0 || size2 < size1)
        {
            return null;
        }

        var leaves = await LoadLeavesAsync(db, size2, ct);
        if (leaves is null)
        {
            return null;
        }

        return new AuditConsistency(
            size1,
            size2,
            MerkleProofs.RangeRoot(leaves, 0, size1),
            MerkleProofs.RangeRoot(leaves, 0, size2),
            MerkleProofs.ConsistencyProof(leaves, size1, size2));
    }

    public static async Task<AuditInclusion?> InclusionAsync(CustodianDbContext db, long seq, long treeSize, CancellationToken ct)
    {
        if (seq < 1 || seq > treeSize)
        {
            return null;
        }

        var leaves = await LoadLeavesAsync(db, treeSize, ct);
        if (leaves is null)
        {
            return null;
        }

        return new AuditInclusion(
            seq,
            treeSize,
            leaves.AsSpan(checked((int)((seq - 1) * MerkleTree.HashLength)), MerkleTree.HashLength).ToArray(),
            MerkleProofs.RangeRoot(leaves, 0, treeSize),
            MerkleProofs.InclusionProof(leaves, seq - 1, treeSize));
    }

    /// <summary>The current number of events according to the head row.</summary>
    public static Task<long> SizeAsync(CustodianDbContext db, CancellationToken ct) =>
        db.Set<AuditHead>().AsNoTracking().Where(h => h.Id == AuditHead.SingletonId).Select(h => h.Size).SingleAsync(ct);

    /// <summary>The first <paramref name="size"/> leaf hashes packed, or null when fewer are stored (or seqs have gaps).</summary>
    public static async Task<byte[]?> LoadLeavesAsync(CustodianDbContext db, long size, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (size > int.MaxValue / MerkleTree.HashLength)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size.ToString(CultureInfo.InvariantCulture), "too many leaves for one in-memory proof");
        }

        var packed = new byte[size * MerkleTree.HashLength];
        long expected = 1;
        await foreach (var row in db.Set<AuditEvent>().AsNoTracking().Where(e => e.Seq <= size).OrderBy(e => e.Seq)
                           .Select(e => new { e.Seq, e.LeafHash }).AsAsyncEnumerable().WithCancellation(ct))
        {
            if (row.Seq != expected || row.LeafHash.Length != MerkleTree.HashLength)
            {
                return null;
            }

            row.LeafHash.CopyTo(packed, (expected - 1) * MerkleTree.HashLength);
            expected++;
        }

        return expected == size + 1 ? packed : null;
    }
}
