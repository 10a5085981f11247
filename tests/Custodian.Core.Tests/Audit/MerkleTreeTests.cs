using System.Security.Cryptography;
using Custodian.Core.Features.Audit;
using Xunit;

namespace Custodian.Core.Tests.Audit;

public sealed class MerkleTreeTests
{
    // The eight inputs of the RFC 6962 reference test data (certificate-transparency, trillian) and the roots of their
    // prefixes of size 1..8.
    private static readonly byte[][] Inputs =
    [
        [], [0x00], [0x10], [0x20, 0x21], [0x30, 0x31], [0x40, 0x41, 0x42, 0x43],
        [0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
        [0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f],
    ];

    private static readonly string[] Roots =
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    [Fact]
    public void Root_Empty_IsSha256OfNothing() =>
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Convert.ToHexStringLower(CompactRange.Empty().Root()));

    [Fact]
    public void Root_Rfc6962ReferenceInputs_MatchesPublishedRoots()
    {
        var range = CompactRange.Empty();
        for (var i = 0; i < Inputs.Length; i++)
        {
            range.Append(MerkleTree.LeafHash(Inputs[i]));
            Assert.Equal(Roots[i], Convert.ToHexStringLower(range.Root()));
        }
    }

    [Fact]
    public void CompactRange_EverySizeUpTo300_MatchesRecursiveDefinitionAndRestores()
    {
        var leaves = Enumerable.Range(0, 300).Select(i => MerkleTree.LeafHash(BitConverter.GetBytes(i))).ToArray();
        var range = CompactRange.Empty();
        for (var n = 1; n <= leaves.Length; n++)
        {
            range.Append(leaves[n - 1]);
            var expected = Mth(leaves.AsSpan(0, n));
            Assert.Equal(expected, range.Root());
            Assert.Equal(expected, CompactRange.Restore(range.Size, range.Pack()).Root());
        }
    }

    [Fact]
    public void Restore_FrontierOfWrongLength_Throws() =>
        Assert.Throws<InvalidDataException>(() => CompactRange.Restore(3, new byte[32]));

    [Fact]
    public void LeafHash_IsDomainSeparatedFromNodeHash()
    {
        var a = SHA256.HashData([1]);
        var b = SHA256.HashData([2]);
        Assert.NotEqual(MerkleTree.NodeHash(a, b), MerkleTree.LeafHash([.. a, .. b]));
    }

    /// <summary>RFC 6962 §2.1 as written: MTH(D[n]) = SHA-256(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n])), k the largest power of two below n.</summary>
    private static byte[] Mth(ReadOnlySpan<byte[]> leaves)
    {
        if (leaves.Length == 1)
        {
            return leaves[0];
        }

        var k = 1;
        while (k * 2 < leaves.Length)
        {
            k *= 2;
        }

        return MerkleTree.NodeHash(Mth(leaves[..k]), Mth(leaves[k..]));
    }
}
