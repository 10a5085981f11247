using System.Runtime.InteropServices;

namespace Custodian.Core.Features.Blobs;

/// <summary>
/// The content store in a folder (by default <c>&lt;data&gt;/blobs</c>). Layout: <c>ab/cd/abcd…</c> (two levels of
/// two-character shards from the key, so no folder grows past a few thousand entries) and <c>tmp/</c> for writes in
/// progress. A write goes to a temp file, is fsynced, renamed to its final name (never replacing an existing one) and
/// the folder is fsynced, so the name appears only for complete, durable content (security.md §3, I-6/I-7).
/// </summary>
internal sealed class FileSystemBlobStore : IBlobStore
{
    private const string TempFolderName = "tmp";
    private const string TempSuffix = ".tmp";

    public FileSystemBlobStore(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    /// <summary>Where the content of <paramref name="key"/> lives (whether or not it exists).</summary>
    public string PathOf(string key)
    {
        BlobStoreKeys.Validate(key);
        return Path.Combine(Root, key[..2], key[2..4], key);
    }

    public async Task PutAsync(string key, Stream content, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(content);
        var finalPath = PathOf(key);
        if (File.Exists(finalPath))
        {
            throw new IOException($"the blob store already holds key {key}");
        }

        var tempFolder = Path.Combine(Root, TempFolderName);
        EnsureFolderDurably(tempFolder);
        var tempPath = Path.Combine(tempFolder, BlobStoreKeys.NewKey() + TempSuffix);
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                Options = FileOptions.Asynchronous,
            };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            await using (var file = new FileStream(tempPath, options))
            {
                await content.CopyToAsync(file, ct);
                await file.FlushAsync(ct);
                file.Flush(flushToDisk: true);
            }

            var folder = Path.GetDirectoryName(finalPath)!;
            EnsureFolderDurably(folder);
            File.Move(tempPath, finalPath, overwrite: false);
            FolderSync.Flush(folder);
        }
        catch
        {
            TryDelete(tempPath);
            throw;
        }
    }

    public Task<Stream?> OpenReadAsync(string key, CancellationToken ct)
    {
        var path = PathOf(key);
        try
        {
            Stream stream = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.Read | FileShare.Delete,
                Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
            });
            return Task.FromResult<Stream?>(stream);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
    }

    public Task<bool> DeleteAsync(string key, CancellationToken ct)
    {
        var path = PathOf(key);
        if (!File.Exists(path))
        {
            return Task.FromResult(false);
        }

        File.Delete(path);
        // A deletion is a promise too (erasure): make the removed name durable.
        FolderSync.Flush(Path.GetDirectoryName(path)!);
        return Task.FromResult(true);
    }

    /// <summary>
    /// Unlinks every file first, then flushes each folder once, 16 at a time (<see cref="FolderSync.FlushAll"/>). Keys
    /// are spread over 65,536 folders, so a sweep batch of 10,000 contents still touches ~9,000 of them: flushed one
    /// after another that took 25 s per batch here, each waiting for its own journal commit.
    /// </summary>
    public Task<int> DeleteManyAsync(IReadOnlyCollection<string> keys, CancellationToken ct)
    {
        var folders = new HashSet<string>(StringComparer.Ordinal);
        var removed = 0;
        foreach (var key in keys)
        {
            ct.ThrowIfCancellationRequested();
            var path = PathOf(key);
            if (!File.Exists(path))
            {
                continue;
            }

            File.Delete(path);
            folders.Add(Path.GetDirectoryName(path)!);
            removed++;
        }

        FolderSync.FlushAll(folders);
        return Task.FromResult(removed);
    }

    public Task<bool> ExistsAsync(string key, CancellationToken ct) => Task.FromResult(File.Exists(PathOf(key)));

    public IAsyncEnumerable<BlobStoreEntry> ListAsync(CancellationToken ct) => List(ct).ToAsyncEnumerable();

    private IEnumerable<BlobStoreEntry> List(CancellationToken ct)
    {
        if (!Directory.Exists(Root))
        {
            yield break;
        }

        foreach (var first in Directory.EnumerateDirectories(Root))
        {
            var firstName = Path.GetFileName(first);
            if (firstName.Length != 2) // skips tmp/
            {
                continue;
            }

            foreach (var second in Directory.EnumerateDirectories(first))
            {
                var secondName = Path.GetFileName(second);
                foreach (var file in new DirectoryInfo(second).EnumerateFiles())
                {
                    ct.ThrowIfCancellationRequested();
                    var key = file.Name;
                    // Only names this store could have written: anything else is not ours to report (or delete).
                    if (BlobStoreKeys.IsValid(key) && key.StartsWith(firstName + secondName, StringComparison.Ordinal))
                    {
                        yield return new BlobStoreEntry(key, file.Length, file.LastWriteTimeUtc);
                    }
                }
            }
        }
    }

    public Task<int> RemoveIncompleteWritesAsync(DateTimeOffset startedBefore, CancellationToken ct)
    {
        var tempFolder = new DirectoryInfo(Path.Combine(Root, TempFolderName));
        if (!tempFolder.Exists)
        {
            return Task.FromResult(0);
        }

        var removed = 0;
        foreach (var file in tempFolder.EnumerateFiles("*" + TempSuffix))
        {
            ct.ThrowIfCancellationRequested();
            // Creation time is not kept by every file system; the last write is the latest moment the write was alive.
            if (file.LastWriteTimeUtc < startedBefore.UtcDateTime && TryDelete(file.FullName))
            {
                removed++;
            }
        }

        return Task.FromResult(removed);
    }

    /// <summary>Creates the folder and its missing parents, fsyncing each parent so the new entries survive a crash.</summary>
    private void EnsureFolderDurably(string folder)
    {
        if (Directory.Exists(folder))
        {
            return;
        }

        var parent = Path.GetDirectoryName(folder);
        if (parent is not null && !string.Equals(folder, Root, StringComparison.Ordinal))
        {
            EnsureFolderDurably(parent);
        }

        Directory.CreateDirectory(folder);
        if (parent is not null)
        {
            FolderSync.Flush(parent);
        }
    }

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}

/// <summary>
/// fsync of a folder, so that a created, renamed or removed name in it is durable (POSIX: fsync on the file does not
/// cover its directory entry). .NET cannot open a folder as a <see cref="FileStream"/>, hence the libc calls.
/// On Windows there is no such call (NTFS journals its metadata) and this does nothing.
/// </summary>
internal static class FolderSync
{
    public static void Flush(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var fd = NativeMethods.open(System.Text.Encoding.UTF8.GetBytes(folder + "\0"), 0 /* O_RDONLY */);
        if (fd < 0)
        {
            throw FolderError("cannot open folder {0} to flush it", folder);
        }

        try
        {
            if (NativeMethods.fsync(fd) != 0)
            {
                throw FolderError("fsync of folder {0} failed", folder);
            }
        }
        finally
        {
            _ = NativeMethods.close(fd);
        }
    }

    /// <summary>
    /// The errno goes into <see cref="Exception.HResult"/> as .NET's own file errors carry it, so an I/O error, a full or
    /// read-only disk met here is classified like one met writing the file (<see cref="Custodian.Core.Common.StorageFaults"/>), not a bug.
    /// </summary>
    private static IOException FolderError(string format, string folder)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new IOException(string.Format(System.Globalization.CultureInfo.InvariantCulture, format + " (errno {1})", folder, errno), errno);
    }

    /// <summary>
    /// Makes the changes in many folders durable: each folder flushed once, several at a time (concurrent flushes share
    /// the file system's journal commits; one after another, each waited for its own). Not <c>syncfs</c>: on a shared
    /// disk it also waits for every other process's dirty data (seconds per batch measured here).
    /// </summary>
    public static void FlushAll(IReadOnlyCollection<string> folders)
    {
        if (OperatingSystem.IsWindows() || folders.Count == 0)
        {
            return;
        }

        Parallel.ForEach(folders, new ParallelOptions { MaxDegreeOfParallelism = 16 }, Flush);
    }

    private static class NativeMethods
    {

        [DllImport("libc", SetLastError = true)]
        internal static extern int open(byte[] nulTerminatedUtf8Path, int flags);

        [DllImport("libc", SetLastError = true)]
        internal static extern int fsync(int fd);

        [DllImport("libc", SetLastError = true)]
        internal static extern int close(int fd);
    }
}
