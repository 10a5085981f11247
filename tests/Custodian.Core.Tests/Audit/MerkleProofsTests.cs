using System.Security.Cryptography;
using Custodian.Core.Features.Audit;
using Xunit;

namespace Custodian.Core.Tests.Audit;

/// <summary>Our proof generator against our verifier, exhaustively for small trees, and against the compact-range root.</summary>
public sealed class MerkleProofsTests
{
    private const int MaxSize = 64;

    private static readonly byte[] Leaves = [.. Enumerable.Range(0, MaxSize).SelectMany(i => MerkleTree.LeafHash([(byte)i, (byte)(i >> 8)]))];

    [Fact]
    public void InclusionProof_EveryIndexOfEverySizeUpTo64_VerifiesAndRejectsNeighbours()
    {
        for (long size = 1; size <= MaxSize; size++)
        {
            var root = MerkleProofs.RangeRoot(Leaves, 0, size);
            for (long i = 0; i < size; i++)
            {
                var leaf = Leaf(i);
                var proof = MerkleProofs.InclusionProof(Leaves, i, size);

                Assert.True(MerkleProofs.VerifyInclusion(i, size, leaf, proof, root), $"index {i} of {size}");
                Assert.False(MerkleProofs.VerifyInclusion(i, size, Leaf((i + 1) % MaxSize), proof, root));
                if (size > 1)
                {
                    Assert.False(MerkleProofs.VerifyInclusion((i + 1) % size, size, leaf, proof, root));
                }

                // (The same path can fit a neighbouring size with the same shape: the size is bound by the signed
                // checkpoint that carries it with the root, not by the proof.)
                if (proof.Count > 0)
                {
                    var flipped = proof.Select(p => (byte[])p.Clone()).ToList();
                    flipped[^1][0] ^= 0x01;
                    Assert.False(MerkleProofs.VerifyInclusion(i, size, leaf, flipped, root));
                }
            }
        }
    }

    [Fact]
    public void ConsistencyProof_EveryPairOfSizesUpTo64_VerifiesAndRejectsOtherRoots()
    {
        for (long size2 = 1; size2 <= MaxSize; size2++)
        {
            var root2 = MerkleProofs.RangeRoot(Leaves, 0, size2);
            for (long size1 = 0; size1 <= size2; size1++)
            {
                var root1 = MerkleProofs.RangeRoot(Leaves, 0, size1);
                var proof = MerkleProofs.ConsistencyProof(Leaves, size1, size2);

                Assert.True(MerkleProofs.VerifyConsistency(size1, size2, proof, root1, root2), $"{size1} -> {size2}");
                if (size1 > 0 && size1 < size2)
                {
                    // A root that is not the tree's (a forked log with the same sizes) must not pass.
                    var other = SHA256.HashData(root1);
                    Assert.False(MerkleProofs.VerifyConsistency(size1, size2, proof, other, root2));
                    Assert.False(MerkleProofs.VerifyConsistency(size1, size2, proof, root1, other));
                    Assert.False(MerkleProofs.VerifyConsistency(size1, size2, [.. proof.Take(proof.Count - 1)], root1, root2));
                    Assert.False(MerkleProofs.VerifyConsistency(size2, size1, proof, root2, root1));
                }
            }
        }
    }

    [Fact]
    public void RangeRoot_Prefix_EqualsCompactRangeRoot()
    {
        var range = CompactRange.Empty();
        for (var i = 0; i < MaxSize; i++)
        {
            range.Append(Leaf(i));
            Assert.Equal(range.Root(), MerkleProofs.RangeRoot(Leaves, 0, i + 1));
        }
    }

    private static byte[] Leaf(long i) => Leaves.AsSpan((int)(i * MerkleTree.HashLength), MerkleTree.HashLength).ToArray();
}
