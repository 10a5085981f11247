using Custodian.Core.Common;
using Custodian.Core.Features.Blobs;
using Xunit;

namespace Custodian.IntegrationTests.Blobs;

/// <summary>What only the file-system store promises (layout, temp files, modes); the shared contract is <see cref="BlobStoreContractTests"/>.</summary>
public sealed class FileSystemBlobStoreTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("custodian-blobstore.");
    private readonly FileSystemBlobStore _store;

    public FileSystemBlobStoreTests() => _store = new FileSystemBlobStore(Path.Combine(_folder.FullName, "blobs"));

    public void Dispose() => _folder.Delete(recursive: true);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string TempFolder => Path.Combine(_store.Root, "tmp");

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        await using (stream)
        {
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, Ct);
            return buffer.ToArray();
        }
    }

    [Fact]
    public async Task PutAsync_ThenOpenRead_ReturnsContentUnderShardedPath()
    {
        var key = BlobStoreKeys.NewKey();
        byte[] content = [1, 2, 3, 4, 5];

        await _store.PutAsync(key, new MemoryStream(content), Ct);

        Assert.Equal(content, await ReadAllAsync((await _store.OpenReadAsync(key, Ct))!));
        Assert.True(await _store.ExistsAsync(key, Ct));
        Assert.Equal(Path.Combine(_store.Root, key[..2], key[2..4], key), _store.PathOf(key));
        Assert.True(File.Exists(_store.PathOf(key)));
        Assert.Empty(Directory.GetFiles(TempFolder));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_store.PathOf(key)));
        }
    }

    [Fact]
    public async Task PutAsync_ExistingKey_ThrowsAndKeepsContent()
    {
        var key = BlobStoreKeys.NewKey();
        await _store.PutAsync(key, new MemoryStream([1]), Ct);

        await Assert.ThrowsAsync<IOException>(() => _store.PutAsync(key, new MemoryStream([2]), Ct));

        Assert.Equal([1], await ReadAllAsync((await _store.OpenReadAsync(key, Ct))!));
        Assert.Empty(Directory.GetFiles(TempFolder));
    }

    [Fact]
    public async Task PutAsync_WhileWriting_NothingVisibleUnderFinalName()
    {
        var key = BlobStoreKeys.NewKey();
        var observations = new List<bool>();
        var source = new ObservingStream(100_000, () => observations.Add(File.Exists(_store.PathOf(key))));

        await _store.PutAsync(key, source, Ct);

        Assert.True(observations.Count > 3);
        Assert.All(observations, Assert.False);
        Assert.Equal(100_000, (await ReadAllAsync((await _store.OpenReadAsync(key, Ct))!)).Length);
    }

    [Fact]
    public async Task PutAsync_SourceFailsMidway_NoFileUnderFinalNameAndNoTempLeft()
    {
        var key = BlobStoreKeys.NewKey();
        var source = new ObservingStream(100_000, () => { }, failAfter: 50_000);

        await Assert.ThrowsAsync<IOException>(() => _store.PutAsync(key, source, Ct));

        Assert.False(await _store.ExistsAsync(key, Ct));
        Assert.Null(await _store.OpenReadAsync(key, Ct));
        Assert.Empty(Directory.GetFiles(TempFolder));
        Assert.Empty(await _store.ListAsync(Ct).ToListAsync(Ct));
    }

    [Fact]
    public async Task ListAsync_CompleteWritesOnly()
    {
        var keys = new[] { BlobStoreKeys.NewKey(), BlobStoreKeys.NewKey(), BlobStoreKeys.NewKey() };
        foreach (var key in keys)
        {
            await _store.PutAsync(key, new MemoryStream([1, 2]), Ct);
        }

        // Leftovers that are not the store's complete contents: a write in progress and a stranger's file.
        await File.WriteAllBytesAsync(Path.Combine(TempFolder, "0123456789abcdef.tmp"), [9], Ct);
        await File.WriteAllBytesAsync(Path.Combine(Path.GetDirectoryName(_store.PathOf(keys[0]))!, "notes.txt"), [9], Ct);

        var listed = await _store.ListAsync(Ct).ToListAsync(Ct);

        Assert.Equal(keys.Order(StringComparer.Ordinal), listed.Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.All(listed, e => Assert.Equal(2, e.Length));
    }

    [Fact]
    public async Task RemoveIncompleteWritesAsync_RemovesOldTempFilesOnly()
    {
        await _store.PutAsync(BlobStoreKeys.NewKey(), new MemoryStream([1]), Ct); // creates tmp/
        var old = Path.Combine(TempFolder, "00000000000000000000000000000001.tmp");
        var recent = Path.Combine(TempFolder, "00000000000000000000000000000002.tmp");
        await File.WriteAllBytesAsync(old, [1], Ct);
        await File.WriteAllBytesAsync(recent, [1], Ct);
        var now = TimeProvider.System.GetUtcNow();
        File.SetLastWriteTimeUtc(old, now.AddHours(-2).UtcDateTime);

        Assert.Equal(1, await _store.RemoveIncompleteWritesAsync(now.AddHours(-1), Ct));
        Assert.False(File.Exists(old));
        Assert.True(File.Exists(recent));
    }

    /// <summary>A source of <c>length</c> bytes that calls <c>onRead</c> on every read, and can fail part-way.</summary>
    internal sealed class ObservingStream(int length, Action onRead, int failAfter = int.MaxValue) : ReadOnlyStream
    {
        private int _position;

        public override int Read(byte[] buffer, int offset, int count)
        {
            onRead();
            if (_position >= failAfter)
            {
                throw new IOException("source failed (test)");
            }

            var n = Math.Min(Math.Min(count, 8192), length - _position);
            Array.Fill(buffer, (byte)0x5a, offset, n);
            _position += n;
            return n;
        }

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    }
}
