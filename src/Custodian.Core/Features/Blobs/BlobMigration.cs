using System.Security.Cryptography;

namespace Custodian.Core.Features.Blobs;

/// <summary>What <see cref="BlobMigration.CopyAsync"/> did.</summary>
/// <param name="Copied">Contents copied and verified (length and SHA-256 of the ciphertext read back from the target).</param>
/// <param name="Skipped">Contents the target already held with the same length (an earlier, interrupted run).</param>
/// <param name="Mismatched">Keys whose target copy differs (length, or hash after copying); such a fresh bad copy is removed again.</param>
/// <param name="BytesCopied">Bytes of ciphertext copied by this run.</param>
/// <param name="DeletedFromSource">Source contents removed (only with deleteSource, and only when nothing mismatched).</param>
internal sealed record BlobMigrationResult(int Copied, int Skipped, IReadOnlyList<string> Mismatched, long BytesCopied, int DeletedFromSource)
{
    public bool Verified => Mismatched.Count == 0;
}

/// <summary>
/// Copies every content of one blob store to another (file system ⇄ S3). Ciphertext is copied as is: the data keys, the
/// key store and the database rows do not change, so crypto-shredding holds unchanged. Streaming (one content at a
/// time, never whole in memory beyond the S3 store's part buffer), resumable (a key the target already holds with the
/// same length is skipped; a target write is atomic, so no half copy can exist under a key), verified (each copy is
/// read back and compared by length and SHA-256 with what was read from the source). The source is only emptied on
/// request and only after every key verified: skipped keys are then hashed on both sides too.
/// <para>
/// Contents written to the source after the listing began are not copied: run it with the writers stopped (or run it
/// again after switching the configuration: it then copies only what is missing).
/// </para>
/// </summary>
internal static class BlobMigration
{
    public static async Task<BlobMigrationResult> CopyAsync(IBlobStore source, IBlobStore target, bool deleteSource, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);

        // The target's keys and lengths once, rather than a request per key (an S3 HEAD each).
        var existing = new Dictionary<string, long>(StringComparer.Ordinal);
        await foreach (var entry in target.ListAsync(ct))
        {
            existing[entry.Key] = entry.Length;
        }

        int copied = 0, skipped = 0;
        long bytes = 0;
        var mismatched = new List<string>();
        var done = new List<string>();
        await foreach (var entry in source.ListAsync(ct))
        {
            if (existing.TryGetValue(entry.Key, out var length))
            {
                if (length != entry.Length)
                {
                    mismatched.Add(entry.Key);
                    continue;
                }

                if (deleteSource && !await SameContentAsync(source, target, entry.Key, ct))
                {
                    mismatched.Add(entry.Key);
                    continue;
                }

                skipped++;
                done.Add(entry.Key);
                continue;
            }

            var read = await CopyOneAsync(source, target, entry.Key, ct);
            if (read is null)
            {
                continue; // removed from the source meanwhile (a sweep): nothing to copy
            }

            var written = await HashAsync(target, entry.Key, ct);
            if (written is null || written.Value.Length != read.Value.Length || !written.Value.Hash.AsSpan().SequenceEqual(read.Value.Hash))
            {
                mismatched.Add(entry.Key);
                await target.DeleteAsync(entry.Key, ct); // a bad copy must not look like a finished one to the next run
                continue;
            }

            copied++;
            bytes += read.Value.Length;
            done.Add(entry.Key);
        }

        var deleted = 0;
        if (deleteSource && mismatched.Count == 0)
        {
            foreach (var batch in done.Chunk(1000))
            {
                deleted += await source.DeleteManyAsync(batch, ct);
            }
        }

        return new BlobMigrationResult(copied, skipped, mismatched, bytes, deleted);
    }

    private static async Task<(long Length, byte[] Hash)?> CopyOneAsync(IBlobStore source, IBlobStore target, string key, CancellationToken ct)
    {
        var stream = await source.OpenReadAsync(key, ct);
        if (stream is null)
        {
            return null;
        }

        await using (stream)
        {
            using var hashing = new HashingReadStream(stream);
            await target.PutAsync(key, hashing, ct);
            return (hashing.BytesRead, hashing.Finish());
        }
    }

    private static async Task<(long Length, byte[] Hash)?> HashAsync(IBlobStore store, string key, CancellationToken ct)
    {
        var stream = await store.OpenReadAsync(key, ct);
        if (stream is null)
        {
            return null;
        }

        await using (stream)
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[81920];
            long length = 0;
            int n;
            while ((n = await stream.ReadAsync(buffer, ct)) > 0)
            {
                sha.AppendData(buffer, 0, n);
                length += n;
            }

            return (length, sha.GetHashAndReset());
        }
    }

    private static async Task<bool> SameContentAsync(IBlobStore source, IBlobStore target, string key, CancellationToken ct)
    {
        var a = await HashAsync(source, key, ct);
        var b = await HashAsync(target, key, ct);
        return a is not null && b is not null && a.Value.Length == b.Value.Length && a.Value.Hash.AsSpan().SequenceEqual(b.Value.Hash);
    }

    /// <summary>Passes a stream through, hashing and counting what was read.</summary>
    private sealed class HashingReadStream(Stream inner) : Stream
    {
        private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public long BytesRead { get; private set; }

        public byte[] Finish() => _sha.GetHashAndReset();

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = inner.Read(buffer);
            _sha.AppendData(buffer[..n]);
            BytesRead += n;
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await inner.ReadAsync(buffer, cancellationToken);
            _sha.AppendData(buffer.Span[..n]);
            BytesRead += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

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

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _sha.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
