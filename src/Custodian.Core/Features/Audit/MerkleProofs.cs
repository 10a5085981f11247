namespace Custodian.Core.Features.Audit;

/// <summary>
/// RFC 9162 §2.1.3 (inclusion) and §2.1.4 (consistency) proofs over the RFC 6962 tree of <see cref="MerkleTree"/>:
/// generation from the leaf hashes, and verification, which is pure and needs only the proof, the sizes and the roots
/// (what a client organisation, auditor or witness holds). Leaf indexes are 0-based, as in the RFC (audit seq − 1).
/// </summary>
internal static class MerkleProofs
{
    /// <summary>
    /// The inclusion proof (audit path, RFC 9162 PATH) of leaf <paramref name="leafIndex"/> in the tree of the first
    /// <paramref name="treeSize"/> leaves of <paramref name="leaves"/> (packed 32-byte leaf hashes). O(treeSize) hashing.
    /// </summary>
    public static List<byte[]> InclusionProof(ReadOnlySpan<byte> leaves, long leafIndex, long treeSize)
    {
        RequireLeaves(leaves, treeSize);
        ArgumentOutOfRangeException.ThrowIfNegative(leafIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(leafIndex, treeSize);
        var proof = new List<byte[]>();
        Path(leaves, leafIndex, 0, treeSize, proof);
        return proof;
    }

    /// <summary>
    /// The consistency proof (RFC 9162 PROOF) that the tree of <paramref name="size1"/> leaves is a prefix of the tree of
    /// <paramref name="size2"/> leaves. Empty when <paramref name="size1"/> is 0 or equals <paramref name="size2"/>.
    /// </summary>
    public static List<byte[]> ConsistencyProof(ReadOnlySpan<byte> leaves, long size1, long size2)
    {
        RequireLeaves(leaves, size2);
        ArgumentOutOfRangeException.ThrowIfNegative(size1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size1, size2);
        var proof = new List<byte[]>();
        if (size1 > 0 && size1 < size2)
        {
            SubProof(leaves, size1, 0, size2, true, proof);
        }

        return proof;
    }

    /// <summary>MTH(D[start:end]): the root of the leaves in [start, end) taken as a tree of their own.</summary>
    public static byte[] RangeRoot(ReadOnlySpan<byte> leaves, long start, long end)
    {
        var range = CompactRange.Empty();
        for (var i = start; i < end; i++)
        {
            range.Append(leaves.Slice(checked((int)(i * MerkleTree.HashLength)), MerkleTree.HashLength).ToArray());
        }

        return range.Root();
    }

    /// <summary>
    /// RFC 9162 §2.1.3.2: true when <paramref name="proof"/> shows the leaf hash <paramref name="leafHash"/> at
    /// <paramref name="leafIndex"/> in the tree of <paramref name="treeSize"/> leaves whose root is <paramref name="root"/>.
    /// Anything malformed (an index outside the tree, a hash not 32 bytes, too many or too few proof hashes) is false.
    /// </summary>
    public static bool VerifyInclusion(long leafIndex, long treeSize, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> root)
    {
        ArgumentNullException.ThrowIfNull(proof);
        if (leafIndex < 0 || leafIndex >= treeSize || !IsHash(leafHash) || !IsHash(root) || !proof.All(p => IsHash(p)))
        {
            return false;
        }

        // fn walks the leaf's path up; sn is the last node at each level. Where fn is a right child, or the last node
        // of its level (it has no right sibling, so it is promoted), the proof hash goes on its left.
        var fn = leafIndex;
        var sn = treeSize - 1;
        var r = leafHash.ToArray();
        foreach (var p in proof)
        {
            if (sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                r = MerkleTree.NodeHash(p, r);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                r = MerkleTree.NodeHash(r, p);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && r.AsSpan().SequenceEqual(root);
    }

    /// <summary>
    /// RFC 9162 §2.1.4.2: true when <paramref name="proof"/> shows that the tree of <paramref name="size1"/> leaves with
    /// root <paramref name="root1"/> is a prefix of the tree of <paramref name="size2"/> leaves with root
    /// <paramref name="root2"/>. Equal sizes need an empty proof and equal roots; size 0 (the empty tree, a prefix of
    /// every tree) needs an empty proof.
    /// </summary>
    public static bool VerifyConsistency(long size1, long size2, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> root1, ReadOnlySpan<byte> root2)
    {
        ArgumentNullException.ThrowIfNull(proof);
        if (size1 < 0 || size2 < size1 || !IsHash(root1) || !IsHash(root2) || !proof.All(p => IsHash(p)))
        {
            return false;
        }

        if (size1 == size2)
        {
            return proof.Count == 0 && root1.SequenceEqual(root2);
        }

        if (size1 == 0)
        {
            return proof.Count == 0;
        }

        if (proof.Count == 0)
        {
            return false;
        }

        // When size1 is a power of two the old tree is a complete subtree of the new one: the proof leaves out its
        // root, which the verifier already holds.
        var path = new List<byte[]>(proof.Count + 1);
        if ((size1 & (size1 - 1)) == 0)
        {
            path.Add(root1.ToArray());
        }

        path.AddRange(proof);

        var fn = size1 - 1;
        var sn = size2 - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }

        var fr = path[0];
        var sr = path[0];
        foreach (var c in path.Skip(1))
        {
            if (sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                fr = MerkleTree.NodeHash(c, fr);
                sr = MerkleTree.NodeHash(c, sr);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                sr = MerkleTree.NodeHash(sr, c);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && fr.AsSpan().SequenceEqual(root1) && sr.AsSpan().SequenceEqual(root2);
    }

    /// <summary>PATH(m, D[start:end]), appended to <paramref name="proof"/> leaf-side first.</summary>
    private static void Path(ReadOnlySpan<byte> leaves, long m, long start, long end, List<byte[]> proof)
    {
        var n = end - start;
        if (n == 1)
        {
            return;
        }

        var k = LargestPowerOfTwoBelow(n);
        if (m < k)
        {
            Path(leaves, m, start, start + k, proof);
            proof.Add(RangeRoot(leaves, start + k, end));
        }
        else
        {
            Path(leaves, m - k, start + k, end, proof);
            proof.Add(RangeRoot(leaves, start, start + k));
        }
    }

    /// <summary>SUBPROOF(m, D[start:end], b): <paramref name="complete"/> is b, true while D[start:start+m] is the whole old tree.</summary>
    private static void SubProof(ReadOnlySpan<byte> leaves, long m, long start, long end, bool complete, List<byte[]> proof)
    {
        var n = end - start;
        if (m == n)
        {
            if (!complete)
            {
                proof.Add(RangeRoot(leaves, start, end));
            }

            return;
        }

        var k = LargestPowerOfTwoBelow(n);
        if (m <= k)
        {
            SubProof(leaves, m, start, start + k, complete, proof);
            proof.Add(RangeRoot(leaves, start + k, end));
        }
        else
        {
            SubProof(leaves, m - k, start + k, end, false, proof);
            proof.Add(RangeRoot(leaves, start, start + k));
        }
    }

    /// <summary>The largest power of two strictly smaller than <paramref name="n"/> (n ≥ 2).</summary>
    private static long LargestPowerOfTwoBelow(long n) => 1L << (63 - (int)long.LeadingZeroCount(n - 1));

    private static bool IsHash(ReadOnlySpan<byte> hash) => hash.Length == MerkleTree.HashLength;

    private static void RequireLeaves(ReadOnlySpan<byte> leaves, long size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        if (leaves.Length < size * MerkleTree.HashLength || leaves.Length % MerkleTree.HashLength != 0)
        {
            throw new ArgumentException("The packed leaf hashes do not cover the tree size.", nameof(leaves));
        }
    }
}
