using System.Security.Cryptography;
using Custodian.Core.Common;

namespace Custodian.Core.Features.Blobs;

/// <summary>
/// A read-only stream that yields the encrypted form (<see cref="BlobCipher"/>) of the plaintext it pulls from a
/// source stream, one chunk at a time, so a content store can copy it like any other stream. It counts and hashes the
/// ciphertext as it goes; <see cref="Sha256"/> and the lengths are final once the stream reached its end.
/// The source is not disposed.
/// </summary>
internal sealed class BlobEncryptingStream : ReadOnlyStream
{
    private readonly Stream _source;
    private readonly AesGcm _aes;
    private readonly byte[] _header;
    private readonly int _chunkSize;
    private readonly byte[] _plain;
    private readonly byte[] _output;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private int _outputPosition;
    private int _outputLength;
    private uint _chunkIndex;
    private bool _lastChunkWritten;
    private byte[]? _sha256;

    /// <summary>Encrypts <c>source</c> under <c>dataKey</c> (32 bytes; not kept, only the derived per-blob key is).</summary>
    public BlobEncryptingStream(Stream source, ReadOnlySpan<byte> dataKey, Guid dataKeyId, Guid blobId, int chunkSize = BlobCipher.DefaultChunkSize)
    {
        ArgumentNullException.ThrowIfNull(source);
        _source = source;
        _chunkSize = chunkSize;
        _header = BlobCipher.NewHeader(dataKeyId, blobId, chunkSize);
        var blobKey = BlobCipher.DeriveBlobKey(dataKey, _header);
        _aes = new AesGcm(blobKey, BlobCipher.TagLength);
        CryptographicOperations.ZeroMemory(blobKey);
        _plain = new byte[chunkSize];
        _output = new byte[Math.Max(chunkSize + BlobCipher.TagLength, BlobCipher.HeaderLength)];
        _header.CopyTo(_output, 0);
        _outputLength = BlobCipher.HeaderLength;
        _hash.AppendData(_header);
        CiphertextLength = BlobCipher.HeaderLength;
    }

    /// <summary>Plaintext bytes read from the source so far.</summary>
    public long PlaintextLength { get; private set; }

    /// <summary>Ciphertext bytes produced so far (header included).</summary>
    public long CiphertextLength { get; private set; }

    /// <summary>SHA-256 of the whole ciphertext; available once the stream has been read to its end.</summary>
    public byte[] Sha256 => _sha256 ?? throw new InvalidOperationException("the blob has not been read to its end yet");

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_outputPosition == _outputLength && !_lastChunkWritten)
        {
            var read = _source.ReadAtLeast(_plain, _chunkSize, throwOnEndOfStream: false);
            EncryptChunk(read);
        }

        return CopyOut(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_outputPosition == _outputLength && !_lastChunkWritten)
        {
            var read = await _source.ReadAtLeastAsync(_plain, _chunkSize, throwOnEndOfStream: false, cancellationToken);
            EncryptChunk(read);
        }

        return CopyOut(buffer.Span);
    }

    private void EncryptChunk(int plaintextLength)
    {
        // A full chunk is never the last one: the last holds 0 .. C-1 bytes, so a reader can tell them apart by size.
        var last = plaintextLength < _chunkSize;
        if (!last && _chunkIndex == uint.MaxValue)
        {
            throw new InvalidOperationException("the blob is too large for the chunk counter");
        }

        Span<byte> nonce = stackalloc byte[BlobCipher.NonceLength];
        BlobCipher.ChunkNonce(_header, _chunkIndex, last, nonce);
        _aes.Encrypt(
            nonce,
            _plain.AsSpan(0, plaintextLength),
            _output.AsSpan(0, plaintextLength),
            _output.AsSpan(plaintextLength, BlobCipher.TagLength),
            _header);
        CryptographicOperations.ZeroMemory(_plain.AsSpan(0, plaintextLength));

        _outputPosition = 0;
        _outputLength = plaintextLength + BlobCipher.TagLength;
        _hash.AppendData(_output, 0, _outputLength);
        PlaintextLength += plaintextLength;
        CiphertextLength += _outputLength;
        _chunkIndex++;
        if (last)
        {
            _lastChunkWritten = true;
            _sha256 = _hash.GetHashAndReset();
        }
    }

    private int CopyOut(Span<byte> buffer)
    {
        var n = Math.Min(buffer.Length, _outputLength - _outputPosition);
        _output.AsSpan(_outputPosition, n).CopyTo(buffer);
        _outputPosition += n;
        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _aes.Dispose();
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }
}
