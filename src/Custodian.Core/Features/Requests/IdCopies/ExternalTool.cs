using System.ComponentModel;
using System.Diagnostics;

namespace Custodian.Core.Features.Requests.IdCopies;

/// <summary>The result of one run of an external program: its exit code and standard output.</summary>
internal sealed record ToolRun(int ExitCode, string StandardOutput, string StandardError);

/// <summary>
/// Runs a command-line tool (pdfinfo, pdftoppm, tesseract) with arguments passed as a list (never through a shell) and
/// a hard timeout after which the whole process tree is killed. Null means the tool is missing or timed out: the
/// caller fails closed.
/// </summary>
internal static class ExternalTool
{
    /// <param name="program">The tool (a name on the PATH or a path).</param>
    /// <param name="arguments">Its arguments, passed as a list.</param>
    /// <param name="timeout">After this the process tree is killed and the result is null.</param>
    /// <param name="memoryLimitBytes">
    /// When set, the tool runs under <c>prlimit --as</c> (util-linux, Essential in Debian) so a hostile file (a PDF
    /// whose streams inflate to gigabytes) makes the tool fail instead of exhausting the machine's memory.
    /// </param>
    /// <param name="ct">Cancels the run (the process tree is killed).</param>
    public static async Task<ToolRun?> RunAsync(
        string program, IEnumerable<string> arguments, TimeSpan timeout, long? memoryLimitBytes, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(memoryLimitBytes is null ? program : "prlimit")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (memoryLimitBytes is { } limitBytes)
        {
            psi.ArgumentList.Add("--as=" + limitBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
            psi.ArgumentList.Add("--");
            psi.ArgumentList.Add(program);
        }

        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        // Tesseract would otherwise start one thread per core per call; the screening runs calls one at a time.
        psi.Environment["OMP_THREAD_LIMIT"] = "1";

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException($"{program} did not start");
        }
        catch (Win32Exception)
        {
            return null; // not installed
        }

        using (process)
        {
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(timeout);
            try
            {
                await process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // already exited
                }

                await process.WaitForExitAsync(CancellationToken.None);
                ct.ThrowIfCancellationRequested();
                return null;
            }

            return new ToolRun(process.ExitCode, await stdout, await stderr);
        }
    }
}
