using System.Security.Cryptography;
using Custodian.Core.Common;

namespace Custodian.Core.Features.Store;

/// <summary>An upload grew past its limit while it was read; whatever was stored of it is rolled back.</summary>
internal sealed class UploadTooLargeException(long limit)
    : IOException($"The upload is larger than the limit of {limit} bytes.")
{
    public long Limit { get; } = limit;
}

/// <summary>
/// The content of an upload as it streams in: the sniffed first bytes are replayed, then the rest of the request
/// body. Counts the bytes (throws <see cref="UploadTooLargeException"/> past the limit, so memory and disk use are
/// bounded whatever the client says its length is) and hashes them (SHA-256) for idempotent replays. Read-only,
/// forward-only; read it once.
/// </summary>
internal sealed class UploadContent : ReadOnlyStream
{
    private readonly Stream _body;
    private readonly byte[] _prefix;
    private readonly long _limit;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private int _prefixPosition;
    private long _read;
    private byte[]? _sha256;

    private UploadContent(Stream body, byte[] prefix, long limit, ContentType type)
    {
        _body = body;
        _prefix = prefix;
        _limit = limit;
        Type = type;
    }

    /// <summary>The accepted type the content was checked to be.</summary>
    public ContentType Type { get; }

    /// <summary>Bytes read so far (the whole content once <see cref="Completed"/>).</summary>
    public long BytesRead => _read;

    public bool Completed => _sha256 is not null;

    /// <summary>Hex SHA-256 of the whole content; only after it was read to its end.</summary>
    public string Sha256Hex => _sha256 is { } h ? Convert.ToHexStringLower(h) : throw new InvalidOperationException("The content has not been read to its end.");

    /// <summary>
    /// Checks the declared type against <paramref name="rule"/> and the first bytes against that type's signature, and
    /// returns the content ready to stream, or the problem: 415 (type not allowed, bytes do not match), 413 (too large
    /// already within the sniffed bytes), 400 (empty).
    /// </summary>
    public static async Task<StoreResult<UploadContent>> OpenAsync(
        Stream body, string? declaredContentType, ContentRule rule, long limit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(rule);
        var type = rule.Declared(declaredContentType);
        if (type is null)
        {
            return new UnsupportedContentError(
                "upload.type_not_allowed",
                $"Send the content with a Content-Type the {rule.Name} rule allows: {rule.AllowedList}.");
        }

        var buffer = new byte[ContentRules.SniffLength];
        var filled = 0;
        int n;
        while (filled < buffer.Length && (n = await body.ReadAsync(buffer.AsMemory(filled), ct)) > 0)
        {
            filled += n;
        }

        var complete = filled < buffer.Length;
        if (filled == 0)
        {
            return new ValidationError([new FieldError("content", "upload.empty", "The request body (the content) is empty.")]);
        }

        if (filled > limit)
        {
            return new ContentTooLargeError(limit);
        }

        var prefix = buffer.AsMemory(0, filled);
        if (!type.Matches(prefix, complete))
        {
            return new UnsupportedContentError(
                "upload.content_mismatch",
                $"The content is not {type.MediaType.Split(';')[0]} as declared: {type.Signature} (the {rule.Name} rule checks the bytes, not the name or the declared type).");
        }

        return new UploadContent(body, buffer[..filled], limit, type);
    }

    /// <summary>Reads the rest of the content without keeping it (a replayed idempotent upload), so that its hash is known.</summary>
    public Task DrainAsync(CancellationToken ct) => CopyToAsync(Null, ct);

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        var n = _prefixPosition < _prefix.Length ? TakePrefix(buffer) : _body.Read(buffer);
        return Account(buffer[..n]);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        var n = _prefixPosition < _prefix.Length ? TakePrefix(buffer.Span) : await _body.ReadAsync(buffer, cancellationToken);
        return Account(buffer.Span[..n]);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }

    private int TakePrefix(Span<byte> buffer)
    {
        var n = Math.Min(buffer.Length, _prefix.Length - _prefixPosition);
        _prefix.AsSpan(_prefixPosition, n).CopyTo(buffer);
        _prefixPosition += n;
        return n;
    }

    private int Account(ReadOnlySpan<byte> chunk)
    {
        if (chunk.IsEmpty)
        {
            _sha256 ??= _hash.GetHashAndReset();
            return 0;
        }

        _read += chunk.Length;
        if (_read > _limit)
        {
            throw new UploadTooLargeException(_limit);
        }

        _hash.AppendData(chunk);
        return chunk.Length;
    }
}
