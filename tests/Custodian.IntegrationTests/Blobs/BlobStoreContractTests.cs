using Custodian.Core.Common;
using Custodian.Core.Features.Blobs;
using Custodian.Testing;
using Xunit;

namespace Custodian.IntegrationTests.Blobs;

/// <summary>The <see cref="IBlobStore"/> contract, one body for every store (file system, S3 on s3rver).</summary>
public sealed class BlobStoreContractTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        await using (stream)
        {
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, Ct);
            return buffer.ToArray();
        }
    }

    [Theory, AllBlobStores]
    public async Task PutAsync_ThenOpenRead_ReturnsContent(BlobStoreKind kind)
    {
        await using var t = await TestBlobStore.CreateAsync(kind);
        var key = BlobStoreKeys.NewKey();
        byte[] content = [1, 2, 3, 4, 5];

        await t.Store.PutAsync(key, new MemoryStream(content), Ct);

        Assert.Equal(content, await ReadAllAsync((await t.Store.OpenReadAsync(key, Ct))!));
        Assert.True(await t.Store.ExistsAsync(key, Ct));
    }

    [Theory, AllBlobStores]
    public async Task PutAsync_ExistingKey_ThrowsAndKeepsContent(BlobStoreKind kind)
    {
        await using var t = await TestBlobStore.CreateAsync(kind);
        var key = BlobStoreKeys.NewKey();
        await t.Store.PutAsync(key, new MemoryStream([1]), Ct);

        await Assert.ThrowsAsync<IOException>(() => t.Store.PutAsync(key, new MemoryStream([2]), Ct));

        Assert.Equal([1], await ReadAllAsync((await t.Store.OpenReadAsync(key, Ct))!));
    }

    [Theory, AllBlobStores]
    public async Task PutAsync_SourceFailsMidway_NothingUnderKey(BlobStoreKind kind)
    {
        await using var t = await TestBlobStore.CreateAsync(kind);
        var key = BlobStoreKeys.NewKey();
        // Past the first S3 part (5 MiB in the tests): the failure hits a multipart upload, which must be aborted.
        var source = new FileSystemBlobStoreTests.ObservingStream(7_000_000, () => { }, failAfter: 6_000_000);

        await Assert.ThrowsAsync<IOException>(() => t.Store.PutAsync(key, source, Ct));

        Assert.False(await t.Store.ExistsAsync(key, Ct));
        Assert.Null(await t.Store.OpenReadAsync(key, Ct));
        Assert.Empty(await t.Store.ListAsync(Ct).ToListAsync(Ct));
    }

    [Theory, AllBlobStores]
    public async Task PutAsync_MultipartSize_ByteExactRoundTrip(BlobStoreKind kind)
    {
        await using var t = await TestBlobStore.CreateAsync(kind);
        var key = BlobStoreKeys.NewKey();
        // 12 MB of non-repeating bytes in an unseekable stream: three parts on S3. Chunk-encoded uploads (the SDK's
        // default over http) would store framing around each part, and the hash would differ.
        var content = new byte[12_000_000];
        new Random(8).NextBytes(content);

        await t.Store.PutAsync(key, new UnseekableStream(content), Ct);

        var read = await ReadAllAsync((await t.Store.OpenReadAsync(key, Ct))!);
        Assert.Equal(content.Length, read.Length);
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(content), System.Security.Cryptography.SHA256.HashData(read));
        Assert.Equal(content.Length, Assert.Single(await t.Store.ListAsync(Ct).ToListAsync(Ct)).Length);
    }

    [Theory, AllBlobStores]
    public async Task PutAsync_Empty_StoresEmptyContent(BlobStoreKind kind)
    {
        await using var t = await TestBlobStore.CreateAsync(kind);
        var key = BlobStoreKeys.NewKey();

        await t.Store.PutAsync(key, new MemoryStream(), Ct);

        Assert.Empty(await ReadAllAsync((await t.Store.OpenReadAsync(key, Ct))!));
    }

    [Theory, AllBlobStores]
    public async Task DeleteAsync_Twice_SecondReportsNothing(BlobStoreKind kind)
    {
        await using var t = await TestBlobStore.CreateAsync(kind);
        var key = BlobStoreKeys.NewKey();
        await t.Store.PutAsync(key, new MemoryStream([7]), Ct);

        Assert.True(await t.Store.DeleteAsync(key, Ct));
        Assert.False(await t.Store.DeleteAsync(key, Ct));
        Assert.False(await t.Store.ExistsAsync(key, Ct));
        Assert.Null(await t.Store.OpenReadAsync(key, Ct));
    }

    [Theory, AllBlobStores]
    public async Task DeleteManyAsync_SomeMissing_CountsExistingAndRemovesThem(BlobStoreKind kind)
    {
        await using var t = await TestBlobStore.CreateAsync(kind);
        var keys = Enumerable.Range(0, 5).Select(_ => BlobStoreKeys.NewKey()).ToList();
        foreach (var key in keys.Take(3))
        {
            await t.Store.PutAsync(key, new MemoryStream([1]), Ct);
        }

        Assert.Equal(3, await t.Store.DeleteManyAsync(keys, Ct));
        Assert.Empty(await t.Store.ListAsync(Ct).ToListAsync(Ct));
    }

    [Theory, AllBlobStores]
    public async Task OpenReadAsync_NeverStored_Null(BlobStoreKind kind)
    {
        await using var t = await TestBlobStore.CreateAsync(kind);
        Assert.Null(await t.Store.OpenReadAsync(BlobStoreKeys.NewKey(), Ct));
    }

    [Theory, AllBlobStores]
    public async Task Operations_InvalidKey_Throw(BlobStoreKind kind)
    {
        await using var t = await TestBlobStore.CreateAsync(kind);
        foreach (var key in new[] { "../../etc/passwd", "ABCDEF0123456789", "abc", "abcdef01/23456789", "jan.voorbeeld@klant.example" })
        {
            await Assert.ThrowsAsync<ArgumentException>(() => t.Store.PutAsync(key, new MemoryStream([1]), Ct));
            await Assert.ThrowsAsync<ArgumentException>(() => t.Store.OpenReadAsync(key, Ct));
            await Assert.ThrowsAsync<ArgumentException>(() => t.Store.DeleteAsync(key, Ct));
        }
    }

    [Theory, AllBlobStores]
    public async Task ListAsync_ManyPages_EveryKeyOnce(BlobStoreKind kind)
    {
        // S3 lists 7 keys a page here, so 23 keys take four pages; a stranger's object beside the prefix is not ours.
        await using var t = await TestBlobStore.CreateAsync(kind, s3Prefix: "custodian/blobs", listPageSize: 7);
        var keys = Enumerable.Range(0, 23).Select(_ => BlobStoreKeys.NewKey()).ToList();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = Ct },
            async (key, ct) => await t.Store.PutAsync(key, new MemoryStream([1, 2]), ct));
        if (t.S3 is { } s3)
        {
            using var client = s3.CreateClient();
            await client.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest
            {
                BucketName = s3.Bucket,
                Key = "custodian/notes/0123456789abcdef",
                ContentBody = "not a blob",
                UseChunkEncoding = false,
            }, Ct);
        }

        var listed = await t.Store.ListAsync(Ct).ToListAsync(Ct);

        Assert.Equal(keys.Order(StringComparer.Ordinal), listed.Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.All(listed, e => Assert.Equal(2, e.Length));
    }

    [Theory, AllBlobStores]
    public async Task RemoveIncompleteWritesAsync_NothingIncomplete_RemovesNothing(BlobStoreKind kind)
    {
        await using var t = await TestBlobStore.CreateAsync(kind);
        var key = BlobStoreKeys.NewKey();
        await t.Store.PutAsync(key, new MemoryStream([1]), Ct);

        Assert.Equal(0, await t.Store.RemoveIncompleteWritesAsync(TimeProvider.System.GetUtcNow().AddHours(1), Ct));
        Assert.True(await t.Store.ExistsAsync(key, Ct));
    }

    /// <summary>The content as a stream that cannot seek and returns short reads, like a decrypting pipe.</summary>
    internal sealed class UnseekableStream(byte[] content) : ReadOnlyStream
    {
        private int _position;

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(Math.Min(count, 100_000), content.Length - _position);
            Array.Copy(content, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    }
}
