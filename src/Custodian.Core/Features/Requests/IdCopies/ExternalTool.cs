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
    public static async Task<ToolRun?> RunAsync(string program, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
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
