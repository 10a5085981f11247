using System.Diagnostics;
using System.Text;
using Custodian.Core.Features.Requests.IdCopies;
using FsCheck.Fluent;
using StbImageSharp;
using Xunit;

namespace Custodian.IntegrationTests.Fuzz;

/// <summary>
/// ID-copy screening on mutated PNG, JPEG and PDF files and on noise: always a clear refusal (a known code, messages
/// in both languages) or an accepted, re-encoded PNG that decodes to the size it claims; never an exception or a hang.
/// OCR is replaced by <c>true</c> (it prints nothing): the fuzzing is about the decoders, and real OCR takes ~0.5 s a page.
/// </summary>
public sealed class UploadFuzzTests
{
    private static readonly HashSet<string> Codes =
    [
        IdCopyRejectionCodes.TooLarge, IdCopyRejectionCodes.Empty, IdCopyRejectionCodes.UnsupportedType, IdCopyRejectionCodes.TooManyPixels,
        IdCopyRejectionCodes.Corrupt, IdCopyRejectionCodes.TooManyPages, IdCopyRejectionCodes.PdfEncrypted, IdCopyRejectionCodes.BsnVisible,
        IdCopyRejectionCodes.Unreadable,
    ];

    private static IdCopyScreening Screening() => new(new IdCopyScreeningOptions
    {
        MaxBytes = 256 * 1024,
        TesseractPath = "true",
        PdfRasterLongSide = 120,
        PdfTimeout = TimeSpan.FromSeconds(5),
    });

    [Fact]
    public void ScreenAsync_MutatedImages_RefuseClearlyOrReencode()
    {
        var png = SmallPng();
        var jpeg = SmallJpeg();
        using var screening = Screening();
        Fuzz.Check("upload.images",
            Gen.Choose(0, int.MaxValue).Select(seed =>
            {
                var random = new System.Random(seed);
                return random.Next(5) switch
                {
                    0 => RandomBytes(random),
                    1 or 2 => Mutate.Bytes(png, random),
                    _ => jpeg is null ? Mutate.Bytes(png, random) : Mutate.Bytes(jpeg, random),
                };
            }),
            bytes => AssertScreenedAsync(screening, bytes),
            ciRuns: 300,
            shrink: Fuzz.ShrinkBytes,
            show: b => "Input (base64): " + Convert.ToBase64String(b.Length > 4096 ? b[..4096] : b));
    }

    [Fact]
    public void ScreenAsync_MutatedPdfs_RefuseClearlyOrReencode()
    {
        Assert.SkipWhen(!Installed("pdfinfo") && !IsCi, "poppler-utils is not installed");
        var pdf = SmallPdf();
        using var screening = Screening();
        Fuzz.Check("upload.pdf",
            Gen.Choose(0, int.MaxValue).Select(seed => Mutate.Bytes(pdf, new System.Random(seed))),
            bytes => AssertScreenedAsync(screening, bytes),
            ciRuns: 25,
            shrink: Fuzz.ShrinkBytes,
            show: b => "Input (base64): " + Convert.ToBase64String(b),
            timeLimit: TimeSpan.FromSeconds(3));
    }

    private static async Task AssertScreenedAsync(IdCopyScreening screening, byte[] bytes)
    {
        using var upload = new MemoryStream(bytes);
        var result = await screening.ScreenAsync(upload, "upload.bin", CancellationToken.None);
        switch (result)
        {
            case IdCopyScreeningResult.Rejected rejected:
                Assert.Contains(rejected.Code, Codes);
                Assert.False(string.IsNullOrWhiteSpace(rejected.MessageNl));
                Assert.False(string.IsNullOrWhiteSpace(rejected.MessageEn));
                break;
            case IdCopyScreeningResult.Accepted accepted:
                Assert.NotEmpty(accepted.Pages);
                foreach (var page in accepted.Pages)
                {
                    var decoded = ImageResult.FromMemory(page.Png, ColorComponents.RedGreenBlue);
                    Assert.Equal((page.Width, page.Height), (decoded.Width, decoded.Height));
                }

                break;
            default:
                Assert.Fail("neither accepted nor rejected");
                break;
        }
    }

    private static byte[] RandomBytes(System.Random random)
    {
        var bytes = new byte[random.Next(0, 2048)];
        random.NextBytes(bytes);
        // Sometimes a real signature in front of the noise, so the noise reaches the decoders.
        byte[][] signatures = [[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], [0xFF, 0xD8, 0xFF], "%PDF-"u8.ToArray(), []];
        return [.. signatures[random.Next(signatures.Length)], .. bytes];
    }

    private static byte[] SmallPng()
    {
        const int Width = 24, Height = 16;
        var rgb = new byte[Width * Height * 3];
        for (var i = 0; i < rgb.Length; i++)
        {
            rgb[i] = (byte)(i * 7);
        }

        return PngEncoder.EncodeRgb(rgb, Width, Height);
    }

    /// <summary>A small JPEG from ImageMagick; null (PNG only) when convert is missing outside CI.</summary>
    private static byte[]? SmallJpeg()
    {
        if (!Installed("convert"))
        {
            Assert.False(IsCi, "convert (imagemagick) is not installed; CI=true needs it");
            return null;
        }

        var dir = Directory.CreateTempSubdirectory("fuzz-jpeg-");
        try
        {
            var output = Path.Combine(dir.FullName, "small.jpg");
            var start = new ProcessStartInfo("convert") { RedirectStandardError = true };
            foreach (var arg in new[] { "-size", "24x16", "gradient:red-blue", "-quality", "80", output })
            {
                start.ArgumentList.Add(arg);
            }

            using var process = Process.Start(start)!;
            process.WaitForExit();
            return File.ReadAllBytes(output);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>A one-page PDF, 100 x 60 points, with one line of text (cross-reference table with right offsets).</summary>
    private static byte[] SmallPdf()
    {
        const string Content = "BT /F1 12 Tf 10 30 Td (Fuzz) Tj ET";
        string[] objects =
        [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 60] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
            $"<< /Length {Content.Length} >>\nstream\n{Content}\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ];
        var pdf = new StringBuilder("%PDF-1.4\n");
        var offsets = new List<int>();
        for (var i = 0; i < objects.Length; i++)
        {
            offsets.Add(pdf.Length);
            pdf.Append(i + 1).Append(" 0 obj\n").Append(objects[i]).Append("\nendobj\n");
        }

        var xref = pdf.Length;
        pdf.Append("xref\n0 ").Append(objects.Length + 1).Append("\n0000000000 65535 f \n");
        foreach (var offset in offsets)
        {
            pdf.Append(offset.ToString("D10", System.Globalization.CultureInfo.InvariantCulture)).Append(" 00000 n \n");
        }

        pdf.Append("trailer\n<< /Size ").Append(objects.Length + 1).Append(" /Root 1 0 R >>\nstartxref\n").Append(xref).Append("\n%%EOF\n");
        return Encoding.ASCII.GetBytes(pdf.ToString());
    }

    private static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    private static bool Installed(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, tool)));
}
