using System.Buffers;
using System.Net;
using System.Runtime.CompilerServices;
using Amazon.S3;
using Amazon.S3.Model;

namespace Custodian.Core.Features.Blobs;

/// <summary>
/// The content store in an S3 bucket (AWS or an S3-compatible server), under an optional key prefix. Objects are named
/// <c>&lt;prefix&gt;&lt;key&gt;</c>; callers store ciphertext only (<see cref="EncryptedBlobs"/>), so the bucket holds
/// nothing readable without the key store.
/// <para>
/// Traps this class avoids (toolchain.md §5): every <see cref="PutObjectRequest"/> and <see cref="UploadPartRequest"/>
/// sets <c>UseChunkEncoding = false</c>: over plain http the SDK otherwise sends <c>aws-chunked</c> bodies with chunk
/// signatures, and some servers (s3rver) store that framing as the content, with no error. <c>TransferUtility</c> is
/// not used: it has no such switch.
/// </para>
/// <para>
/// Writes: content up to <see cref="S3BlobStoreOptions.PartSize"/> is buffered and sent in one PutObject; larger
/// content goes as a multipart upload, one part at a time (memory: one part), aborted on failure. An S3 object appears
/// whole or not at all, and is durable when the server acknowledges it, which is the contract's atomic durable write.
/// </para>
/// <para>
/// "Throws if the key already exists": a HEAD before the write, and (<see cref="S3BlobStoreOptions.ConditionalWrites"/>)
/// <c>If-None-Match: *</c> on the PutObject / CompleteMultipartUpload so a server that honours it refuses a replace
/// atomically. A server that ignores the header (s3rver does) leaves a race between HEAD and PUT; callers use
/// <see cref="BlobStoreKeys.NewKey"/> (128 random bits), so two writers never pick one key in practice.
/// </para>
/// </summary>
internal sealed class S3BlobStore : IBlobStore, IDisposable
{
    private readonly IAmazonS3 _client;
    private readonly bool _ownsClient;
    private readonly S3BlobStoreOptions _options;
    private readonly string _prefix;

    public S3BlobStore(S3BlobStoreOptions options)
        : this(options, (options ?? throw new ArgumentNullException(nameof(options))).CreateClient(), ownsClient: true)
    {
    }

    public S3BlobStore(S3BlobStoreOptions options, IAmazonS3 client, bool ownsClient = false)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(client);
        options.Validate();
        _options = options;
        _client = client;
        _ownsClient = ownsClient;
        _prefix = options.NormalizedPrefix;
    }

    public string Bucket => _options.Bucket;

    public string Prefix => _prefix;

    /// <summary>The object name of <paramref name="key"/> in the bucket.</summary>
    public string ObjectKeyOf(string key)
    {
        BlobStoreKeys.Validate(key);
        return _prefix + key;
    }

    public async Task PutAsync(string key, Stream content, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(content);
        var objectKey = ObjectKeyOf(key);
        if (await ExistsAsync(key, ct))
        {
            throw new IOException($"the blob store already holds key {key}");
        }

        var buffer = ArrayPool<byte>.Shared.Rent(_options.PartSize);
        try
        {
            var n = await ReadFullAsync(content, buffer, _options.PartSize, ct);
            if (n < _options.PartSize)
            {
                await PutSingleAsync(key, objectKey, buffer, n, ct);
            }
            else
            {
                await PutMultipartAsync(key, objectKey, content, buffer, n, ct);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task PutSingleAsync(string key, string objectKey, byte[] buffer, int length, CancellationToken ct)
    {
        var request = new PutObjectRequest
        {
            BucketName = _options.Bucket,
            Key = objectKey,
            InputStream = new MemoryStream(buffer, 0, length, writable: false),
            UseChunkEncoding = false, // see the class comment: else some servers store the chunk framing as content
            ContentType = "application/octet-stream",
        };
        if (_options.ConditionalWrites)
        {
            request.IfNoneMatch = "*";
        }

        try
        {
            await _client.PutObjectAsync(request, ct);
        }
        catch (AmazonS3Exception e) when (IsAlreadyExists(e))
        {
            throw new IOException($"the blob store already holds key {key}", e);
        }
    }

    private async Task PutMultipartAsync(string key, string objectKey, Stream content, byte[] buffer, int first, CancellationToken ct)
    {
        var initiated = await _client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
        {
            BucketName = _options.Bucket,
            Key = objectKey,
            ContentType = "application/octet-stream",
        }, ct);
        var uploadId = initiated.UploadId;
        try
        {
            var parts = new List<PartETag>();
            var n = first;
            while (n > 0)
            {
                var partNumber = parts.Count + 1;
                var response = await _client.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = _options.Bucket,
                    Key = objectKey,
                    UploadId = uploadId,
                    PartNumber = partNumber,
                    InputStream = new MemoryStream(buffer, 0, n, writable: false),
                    PartSize = n,
                    UseChunkEncoding = false, // see the class comment
                }, ct);
                parts.Add(new PartETag(partNumber, response.ETag));
                n = await ReadFullAsync(content, buffer, _options.PartSize, ct);
            }

            var complete = new CompleteMultipartUploadRequest
            {
                BucketName = _options.Bucket,
                Key = objectKey,
                UploadId = uploadId,
                PartETags = parts,
            };
            if (_options.ConditionalWrites)
            {
                complete.IfNoneMatch = "*";
            }

            await _client.CompleteMultipartUploadAsync(complete, ct);
        }
        catch (Exception e)
        {
            // The parts are invisible but billed until aborted. If the abort fails too (or the process dies here),
            // RemoveIncompleteWritesAsync (or a bucket lifecycle rule) removes them later.
            await TryAbortAsync(objectKey, uploadId);
            if (e is AmazonS3Exception s3 && IsAlreadyExists(s3))
            {
                throw new IOException($"the blob store already holds key {key}", e);
            }

            throw;
        }
    }

    private async Task<bool> TryAbortAsync(string objectKey, string uploadId)
    {
        try
        {
            // Not the caller's token: a cancelled write must still clean up.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest
            {
                BucketName = _options.Bucket,
                Key = objectKey,
                UploadId = uploadId,
            }, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is AmazonS3Exception or HttpRequestException or OperationCanceledException)
        {
            return false;
        }
    }

    public async Task<Stream?> OpenReadAsync(string key, CancellationToken ct)
    {
        var objectKey = ObjectKeyOf(key);
        try
        {
            var response = await _client.GetObjectAsync(_options.Bucket, objectKey, ct);
            return new ResponseStream(response);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<bool> DeleteAsync(string key, CancellationToken ct)
    {
        var objectKey = ObjectKeyOf(key);
        // S3's DELETE succeeds whether or not the object was there; the contract reports whether it was.
        if (!await ExistsAsync(key, ct))
        {
            return false;
        }

        await _client.DeleteObjectAsync(_options.Bucket, objectKey, ct);
        return true;
    }

    /// <summary>
    /// HEADs the keys (eight at a time, to report how many existed), then removes the existing ones with DeleteObjects
    /// in batches of 1000 (S3's maximum). Any key the server reports as not deleted fails the call.
    /// </summary>
    public async Task<int> DeleteManyAsync(IReadOnlyCollection<string> keys, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(keys);
        foreach (var key in keys)
        {
            BlobStoreKeys.Validate(key);
        }

        var existing = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(keys.Distinct(StringComparer.Ordinal), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct },
            async (key, token) =>
            {
                if (await ExistsAsync(key, token))
                {
                    existing.Add(key);
                }
            });

        foreach (var batch in existing.Chunk(1000))
        {
            var response = await _client.DeleteObjectsAsync(new DeleteObjectsRequest
            {
                BucketName = _options.Bucket,
                Objects = batch.Select(k => new KeyVersion { Key = _prefix + k }).ToList(),
                Quiet = true,
            }, ct);
            if (response.DeleteErrors is { Count: > 0 } errors)
            {
                throw new IOException($"the S3 store could not delete {errors.Count} of {batch.Length} objects (first: {errors[0].Code})");
            }
        }

        return existing.Count;
    }

    public async Task<bool> ExistsAsync(string key, CancellationToken ct)
    {
        var objectKey = ObjectKeyOf(key);
        try
        {
            await _client.GetObjectMetadataAsync(_options.Bucket, objectKey, ct);
            return true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>
    /// Every object directly under the prefix whose name is a store key (nothing else in the bucket is ours). Pages with
    /// <c>StartAfter</c> = the last name seen rather than continuation tokens: equivalent on S3 (names come in UTF-8
    /// order) and it needs nothing from the server beyond the basic listing.
    /// </summary>
    public async IAsyncEnumerable<BlobStoreEntry> ListAsync([EnumeratorCancellation] CancellationToken ct)
    {
        string? after = null;
        while (true)
        {
            var page = await _client.ListObjectsV2Async(new ListObjectsV2Request
            {
                BucketName = _options.Bucket,
                Prefix = _prefix,
                MaxKeys = _options.ListPageSize,
                StartAfter = after,
            }, ct);
            var objects = page.S3Objects ?? [];
            foreach (var o in objects)
            {
                var key = o.Key[_prefix.Length..];
                if (BlobStoreKeys.IsValid(key))
                {
                    yield return new BlobStoreEntry(key, o.Size ?? 0, ToOffset(o.LastModified));
                }
            }

            if (page.IsTruncated != true || objects.Count == 0)
            {
                yield break;
            }

            after = objects[^1].Key;
        }
    }

    /// <summary>
    /// Aborts the multipart uploads under the prefix initiated before <paramref name="startedBefore"/> (a crash or a
    /// failed abort during <see cref="PutAsync"/>). A server without ListMultipartUploads (s3rver answers
    /// NotImplemented) reports 0; there, and as a second line on AWS, a bucket lifecycle rule
    /// <c>AbortIncompleteMultipartUpload</c> does the same (docs/object-storage.md).
    /// </summary>
    public async Task<int> RemoveIncompleteWritesAsync(DateTimeOffset startedBefore, CancellationToken ct)
    {
        var removed = 0;
        string? keyMarker = null, uploadIdMarker = null;
        while (true)
        {
            ListMultipartUploadsResponse page;
            try
            {
                page = await _client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest
                {
                    BucketName = _options.Bucket,
                    Prefix = _prefix,
                    KeyMarker = keyMarker,
                    UploadIdMarker = uploadIdMarker,
                }, ct);
            }
            catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotImplemented || e.ErrorCode == "NotImplemented")
            {
                return removed;
            }

            foreach (var upload in page.MultipartUploads ?? [])
            {
                if (upload.Key.Length > _prefix.Length && BlobStoreKeys.IsValid(upload.Key[_prefix.Length..])
                    && upload.Initiated is { } initiated && ToOffset(initiated) < startedBefore
                    && await TryAbortAsync(upload.Key, upload.UploadId))
                {
                    removed++;
                }
            }

            if (page.IsTruncated != true)
            {
                return removed;
            }

            keyMarker = page.NextKeyMarker;
            uploadIdMarker = page.NextUploadIdMarker;
        }
    }

    public void Dispose()
    {
        if (_ownsClient)
        {
            _client.Dispose();
        }
    }

    private static bool IsAlreadyExists(AmazonS3Exception e) =>
        e.StatusCode is HttpStatusCode.PreconditionFailed || e.ErrorCode is "PreconditionFailed" or "ConditionalRequestConflict";

    private static DateTimeOffset ToOffset(DateTime? time) => time is { } t
        ? new DateTimeOffset(t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : t.ToUniversalTime())
        : DateTimeOffset.MinValue;

    private static async Task<int> ReadFullAsync(Stream source, byte[] buffer, int count, CancellationToken ct)
    {
        var total = 0;
        while (total < count)
        {
            var n = await source.ReadAsync(buffer.AsMemory(total, count - total), ct);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    /// <summary>The object's body; disposing it also disposes the response (and returns its connection).</summary>
    private sealed class ResponseStream(GetObjectResponse response) : Stream
    {
        private readonly Stream _inner = response.ResponseStream;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => response.ContentLength;

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => _inner.Read(buffer);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            _inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            _inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
                response.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
