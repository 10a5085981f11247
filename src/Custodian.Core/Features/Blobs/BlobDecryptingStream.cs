using System.Security.Cryptography;
using Custodian.Core.Common;

namespace Custodian.Core.Features.Blobs;

/// <summary>
/// A read-only stream of the plaintext of an encrypted blob (<see cref="BlobCipher"/>), verified chunk by chunk.
/// <see cref="OpenAsync"/> checks the header and decrypts the first chunk, so a wrong key or a damaged header fails
/// there; damage further on throws <see cref="BlobUnreadableException"/> (<see cref="BlobUnreadableCodes.Tampered"/>)
/// from the read that reaches it, after earlier chunks were already returned. The ciphertext stream is owned and
/// disposed with this one.
/// </summary>
internal sealed class BlobDecryptingStream : ReadOnlyStream
{
    private readonly Stream _ciphertext;
    private readonly AesGcm _aes;
    private readonly byte[] _header;
    private readonly int _chunkSize;
    private readonly Guid _blobId;
    private readonly byte[]? _expectedSha256;
    private readonly byte[] _chunk;
    private readonly byte[] _plain;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private int _plainPosition;
    private int _plainLength;
    private uint _chunkIndex;
    private bool _lastChunkRead;

    private BlobDecryptingStream(Stream ciphertext, byte[] header, BlobHeader parsed, ReadOnlySpan<byte> dataKey, byte[]? expectedSha256)
    {
        _ciphertext = ciphertext;
        _header = header;
        _chunkSize = parsed.ChunkSize;
        _blobId = parsed.BlobId;
        _expectedSha256 = expectedSha256;
        var blobKey = BlobCipher.DeriveBlobKey(dataKey, header);
        _aes = new AesGcm(blobKey, BlobCipher.TagLength);
        CryptographicOperations.ZeroMemory(blobKey);
        _chunk = new byte[_chunkSize + BlobCipher.TagLength];
        _plain = new byte[_chunkSize];
        _hash.AppendData(header);
    }

    /// <summary>
    /// Reads and checks the header against the expected data key and blob ids, derives the blob key and decrypts the
    /// first chunk. Takes ownership of <c>ciphertext</c> (disposed on failure too). <c>expectedSha256</c> is the
    /// ciphertext hash recorded at write time, checked when the end is reached (null skips it).
    /// </summary>
    public static async Task<BlobDecryptingStream> OpenAsync(
        Stream ciphertext, ReadOnlyMemory<byte> dataKey, Guid expectedDataKeyId, Guid expectedBlobId, byte[]? expectedSha256, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        BlobDecryptingStream? stream = null;
        try
        {
            var header = new byte[BlobCipher.HeaderLength];
            var read = await ciphertext.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, ct);
            var parsed = read == header.Length ? BlobCipher.TryParseHeader(header) : null;
            if (parsed is null)
            {
                throw Tampered(expectedBlobId, "the header is missing or not a version-1 blob header");
            }

            if (parsed.DataKeyId != expectedDataKeyId || parsed.BlobId != expectedBlobId)
            {
                throw Tampered(expectedBlobId, "the content belongs to another blob or data key");
            }

            stream = new BlobDecryptingStream(ciphertext, header, parsed, dataKey.Span, expectedSha256);
            await stream.FillAsync(useAsync: true, ct);
            return stream;
        }
        catch
        {
            if (stream is not null)
            {
                await stream.DisposeAsync();
            }
            else
            {
                await ciphertext.DisposeAsync();
            }

            throw;
        }
    }

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (_plainPosition == _plainLength && !_lastChunkRead && buffer.Length > 0)
        {
            // The synchronous path never awaits anything incomplete (useAsync: false), so this does not block on a task.
            FillAsync(useAsync: false, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        }

        return CopyOut(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // Loop: a non-last chunk may be empty only in theory (full chunks hold C >= 64 bytes), the last may be empty.
        while (_plainPosition == _plainLength && !_lastChunkRead && buffer.Length > 0)
        {
            await FillAsync(useAsync: true, cancellationToken);
        }

        return CopyOut(buffer.Span);
    }

    private async ValueTask FillAsync(bool useAsync, CancellationToken ct)
    {
        var wanted = _chunkSize + BlobCipher.TagLength;
        var read = useAsync
            ? await _ciphertext.ReadAtLeastAsync(_chunk, wanted, throwOnEndOfStream: false, ct)
            : _ciphertext.ReadAtLeast(_chunk, wanted, throwOnEndOfStream: false);

        // Only a short read (end of stream) can be the last chunk; a stream that ends after a full chunk was truncated.
        if (read < BlobCipher.TagLength)
        {
            throw Tampered(_blobId, $"the content ends before its last chunk (after chunk {_chunkIndex})");
        }

        var last = read < wanted;
        var plaintextLength = read - BlobCipher.TagLength;
        Span<byte> nonce = stackalloc byte[BlobCipher.NonceLength];
        BlobCipher.ChunkNonce(_header, _chunkIndex, last, nonce);
        try
        {
            _aes.Decrypt(
                nonce,
                _chunk.AsSpan(0, plaintextLength),
                _chunk.AsSpan(plaintextLength, BlobCipher.TagLength),
                _plain.AsSpan(0, plaintextLength),
                _header);
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw Tampered(_blobId, $"chunk {_chunkIndex} fails authentication", ex);
        }

        _hash.AppendData(_chunk, 0, read);
        _plainPosition = 0;
        _plainLength = plaintextLength;
        _chunkIndex++;
        if (last)
        {
            _lastChunkRead = true;
            var sha256 = _hash.GetHashAndReset();
            if (_expectedSha256 is not null && !CryptographicOperations.FixedTimeEquals(sha256, _expectedSha256))
            {
                // Every chunk authenticated, yet the bytes differ from what was stored: not the content we wrote.
                throw Tampered(_blobId, "the content's SHA-256 differs from the one recorded when it was stored");
            }
        }
        else if (_chunkIndex == 0)
        {
            throw Tampered(_blobId, "the content has more chunks than the format allows");
        }
    }

    private int CopyOut(Span<byte> buffer)
    {
        var n = Math.Min(buffer.Length, _plainLength - _plainPosition);
        _plain.AsSpan(_plainPosition, n).CopyTo(buffer);
        _plainPosition += n;
        return n;
    }

    private static BlobUnreadableException Tampered(Guid blobId, string why, Exception? inner = null) =>
        new(BlobUnreadableCodes.Tampered, $"blob {blobId} is unreadable: {why}.", inner);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            CryptographicOperations.ZeroMemory(_plain);
            _aes.Dispose();
            _hash.Dispose();
            _ciphertext.Dispose();
        }

        base.Dispose(disposing);
    }
}
