using System.Diagnostics;
using Custodian.Core.Common;

namespace Custodian.Testing.Crash;

/// <summary>What one <c>custodian</c> child process did.</summary>
/// <param name="Exit">Its exit code (137 = SIGKILL, by a fail point or from outside).</param>
/// <param name="KilledFromOutside">Whether <see cref="CrashChild.RunAsync"/> killed it after its delay.</param>
/// <param name="Output">Its standard output.</param>
/// <param name="Error">Its standard error.</param>
/// <param name="Elapsed">Process start to exit.</param>
internal sealed record ChildRun(int Exit, bool KilledFromOutside, string Output, string Error, TimeSpan Elapsed)
{
    /// <summary>Died by SIGKILL (a fail point or a kill from outside), not by finishing.</summary>
    public bool Killed => Exit == 137 || KilledFromOutside;
}

/// <summary>
/// Runs a real <c>custodian</c> child process (security.md C-01/C-02 crash tests): to the end, until it kills itself
/// at an armed fail point (<see cref="FailPoints"/>), or until this side sends SIGKILL after a delay. Shared by the
/// sweep harness (<c>PreparedSweep</c>) and the other crash harnesses (<c>PreparedImport</c>).
/// </summary>
internal static class CrashChild
{
    /// <summary>
    /// Names a ready-to-run publish of the same sources (<c>test.sh</c> makes one in <c>artifacts/test-custodian</c>):
    /// the third-party assemblies (EF Core, Npgsql, YamlDotNet) ship as IL only, so a child built plainly spends about
    /// half its 1.5 s start-up compiling them; precompiled it starts in about 0.8 s, and the suite starts hundreds.
    /// </summary>
    public const string ExecutableVariable = "CUSTODIAN_TEST_EXECUTABLE";

    /// <summary>
    /// The <c>custodian</c> executable children run: <see cref="ExecutableVariable"/> when set, else the one beside the
    /// running assembly (test and bench outputs both have it).
    /// </summary>
    public static string DefaultExecutable { get; } = Resolve();

    private static string Resolve()
    {
        if (Environment.GetEnvironmentVariable(ExecutableVariable) is not { Length: > 0 } path)
        {
            return Path.Combine(AppContext.BaseDirectory, "custodian");
        }

        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{ExecutableVariable} names {path}, which does not exist (test.sh publishes it; unset the variable to use the build output).");
        }

        // A publish made before the last change of the sources would test old code: the product's assemblies beside it
        // must not be older than those these tests were built with. (Dates, not module ids: the ready-to-run compile
        // gives its images ids of their own.)
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        foreach (var assembly in new[] { "custodian.dll", "Custodian.Core.dll" })
        {
            var built = Path.Combine(AppContext.BaseDirectory, assembly);
            if (File.Exists(built) && File.GetLastWriteTimeUtc(Path.Combine(folder, assembly)) < File.GetLastWriteTimeUtc(built))
            {
                throw new InvalidOperationException(
                    $"{ExecutableVariable} names {path}, which was published before the last build of these tests ({assembly} is older): publish it again (test.sh does) or unset the variable.");
            }
        }

        return Path.GetFullPath(path);
    }

    /// <summary>Runs <paramref name="executable"/> with <paramref name="args"/> and <paramref name="environment"/>.</summary>
    /// <param name="executable">The <c>custodian</c> executable.</param>
    /// <param name="args">Its arguments.</param>
    /// <param name="environment">Extra environment variables.</param>
    /// <param name="failPoint">Armed fail points (<c>name</c> or <c>name:n</c>, comma separated), or null.</param>
    /// <param name="killAfter">SIGKILL from outside after this delay if the process still runs, or null.</param>
    /// <param name="ct">Cancellation.</param>
    public static async Task<ChildRun> RunAsync(
        string executable, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment, string? failPoint, TimeSpan? killAfter, CancellationToken ct)
    {
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        if (failPoint is not null)
        {
            start.Environment[FailPoints.Variable] = failPoint;
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var clock = Stopwatch.StartNew();
        using var child = Process.Start(start)!;
        var output = child.StandardOutput.ReadToEndAsync(ct);
        var error = child.StandardError.ReadToEndAsync(ct);
        var killed = false;
        if (killAfter is { } delay)
        {
            // Awaited, not a blocking WaitForExit: the caller gets its task at once and can act while the child runs
            // (the lease test contends with it), and parallel trials hold no thread-pool thread while they wait.
            try
            {
                await child.WaitForExitAsync(ct).WaitAsync(delay, ct);
            }
            catch (TimeoutException)
            {
                child.Kill(); // SIGKILL: no clean-up, like a power cut
                killed = true;
            }
        }

        await child.WaitForExitAsync(ct);
        return new ChildRun(child.ExitCode, killed, await output, await error, clock.Elapsed);
    }

    /// <summary>Copies a folder tree (a template's data folder or SQLite database folder).</summary>
    public static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        }

        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
        }
    }
}
