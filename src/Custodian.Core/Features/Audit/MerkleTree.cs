using System.Security.Cryptography;

namespace Custodian.Core.Features.Audit;

/// <summary>
/// RFC 6962 §2.1 Merkle tree hashing with domain separation: <c>leaf = SHA-256(0x00 ‖ data)</c>,
/// <c>node = SHA-256(0x01 ‖ left ‖ right)</c>, empty tree = <c>SHA-256("")</c>. The 0x00/0x01 prefixes stop a leaf
/// being passed off as an inner node (second-preimage attacks on the tree).
/// </summary>
internal static class MerkleTree
{
    public const int HashLength = 32;

    /// <summary>The root of the empty tree: SHA-256 of no bytes.</summary>
    public static byte[] EmptyRoot() => SHA256.HashData([]);

    public static byte[] LeafHash(ReadOnlySpan<byte> data)
    {
        var buffer = new byte[data.Length + 1];
        buffer[0] = 0x00;
        data.CopyTo(buffer.AsSpan(1));
        return SHA256.HashData(buffer);
    }

    public static byte[] NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        Span<byte> buffer = stackalloc byte[1 + (2 * HashLength)];
        buffer[0] = 0x01;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[(1 + HashLength)..]);
        return SHA256.HashData(buffer);
    }
}

/// <summary>
/// The compact range of a tree of <see cref="Size"/> leaves: the roots of the perfect subtrees that the binary digits of
/// the size describe, largest (leftmost) first. That is all an appender needs to add a leaf and compute the new RFC 6962
/// root in O(log n), without reading earlier leaves. Stored in the audit head row as concatenated 32-byte hashes.
/// </summary>
internal sealed class CompactRange
{
    private readonly List<byte[]> _hashes;

    private CompactRange(long size, List<byte[]> hashes)
    {
        Size = size;
        _hashes = hashes;
    }

    public long Size { get; private set; }

    public static CompactRange Empty() => new(0, []);

    /// <summary>Restores a range from its stored form; throws when the byte count does not fit the size (a corrupted head).</summary>
    public static CompactRange Restore(long size, ReadOnlySpan<byte> packed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        var expected = long.PopCount(size);
        if (packed.Length != expected * MerkleTree.HashLength)
        {
            throw new InvalidDataException(
                $"audit head is corrupt: a tree of {size} leaves needs {expected} frontier hashes, the stored frontier has {packed.Length} bytes.");
        }

        var hashes = new List<byte[]>((int)expected);
        for (var i = 0; i < expected; i++)
        {
            hashes.Add(packed.Slice(i * MerkleTree.HashLength, MerkleTree.HashLength).ToArray());
        }

        return new CompactRange(size, hashes);
    }

    public byte[] Pack()
    {
        var packed = new byte[_hashes.Count * MerkleTree.HashLength];
        for (var i = 0; i < _hashes.Count; i++)
        {
            _hashes[i].CopyTo(packed, i * MerkleTree.HashLength);
        }

        return packed;
    }

    /// <summary>Appends a leaf hash: every trailing 1-bit of the old size is a perfect subtree that now merges.</summary>
    public void Append(byte[] leafHash)
    {
        if (leafHash.Length != MerkleTree.HashLength)
        {
            throw new ArgumentException("A leaf hash is 32 bytes.", nameof(leafHash));
        }

        var node = leafHash;
        for (var n = Size; (n & 1) == 1; n >>= 1)
        {
            var left = _hashes[^1];
            _hashes.RemoveAt(_hashes.Count - 1);
            node = MerkleTree.NodeHash(left, node);
        }

        _hashes.Add(node);
        Size++;
    }

    /// <summary>The RFC 6962 root: MTH(D[n]) = H(1 ‖ MTH(D[0:k]) ‖ MTH(D[k:n])), folded from the smallest subtree up.</summary>
    public byte[] Root()
    {
        if (_hashes.Count == 0)
        {
            return MerkleTree.EmptyRoot();
        }

        var root = _hashes[^1];
        for (var i = _hashes.Count - 2; i >= 0; i--)
        {
            root = MerkleTree.NodeHash(_hashes[i], root);
        }

        return root;
    }
}
