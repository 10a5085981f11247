using System.Diagnostics;
using System.Globalization;
using System.Text;
using Custodian.Core.Features.Requests.IdCopies;
using Xunit;

namespace Custodian.Core.Tests.Requests.IdCopies;

/// <summary>
/// Builds the test files: images rendered by ImageMagick's <c>convert</c> (SkiaSharp would pull ~470 MB of native
/// assets into bin unless every project got a RuntimeIdentifier, see the report), and PDFs written by hand (Debian's
/// ImageMagick policy forbids writing PDF).
/// </summary>
internal static class IdCopyCorpus
{
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Skips the test locally when <paramref name="tool"/> is not on the PATH; fails it when CI=true.</summary>
    public static void RequireTool(string tool, string package)
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, tool)));
        if (found)
        {
            return;
        }

        var reason = $"{tool} is not installed (apt-get install {package}); ID-copy screening tests need it.";
        if (IsCi)
        {
            Assert.Fail(reason + " (CI=true: these tests must run, not skip.)");
        }

        Assert.Skip(reason);
    }

    public static void RequireScreeningTools()
    {
        RequireTool("tesseract", "tesseract-ocr tesseract-ocr-nld");
        RequireTool("pdftoppm", "poppler-utils");
        RequireTool("pdfinfo", "poppler-utils");
    }

    /// <summary>A white card with lines of text in DejaVu Sans, optionally with black boxes (x, y, w, h) drawn over it.</summary>
    public static byte[] RenderCard(string[] lines, string format = "png", (int X, int Y, int W, int H)[]? boxes = null)
    {
        RequireTool("convert", "imagemagick");
        var dir = Directory.CreateTempSubdirectory("idcopy-test-");
        try
        {
            var output = Path.Combine(dir.FullName, "card." + format);
            var args = new List<string> { "-size", "1200x" + (80 + (lines.Length * 70)).ToString(CultureInfo.InvariantCulture), "xc:white", "-font", "DejaVu-Sans", "-pointsize", "36", "-fill", "black" };
            for (var i = 0; i < lines.Length; i++)
            {
                args.AddRange(["-annotate", "+40+" + (90 + (i * 70)).ToString(CultureInfo.InvariantCulture), lines[i]]);
            }

            foreach (var (x, y, w, h) in boxes ?? [])
            {
                args.AddRange(["-draw", string.Create(CultureInfo.InvariantCulture, $"rectangle {x},{y} {x + w},{y + h}")]);
            }

            args.Add(format + ":" + output);
            Run("convert", args);
            return File.ReadAllBytes(output);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>A small plain image (no text) in the given format.</summary>
    public static byte[] Plain(string format, int width = 64, int height = 48)
    {
        RequireTool("convert", "imagemagick");
        var dir = Directory.CreateTempSubdirectory("idcopy-test-");
        try
        {
            var output = Path.Combine(dir.FullName, "plain." + format);
            Run("convert", ["-size", string.Create(CultureInfo.InvariantCulture, $"{width}x{height}"), "gradient:skyblue-white", format + ":" + output]);
            return File.ReadAllBytes(output);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>A PDF with one page per entry, each page showing the entry's lines in Helvetica.</summary>
    public static byte[] Pdf(params string[][] pages)
    {
        var objects = new List<string>
        {
            "<< /Type /Catalog /Pages 2 0 R >>",
            "", // pages, filled below
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        };
        var kids = new List<int>();
        foreach (var lines in pages)
        {
            var content = new StringBuilder("BT /F1 24 Tf 60 760 Td 30 TL\n");
            foreach (var line in lines)
            {
                content.Append('(').Append(line).Append(") Tj T*\n");
            }

            content.Append("ET");
            objects.Add(string.Create(CultureInfo.InvariantCulture, $"<< /Length {content.Length} >>\nstream\n{content}\nendstream"));
            var contentId = objects.Count;
            objects.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents {contentId} 0 R >>"));
            kids.Add(objects.Count);
        }

        objects[1] = string.Create(
            CultureInfo.InvariantCulture,
            $"<< /Type /Pages /Kids [{string.Join(' ', kids.Select(k => k.ToString(CultureInfo.InvariantCulture) + " 0 R"))}] /Count {kids.Count} >>");

        var pdf = new StringBuilder("%PDF-1.4\n");
        var offsets = new List<int>();
        for (var i = 0; i < objects.Count; i++)
        {
            offsets.Add(pdf.Length);
            pdf.Append(CultureInfo.InvariantCulture, $"{i + 1} 0 obj\n{objects[i]}\nendobj\n");
        }

        var xref = pdf.Length;
        pdf.Append(CultureInfo.InvariantCulture, $"xref\n0 {objects.Count + 1}\n0000000000 65535 f \n");
        foreach (var offset in offsets)
        {
            pdf.Append(CultureInfo.InvariantCulture, $"{offset:D10} 00000 n \n");
        }

        pdf.Append(CultureInfo.InvariantCulture, $"trailer\n<< /Size {objects.Count + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        return Encoding.ASCII.GetBytes(pdf.ToString());
    }

    /// <summary>The PDF encrypted with qpdf (AES-256, a user password), or null when qpdf is not installed.</summary>
    public static byte[]? Encrypt(byte[] pdf)
    {
        RequireTool("qpdf", "qpdf");
        var dir = Directory.CreateTempSubdirectory("idcopy-test-");
        try
        {
            var input = Path.Combine(dir.FullName, "in.pdf");
            var output = Path.Combine(dir.FullName, "out.pdf");
            File.WriteAllBytes(input, pdf);
            Run("qpdf", ["--encrypt", "user-secret", "owner-secret", "256", "--", input, output]);
            return File.ReadAllBytes(output);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>
    /// <paramref name="jpeg"/> with an APP1 Exif segment inserted after SOI, holding a GPS IFD (latitude ref "N") and
    /// <paramref name="canary"/> as the camera make, so a test can look for either in the output.
    /// </summary>
    public static byte[] WithExifGps(byte[] jpeg, string canary)
    {
        // TIFF, big-endian: IFD0 with Make (0x010F, ASCII) and GPSInfo (0x8825, LONG offset); GPS IFD with GPSLatitudeRef.
        var make = Encoding.ASCII.GetBytes(canary + "\0");
        var tiff = new List<byte>();
        void U16(int v) => tiff.AddRange([(byte)(v >> 8), (byte)v]);
        void U32(int v) => tiff.AddRange([(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v]);
        tiff.AddRange("MM"u8.ToArray());
        U16(42);
        U32(8);
        const int Ifd0Size = 2 + (2 * 12) + 4;
        var gpsOffset = 8 + Ifd0Size;
        const int GpsIfdSize = 2 + 12 + 4;
        var makeOffset = gpsOffset + GpsIfdSize;
        U16(2);
        U16(0x010F); U16(2); U32(make.Length); U32(makeOffset);
        U16(0x8825); U16(4); U32(1); U32(gpsOffset);
        U32(0);
        U16(1);
        U16(0x0001); U16(2); U32(2); tiff.AddRange("N\0\0\0"u8.ToArray());
        U32(0);
        tiff.AddRange(make);

        var payload = "Exif\0\0"u8.ToArray().Concat(tiff).ToArray();
        var length = payload.Length + 2;
        return [.. jpeg[..2], 0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. payload, .. jpeg[2..]];
    }

    public static async Task<IdCopyScreeningResult> ScreenAsync(byte[] content, string name) =>
        await new IdCopyScreening().ScreenAsync(new MemoryStream(content), name, TestContext.Current.CancellationToken);

    private static void Run(string program, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{program} failed: {stderr}");
    }
}
