using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Custodian.Core.Features.Blobs;

/// <summary>
/// The encrypted blob format, version 1. .NET's <see cref="AesGcm"/> encrypts whole messages only, so a blob is cut
/// into fixed-size chunks, each its own AES-256-GCM message (the "STREAM" construction of Hoang, Reyhanitabar, Rogaway
/// and Vizár, also used by age and Tink). Memory stays at about one chunk, whatever the blob's size.
/// <code>
/// header (64 bytes, all integers big-endian)
///   0   4  magic "CSTB"
///   4   1  format version = 1
///   5   4  chunk size C: plaintext bytes in every chunk but the last (64 .. 16 MiB; default 64 KiB)
///   9  16  data key id (UUID, RFC 4122 byte order)
///  25  16  blob id (UUID, RFC 4122 byte order): the BlobRecord this content belongs to
///  41  16  salt (random per blob)
///  57   7  nonce prefix (random per blob)
/// chunks, one after another
///   chunk i = AES-256-GCM(K_blob, nonce_i, plaintext_i, aad = the 64 header bytes) = ciphertext_i || tag_i (16 bytes)
///   every chunk but the last holds exactly C plaintext bytes; the last holds 0 .. C-1 bytes and is always present
///   (an empty blob is the header plus one empty last chunk: 80 bytes).
/// K_blob  = HKDF-SHA256(ikm = data key, salt = header salt, info = "custodian/blob-chunk/v1"), 32 bytes
/// nonce_i = nonce prefix (7) || i as uint32 (4) || last flag (1: 0x01 for the last chunk, else 0x00)
/// </code>
/// What this detects, and why: a flipped bit anywhere fails a tag (header bits through the AAD); chunks moved or
/// reordered fail because the index is in the nonce; a chunk from another blob fails because every blob has its own
/// K_blob and header AAD; truncation at a chunk boundary is caught because the stream then ends without a chunk marked
/// last (and a full-size chunk can never be the last); appended bytes change the framing and fail a tag; content of one
/// blob presented as another's fails the blob-id check against the database row. The reader releases plaintext chunk
/// by chunk, so tampering is reported when the damaged chunk is reached: only a read that ends without an exception
/// has returned the whole, authentic blob.
/// </summary>
internal static class BlobCipher
{
    public const int HeaderLength = 64;
    public const int TagLength = 16;
    public const int NonceLength = 12;
    public const int KeyLength = 32;
    public const int DefaultChunkSize = 64 * 1024;
    public const int MinChunkSize = 64;
    public const int MaxChunkSize = 16 * 1024 * 1024;
    public const byte Version1 = 1;

    private const int SaltLength = 16;
    private const int NoncePrefixLength = 7;

    private static ReadOnlySpan<byte> Magic => "CSTB"u8;

    private static readonly byte[] SubkeyInfo = Encoding.ASCII.GetBytes("custodian/blob-chunk/v1");

    /// <summary>The 64-byte header of a new blob, with fresh random salt and nonce prefix.</summary>
    public static byte[] NewHeader(Guid dataKeyId, Guid blobId, int chunkSize)
    {
        if (chunkSize is < MinChunkSize or > MaxChunkSize)
        {
            throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, $"chunk size must be {MinChunkSize} .. {MaxChunkSize} bytes");
        }

        var header = new byte[HeaderLength];
        var span = header.AsSpan();
        Magic.CopyTo(span);
        span[4] = Version1;
        BinaryPrimitives.WriteUInt32BigEndian(span[5..], (uint)chunkSize);
        dataKeyId.TryWriteBytes(span.Slice(9, 16), bigEndian: true, out _);
        blobId.TryWriteBytes(span.Slice(25, 16), bigEndian: true, out _);
        RandomNumberGenerator.Fill(span.Slice(41, SaltLength + NoncePrefixLength));
        return header;
    }

    /// <summary>
    /// Parses a header. Returns null when it is not a version-1 header with a chunk size in range; the caller reports
    /// that as tampering. The header's integrity is checked later, by the first chunk's tag.
    /// </summary>
    public static BlobHeader? TryParseHeader(ReadOnlySpan<byte> header)
    {
        if (header.Length != HeaderLength || !header[..4].SequenceEqual(Magic) || header[4] != Version1)
        {
            return null;
        }

        var chunkSize = BinaryPrimitives.ReadUInt32BigEndian(header[5..]);
        if (chunkSize is < MinChunkSize or > MaxChunkSize)
        {
            return null;
        }

        return new BlobHeader(
            (int)chunkSize,
            new Guid(header.Slice(9, 16), bigEndian: true),
            new Guid(header.Slice(25, 16), bigEndian: true));
    }

    /// <summary>The per-blob chunk key: no two blobs share one, even under the same data key.</summary>
    public static byte[] DeriveBlobKey(ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> header)
    {
        if (dataKey.Length != KeyLength)
        {
            throw new ArgumentException($"a data key is {KeyLength} bytes", nameof(dataKey));
        }

        var key = new byte[KeyLength];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, dataKey, key, header.Slice(41, SaltLength), SubkeyInfo);
        return key;
    }

    /// <summary>Writes chunk <paramref name="index"/>'s nonce: prefix, big-endian index, last flag.</summary>
    public static void ChunkNonce(ReadOnlySpan<byte> header, uint index, bool last, Span<byte> nonce)
    {
        header.Slice(57, NoncePrefixLength).CopyTo(nonce);
        BinaryPrimitives.WriteUInt32BigEndian(nonce[NoncePrefixLength..], index);
        nonce[NonceLength - 1] = last ? (byte)1 : (byte)0;
    }
}

/// <summary>The readable fields of a blob header.</summary>
internal sealed record BlobHeader(int ChunkSize, Guid DataKeyId, Guid BlobId);
