using System.Diagnostics;
using System.Globalization;
using Xunit;

namespace Custodian.Testing;

/// <summary>
/// A small tmpfs of the test's own, to make the disk under a data folder fill up or turn read-only for real
/// (<c>mount -t tmpfs</c>, <c>mount -o remount,size=|ro|rw</c>). Needs root: skips with the reason when not root,
/// and fails under <c>CI=true</c> (as the PostgreSQL tests do), because CI runs as root and must run these.
/// </summary>
internal sealed class Tmpfs : IAsyncDisposable
{
    private Tmpfs(string path) => Path = path;

    public string Path { get; }

    /// <summary>Bytes in use on the file system.</summary>
    public long Used
    {
        get
        {
            var drive = new DriveInfo(Path);
            return drive.TotalSize - drive.AvailableFreeSpace;
        }
    }

    public static async Task<Tmpfs> MountAsync(long bytes)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            var reason = "Mounting a tmpfs to fill or freeze a disk needs root.";
            if (TestDatabase.IsCi)
            {
                Assert.Fail(reason + " (CI=true: the fault tests must run, not skip.)");
            }

            Assert.Skip(reason);
        }

        var dir = Directory.CreateTempSubdirectory("custodian-tmpfs.").FullName;
        try
        {
            await MountCommandAsync("-t", "tmpfs", "-o", $"size={Kilobytes(bytes)}k,mode=0755", "tmpfs", dir);
        }
        catch
        {
            Directory.Delete(dir);
            throw;
        }

        return new Tmpfs(dir);
    }

    /// <summary>Changes the size (smaller than in use is refused by the kernel; use <see cref="Used"/> + room).</summary>
    public Task ResizeAsync(long bytes) => MountCommandAsync("-o", $"remount,size={Kilobytes(bytes)}k", Path);

    /// <summary>Read-only: fails while a file is open for writing (close the database's pooled connections first).</summary>
    public Task ReadOnlyAsync() => MountCommandAsync("-o", "remount,ro", Path);

    public Task ReadWriteAsync() => MountCommandAsync("-o", "remount,rw", Path);

    public async ValueTask DisposeAsync()
    {
        // Lazy: a pooled connection still holding a file must not make the clean-up fail the test.
        await RunAsync("umount", "-l", Path);
        Directory.Delete(Path);
    }

    private static string Kilobytes(long bytes) => ((bytes + 1023) / 1024).ToString(CultureInfo.InvariantCulture);

    private static Task MountCommandAsync(params string[] args) => RunAsync("mount", args);

    private static async Task RunAsync(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {tool}.");
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', args)} failed ({process.ExitCode.ToString(CultureInfo.InvariantCulture)}): {error}");
        }
    }
}
