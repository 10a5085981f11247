using System.Diagnostics;
using Xunit;

namespace Custodian.Testing;

/// <summary>
/// libfiu (Debian packages <c>fiu-utils</c>, <c>libfiu0</c>): a child started through <see cref="Wrapper"/> (<c>fiu-run -x</c>,
/// the POSIX preload library, which execs the program so the child keeps its process id) gets real errno failures from
/// libc calls switched on and off while it runs (<c>fiu-ctrl</c> over named pipes under <see cref="FifoPrefix"/>).
/// Missing: the test skips with the reason, and fails under <c>CI=true</c> (test.sh installs the packages as root).
/// </summary>
internal sealed class Libfiu
{
    /// <summary>
    /// The libc calls that write file contents or flush them. Not <c>write</c>: .NET and SQLite write regular files with
    /// pwrite64/pwritev64 (their imported symbols), while <c>write</c> carries the console log; sockets use send/sendmsg.
    /// </summary>
    public static readonly IReadOnlyList<string> FileWrites = ["posix/io/rw/pwrite", "posix/io/rw/pwritev", "posix/io/sync/fsync", "posix/io/sync/fdatasync"];

    private const string Run = "/usr/bin/fiu-run";
    private const string Control = "/usr/bin/fiu-ctrl";
    private const string Preload = "/usr/lib/fiu/fiu_posix_preload.so";

    private Libfiu(string fifoPrefix) => FifoPrefix = fifoPrefix;

    public string FifoPrefix { get; }

    /// <summary>The command line to put before the program.</summary>
    public IReadOnlyList<string> Wrapper => [Run, "-x", "-f", FifoPrefix];

    /// <summary>libfiu with its control pipes in <paramref name="folder"/>, or skip/fail when it is not installed.</summary>
    public static Libfiu Require(string folder)
    {
        if (!File.Exists(Run) || !File.Exists(Control) || !File.Exists(Preload))
        {
            var reason = "libfiu is not installed (apt-get install fiu-utils libfiu0): the I/O-error fault tests need it.";
            if (TestDatabase.IsCi)
            {
                Assert.Fail(reason + " (CI=true: the fault tests must run, not skip.)");
            }

            Assert.Skip(reason);
        }

        return new Libfiu(Path.Combine(folder, "fiu"));
    }

    /// <summary>From now on each of <paramref name="points"/> fails in process <paramref name="pid"/> with errno <paramref name="errno"/>.</summary>
    public Task EnableAsync(int pid, IEnumerable<string> points, int errno) =>
        ControlAsync(pid, points.Select(p => $"enable name={p},failinfo={errno}"));

    public Task DisableAsync(int pid, IEnumerable<string> points) =>
        ControlAsync(pid, points.Select(p => $"disable name={p}"));

    private async Task ControlAsync(int pid, IEnumerable<string> commands)
    {
        var start = new ProcessStartInfo(Control) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in commands.SelectMany(c => new[] { "-c", c }).Concat(["-f", FifoPrefix, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        // fiu-ctrl exits 0 even when the child refused a command; it says so on its output.
        if (process.ExitCode != 0 || (output + error).Contains("error", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"fiu-ctrl failed ({process.ExitCode}): {output}{error}");
        }
    }
}
