using System.Diagnostics;
using System.Globalization;
using Custodian.Core.Features.Register;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.Testing;

/// <summary>
/// Test images for the ID-copy pages: a white card with lines of text rendered by ImageMagick's <c>convert</c>, large
/// enough for the screening's OCR to read (a line like "Persoonsnummer 1234.56.782" holds a number passing the 11-proef).
/// </summary>
internal static class IdCopyCards
{
    /// <summary>Skips the test locally when convert or tesseract is missing; fails it when CI=true.</summary>
    public static void RequireTools()
    {
        foreach (var tool in new[] { "convert", "tesseract" })
        {
            var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Any(dir => File.Exists(Path.Combine(dir, tool)));
            if (!found)
            {
                Assert.SkipWhen(!string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase), tool + " is not installed");
                Assert.Fail(tool + " is not installed (CI=true: this test must run)");
            }
        }
    }

    /// <summary>A PNG card with <paramref name="lines"/> in DejaVu Sans 36 pt.</summary>
    public static byte[] Card(params string[] lines)
    {
        var dir = Directory.CreateTempSubdirectory("idcopy-card-");
        try
        {
            var output = Path.Combine(dir.FullName, "card.png");
            var start = new ProcessStartInfo("convert") { RedirectStandardError = true };
            foreach (var arg in new[] { "-size", "1200x" + (80 + (lines.Length * 70)).ToString(CultureInfo.InvariantCulture), "xc:white", "-font", "DejaVu-Sans", "-pointsize", "36", "-fill", "black" })
            {
                start.ArgumentList.Add(arg);
            }

            for (var i = 0; i < lines.Length; i++)
            {
                start.ArgumentList.Add("-annotate");
                start.ArgumentList.Add("+40+" + (90 + (i * 70)).ToString(CultureInfo.InvariantCulture));
                start.ArgumentList.Add(lines[i]);
            }

            start.ArgumentList.Add("png:" + output);
            using var process = Process.Start(start)!;
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, "convert failed: " + error);
            return File.ReadAllBytes(output);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}

/// <summary>Serves a register with <c>rights.verification.id_copy_fallback</c> on (off in the shipped one).</summary>
internal static class IdCopyFallback
{
    /// <summary>Call in <c>CustodianServer.StartAsync</c>'s configure: the last registration wins, the shipped register with only the switch on.</summary>
    public static void SwitchOn(IServiceCollection services)
    {
        var shipped = (ProcessingRegister)services.Last(d => d.ServiceType == typeof(ProcessingRegister)).ImplementationInstance!;
        services.AddSingleton(shipped with { Rights = shipped.Rights with { Verification = new RequestVerification(IdCopyFallback: true) } });
    }
}
