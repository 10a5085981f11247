using System.Security.Cryptography;
using Custodian.Core.Features.Blobs;
using Xunit;

namespace Custodian.Core.Tests.Blobs;

public sealed class BlobCipherTests
{
    private const int Chunk = 64; // the smallest chunk size: many chunks from few bytes
    private const int Framed = Chunk + BlobCipher.TagLength;

    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(BlobCipher.KeyLength);
    private static readonly Guid KeyId = Guid.Parse("0c9a5f0e-1111-4a2b-9c3d-000000000001");
    private static readonly Guid BlobId = Guid.Parse("0c9a5f0e-2222-4a2b-9c3d-000000000002");

    private static (byte[] Ciphertext, byte[] Sha256) Encrypt(byte[] plaintext, Guid? blobId = null, int chunkSize = Chunk, byte[]? key = null)
    {
        using var encrypting = new BlobEncryptingStream(new MemoryStream(plaintext), key ?? Key, KeyId, blobId ?? BlobId, chunkSize);
        using var output = new MemoryStream();
        encrypting.CopyTo(output);
        Assert.Equal(plaintext.Length, encrypting.PlaintextLength);
        Assert.Equal(output.Length, encrypting.CiphertextLength);
        return (output.ToArray(), encrypting.Sha256);
    }

    private static async Task<byte[]> DecryptAsync(byte[] ciphertext, byte[]? sha256 = null, byte[]? key = null, Guid? blobId = null)
    {
        await using var decrypting = await BlobDecryptingStream.OpenAsync(
            new MemoryStream(ciphertext), key ?? Key, KeyId, blobId ?? BlobId, sha256, TestContext.Current.CancellationToken);
        using var output = new MemoryStream();
        await decrypting.CopyToAsync(output, TestContext.Current.CancellationToken);
        return output.ToArray();
    }

    private static async Task AssertTamperedAsync(byte[] ciphertext, byte[]? sha256 = null, byte[]? key = null)
    {
        var ex = await Assert.ThrowsAsync<BlobUnreadableException>(() => DecryptAsync(ciphertext, sha256, key));
        Assert.Equal(BlobUnreadableCodes.Tampered, ex.Code);
        Assert.Contains(BlobId.ToString(), ex.Message, StringComparison.Ordinal);
    }

    private static byte[] Plaintext(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
    }

    private static byte[] ChunkAt(byte[] ciphertext, int index) => ciphertext.AsSpan(BlobCipher.HeaderLength + (index * Framed), Framed).ToArray();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(Chunk - 1)]
    [InlineData(Chunk)]
    [InlineData(Chunk + 1)]
    [InlineData(3 * Chunk)]
    [InlineData(1000)]
    public async Task RoundTrip_SmallChunks_ReturnsPlaintext(int length)
    {
        var plaintext = Plaintext(length);
        var (ciphertext, sha256) = Encrypt(plaintext);

        Assert.Equal(plaintext, await DecryptAsync(ciphertext, sha256));
        Assert.Equal(SHA256.HashData(ciphertext), sha256);
    }

    [Fact]
    public async Task RoundTrip_MultiMegabyteDefaultChunks_ReturnsPlaintext()
    {
        var plaintext = Plaintext((3 * 1024 * 1024) + 12345);
        var (ciphertext, sha256) = Encrypt(plaintext, chunkSize: BlobCipher.DefaultChunkSize);

        Assert.Equal(plaintext, await DecryptAsync(ciphertext, sha256));
    }

    [Fact]
    public void Encrypt_Empty_IsHeaderPlusOneEmptyLastChunk() =>
        Assert.Equal(BlobCipher.HeaderLength + BlobCipher.TagLength, Encrypt([]).Ciphertext.Length);

    [Fact]
    public void Encrypt_WholeChunks_EndsWithEmptyLastChunk()
    {
        // A full chunk is never the last, so 3 full chunks need a 4th, empty, last one.
        var (ciphertext, _) = Encrypt(Plaintext(3 * Chunk));
        Assert.Equal(BlobCipher.HeaderLength + (3 * Framed) + BlobCipher.TagLength, ciphertext.Length);
    }

    [Fact]
    public void Encrypt_SamePlaintextTwice_DiffersAndHidesPlaintext()
    {
        var plaintext = "Jan Voorbeeld, +31 6 00000000, jan@klant.example"u8.ToArray();
        var (first, _) = Encrypt(plaintext);
        var (second, _) = Encrypt(plaintext);

        Assert.NotEqual(first, second); // random salt and nonce prefix per blob
        Assert.Equal(-1, first.AsSpan().IndexOf("Voorbeeld"u8));
    }

    [Fact]
    public async Task Decrypt_WrongKey_Tampered() =>
        await AssertTamperedAsync(Encrypt(Plaintext(200)).Ciphertext, key: RandomNumberGenerator.GetBytes(BlobCipher.KeyLength));

    [Theory]
    [InlineData(0)] // magic
    [InlineData(4)] // version
    [InlineData(8)] // chunk size
    [InlineData(12)] // data key id
    [InlineData(30)] // blob id
    [InlineData(45)] // salt
    [InlineData(60)] // nonce prefix
    [InlineData(BlobCipher.HeaderLength + 3)] // first chunk's ciphertext
    [InlineData(BlobCipher.HeaderLength + Chunk + 2)] // first chunk's tag
    [InlineData(BlobCipher.HeaderLength + (2 * Framed) + 10)] // a middle chunk
    [InlineData(BlobCipher.HeaderLength + (3 * Framed) + 5)] // the short last chunk
    public async Task Decrypt_OneBitFlipped_Tampered(int offset)
    {
        var (ciphertext, _) = Encrypt(Plaintext((3 * Chunk) + 20));
        ciphertext[offset] ^= 0x01;

        // Without the recorded hash too: the chunk tags alone must catch it.
        await AssertTamperedAsync(ciphertext);
    }

    [Fact]
    public async Task Decrypt_TruncatedAtChunkBoundary_Tampered()
    {
        var (ciphertext, _) = Encrypt(Plaintext((3 * Chunk) + 20));

        // Drop the last chunk: what is left is 3 valid full chunks, none marked last.
        await AssertTamperedAsync(ciphertext[..(BlobCipher.HeaderLength + (3 * Framed))]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(BlobCipher.HeaderLength)] // header only
    [InlineData(BlobCipher.HeaderLength + 8)] // less than a tag
    [InlineData(BlobCipher.HeaderLength + Framed + 30)] // inside the second chunk
    public async Task Decrypt_TruncatedAnywhere_Tampered(int length)
    {
        var (ciphertext, _) = Encrypt(Plaintext((3 * Chunk) + 20));
        await AssertTamperedAsync(ciphertext[..length]);
    }

    [Fact]
    public async Task Decrypt_EmptyBlobWithLastChunkRemoved_Tampered() =>
        await AssertTamperedAsync(Encrypt([]).Ciphertext[..BlobCipher.HeaderLength]);

    [Fact]
    public async Task Decrypt_LastByteRemoved_Tampered()
    {
        var (ciphertext, _) = Encrypt(Plaintext(3 * Chunk));
        await AssertTamperedAsync(ciphertext[..^1]);
    }

    [Fact]
    public async Task Decrypt_BytesAppended_Tampered()
    {
        var (ciphertext, _) = Encrypt(Plaintext((2 * Chunk) + 7));
        await AssertTamperedAsync([.. ciphertext, 0x00]);
        await AssertTamperedAsync([.. ciphertext, .. ChunkAt(ciphertext, 0)]);
    }

    [Fact]
    public async Task Decrypt_ChunksReordered_Tampered()
    {
        var (ciphertext, _) = Encrypt(Plaintext((3 * Chunk) + 20));
        var swapped = ciphertext.ToArray();
        ChunkAt(ciphertext, 1).CopyTo(swapped, BlobCipher.HeaderLength + (2 * Framed));
        ChunkAt(ciphertext, 2).CopyTo(swapped, BlobCipher.HeaderLength + Framed);

        await AssertTamperedAsync(swapped);
    }

    [Fact]
    public async Task Decrypt_MiddleChunkRemoved_Tampered()
    {
        var (ciphertext, _) = Encrypt(Plaintext((3 * Chunk) + 20));
        byte[] shortened = [.. ciphertext[..(BlobCipher.HeaderLength + Framed)], .. ciphertext[(BlobCipher.HeaderLength + (2 * Framed))..]];

        await AssertTamperedAsync(shortened);
    }

    [Fact]
    public async Task Decrypt_ChunkFromAnotherBlobSameKeySameIndex_Tampered()
    {
        // Same data key, same blob id even, same plaintext and position: only the per-blob salt and nonce prefix differ.
        var plaintext = Plaintext((3 * Chunk) + 20);
        var (ciphertext, _) = Encrypt(plaintext);
        var (other, _) = Encrypt(plaintext);
        var mixed = ciphertext.ToArray();
        ChunkAt(other, 1).CopyTo(mixed, BlobCipher.HeaderLength + Framed);

        await AssertTamperedAsync(mixed);
    }

    [Fact]
    public async Task Decrypt_HeaderFromAnotherBlob_Tampered()
    {
        var plaintext = Plaintext((2 * Chunk) + 20);
        var (ciphertext, _) = Encrypt(plaintext);
        var (other, _) = Encrypt(plaintext);
        var mixed = ciphertext.ToArray();
        other.AsSpan(0, BlobCipher.HeaderLength).CopyTo(mixed);

        await AssertTamperedAsync(mixed);
    }

    [Fact]
    public async Task Decrypt_ContentOfAnotherBlobUnderSameKey_Tampered()
    {
        // A whole, valid content presented as another blob's: the header names the blob it was written for.
        var (otherBlob, sha256) = Encrypt(Plaintext(100), blobId: Guid.NewGuid());
        await AssertTamperedAsync(otherBlob, sha256);
    }

    [Fact]
    public async Task Decrypt_RecordedHashDiffers_TamperedAtEnd()
    {
        var (ciphertext, sha256) = Encrypt(Plaintext(100));
        sha256[0] ^= 0x01;

        await AssertTamperedAsync(ciphertext, sha256);
    }

    [Fact]
    public void NewHeader_ChunkSizeOutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BlobCipher.NewHeader(KeyId, BlobId, BlobCipher.MinChunkSize - 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => BlobCipher.NewHeader(KeyId, BlobId, BlobCipher.MaxChunkSize + 1));
    }

    [Fact]
    public void Header_Layout_IsAsDocumented()
    {
        var header = BlobCipher.NewHeader(KeyId, BlobId, 65536);

        Assert.Equal(BlobCipher.HeaderLength, header.Length);
        Assert.Equal("CSTB"u8.ToArray(), header[..4]);
        Assert.Equal(1, header[4]);
        Assert.Equal(new byte[] { 0, 1, 0, 0 }, header[5..9]);
        Assert.Equal(KeyId.ToByteArray(bigEndian: true), header[9..25]);
        Assert.Equal(BlobId.ToByteArray(bigEndian: true), header[25..41]);
        Assert.Equal(new BlobHeader(65536, KeyId, BlobId), BlobCipher.TryParseHeader(header));
    }

    [Fact]
    public async Task RoundTrip_64MegabytesThroughBothStreams_AllocatesLessThanOneMegabyte()
    {
        const long length = 64L * 1024 * 1024;
        var source = new PatternStream(length);
        var encrypting = new BlobEncryptingStream(source, Key, KeyId, BlobId, BlobCipher.DefaultChunkSize);
        await using var decrypting = await BlobDecryptingStream.OpenAsync(encrypting, Key, KeyId, BlobId, null, TestContext.Current.CancellationToken);
        using var sink = new HashingSink();

        // Synchronous reads stay on this thread, so the thread's allocation counter sees all of the work.
        var before = GC.GetAllocatedBytesForCurrentThread();
        decrypting.CopyTo(sink, 81920);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(length, sink.Length);
        Assert.Equal(new PatternStream(length).Sha256(), sink.Sha256());
        Assert.True(allocated < 1024 * 1024, $"allocated {allocated} bytes for a {length}-byte blob");
    }

    /// <summary>A non-seekable stream of <c>length</c> deterministic bytes, generated on the fly.</summary>
    private sealed class PatternStream(long length) : Stream
    {
        private long _position;

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            for (var i = 0; i < n; i++)
            {
                var p = _position + i;
                buffer[offset + i] = (byte)((p * 31) ^ (p >> 11));
            }

            _position += n;
            return n;
        }

        public byte[] Sha256()
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[81920];
            int n;
            while ((n = Read(buffer, 0, buffer.Length)) > 0)
            {
                hash.AppendData(buffer, 0, n);
            }

            return hash.GetHashAndReset();
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed class HashingSink : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public override long Length => _length;

        private long _length;

        public byte[] Sha256() => _hash.GetHashAndReset();

        public override void Write(byte[] buffer, int offset, int count)
        {
            _hash.AppendData(buffer, offset, count);
            _length += count;
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _hash.AppendData(buffer);
            _length += buffer.Length;
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Position { get => _length; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _hash.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
