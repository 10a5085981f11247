using System.Text;
using Custodian.Core.Features.Requests.IdCopies;
using StbImageSharp;
using Xunit;

namespace Custodian.Core.Tests.Requests.IdCopies;

/// <summary>The malicious-file corpus of security.md G4.6 and the limits of §4.5, plus a few OCR cases (slow: ~0.5 s each).</summary>
public sealed class IdCopyScreeningTests
{
    private static readonly string[] CardWithoutBsn = ["Naam: Jan Voorbeeld", "Geboortedatum: 12-03-1985", "Voor: Custodian.example, inzage, 29-11-2026"];

    private static IdCopyScreeningResult.Rejected AssertRejected(IdCopyScreeningResult result, string code)
    {
        var rejected = Assert.IsType<IdCopyScreeningResult.Rejected>(result);
        Assert.Equal(code, rejected.Code);
        Assert.Contains("KopieID", rejected.MessageNl, StringComparison.Ordinal);
        Assert.Contains("KopieID", rejected.MessageEn, StringComparison.Ordinal);
        return rejected;
    }

    private static IdCopyScreeningResult.Accepted AssertAccepted(IdCopyScreeningResult result)
    {
        if (result is IdCopyScreeningResult.Rejected r)
        {
            Assert.Fail($"expected acceptance, got {r.Code}");
        }

        var accepted = Assert.IsType<IdCopyScreeningResult.Accepted>(result);
        foreach (var page in accepted.Pages)
        {
            var decoded = ImageResult.FromMemory(page.Png, ColorComponents.RedGreenBlue);
            Assert.Equal((page.Width, page.Height), (decoded.Width, decoded.Height));
        }

        return accepted;
    }

    [Fact]
    public async Task ScreenAsync_Svg_IsRejectedAsUnsupported()
    {
        var svg = Encoding.UTF8.GetBytes("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>");
        AssertRejected(await IdCopyCorpus.ScreenAsync(svg, "id.svg"), IdCopyRejectionCodes.UnsupportedType);
    }

    [Fact]
    public async Task ScreenAsync_HtmlRenamedJpg_IsRejectedAsUnsupported()
    {
        var html = Encoding.UTF8.GetBytes("<!DOCTYPE html><html><body><script>document.cookie</script></body></html>");
        AssertRejected(await IdCopyCorpus.ScreenAsync(html, "paspoort.jpg"), IdCopyRejectionCodes.UnsupportedType);
    }

    [Fact]
    public async Task ScreenAsync_Gif_IsRejectedAsUnsupported()
    {
        AssertRejected(await IdCopyCorpus.ScreenAsync(IdCopyCorpus.Plain("gif"), "id.png"), IdCopyRejectionCodes.UnsupportedType);
    }

    [Fact]
    public async Task ScreenAsync_PdfAfterLeadingJunk_IsRejectedAsUnsupported()
    {
        // Readers accept a PDF header anywhere in the first KB: a classic polyglot base. We demand it at offset 0.
        var polyglot = Encoding.ASCII.GetBytes("<html><!-- ").Concat(IdCopyCorpus.Pdf(["Naam: Jan Voorbeeld"])).ToArray();
        AssertRejected(await IdCopyCorpus.ScreenAsync(polyglot, "id.pdf"), IdCopyRejectionCodes.UnsupportedType);
    }

    [Fact]
    public async Task ScreenAsync_PngSignatureFollowedByHtml_IsRejectedAsCorrupt()
    {
        byte[] polyglot = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, .. "<script>alert(1)</script><!-- lots of padding -->"u8.ToArray()];
        AssertRejected(await IdCopyCorpus.ScreenAsync(polyglot, "id.png"), IdCopyRejectionCodes.Corrupt);
    }

    [Fact]
    public async Task ScreenAsync_PngDeclaringHugeCanvas_IsRejectedBeforeDecoding()
    {
        // A valid 64x48 PNG whose IHDR is patched to 50,000 x 50,000 (2.5 gigapixels): a decompression bomb's header.
        var png = IdCopyCorpus.Plain("png");
        png[16] = 0; png[17] = 0; png[18] = 0xC3; png[19] = 0x50;
        png[20] = 0; png[21] = 0; png[22] = 0xC3; png[23] = 0x50;
        AssertRejected(await IdCopyCorpus.ScreenAsync(png, "id.png"), IdCopyRejectionCodes.TooManyPixels);
    }

    [Fact]
    public async Task ScreenAsync_JpegOverPixelLimit_IsRejected()
    {
        var jpeg = IdCopyCorpus.Plain("jpg", 10_001, 4);
        AssertRejected(await IdCopyCorpus.ScreenAsync(jpeg, "id.jpg"), IdCopyRejectionCodes.TooManyPixels);
    }

    [Fact]
    public async Task ScreenAsync_ElevenMegabytes_IsRejectedWithoutReadingItAll()
    {
        var stream = new CountingStream(11 * 1024 * 1024);
        var result = await new IdCopyScreening().ScreenAsync(stream, "id.png", TestContext.Current.CancellationToken);
        AssertRejected(result, IdCopyRejectionCodes.TooLarge);
        Assert.True(stream.Position <= IdCopyScreeningOptions.DefaultMaxBytes + (128 * 1024), $"read {stream.Position} bytes");
    }

    [Fact]
    public async Task ScreenAsync_TruncatedPng_IsRejectedAsCorrupt()
    {
        var png = IdCopyCorpus.RenderCard(CardWithoutBsn);
        AssertRejected(await IdCopyCorpus.ScreenAsync(png[..(png.Length / 2)], "id.png"), IdCopyRejectionCodes.Corrupt);
    }

    [Fact]
    public async Task ScreenAsync_Empty_IsRejected()
    {
        AssertRejected(await IdCopyCorpus.ScreenAsync([], "id.png"), IdCopyRejectionCodes.Empty);
    }

    [Fact]
    public async Task ScreenAsync_JpegWithExifGps_IsAcceptedWithMetadataGone()
    {
        IdCopyCorpus.RequireScreeningTools();
        var jpeg = IdCopyCorpus.WithExifGps(IdCopyCorpus.Plain("jpg", 320, 200), "CanaryCam52N4E");
        Assert.NotEqual(-1, jpeg.AsSpan().IndexOf("CanaryCam52N4E"u8));

        var page = Assert.Single(AssertAccepted(await IdCopyCorpus.ScreenAsync(jpeg, "id.jpg")).Pages);

        Assert.Equal((320, 200), (page.Width, page.Height));
        Assert.Equal(-1, page.Png.AsSpan().IndexOf("CanaryCam52N4E"u8));
        Assert.Equal(-1, page.Png.AsSpan().IndexOf("Exif"u8));
    }

    [Fact]
    public async Task ScreenAsync_PngWithTrailingZip_IsReencodedWithoutIt()
    {
        IdCopyCorpus.RequireScreeningTools();
        byte[] zip = [.. "PK\u0003\u0004"u8.ToArray(), .. "payload.exe MZ-canary-0xDEADBEEF"u8.ToArray(), .. "PK\u0005\u0006"u8.ToArray(), .. new byte[18]];
        var png = IdCopyCorpus.Plain("png", 200, 120);
        byte[] polyglot = [.. png, .. zip];

        var page = Assert.Single(AssertAccepted(await IdCopyCorpus.ScreenAsync(polyglot, "id.png")).Pages);

        Assert.Equal(-1, page.Png.AsSpan().IndexOf("MZ-canary"u8));
        Assert.Equal(-1, page.Png.AsSpan().IndexOf("PK\u0003\u0004"u8));
        Assert.EndsWith("IEND", Encoding.ASCII.GetString(page.Png[^8..^4]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScreenAsync_PdfWithFivePages_IsRejected()
    {
        IdCopyCorpus.RequireScreeningTools();
        var pdf = IdCopyCorpus.Pdf([.. Enumerable.Range(1, 5).Select(i => new[] { "Pagina " + i })]);
        AssertRejected(await IdCopyCorpus.ScreenAsync(pdf, "id.pdf"), IdCopyRejectionCodes.TooManyPages);
    }

    [Fact]
    public async Task ScreenAsync_EncryptedPdf_IsRejected()
    {
        IdCopyCorpus.RequireScreeningTools();
        var pdf = IdCopyCorpus.Encrypt(IdCopyCorpus.Pdf(["Naam: Jan Voorbeeld"]))!;
        AssertRejected(await IdCopyCorpus.ScreenAsync(pdf, "id.pdf"), IdCopyRejectionCodes.PdfEncrypted);
    }

    [Fact]
    public async Task ScreenAsync_MalformedPdf_IsRejected()
    {
        IdCopyCorpus.RequireScreeningTools();
        var pdf = Encoding.ASCII.GetBytes("%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >> garbage\n%%EOF");
        AssertRejected(await IdCopyCorpus.ScreenAsync(pdf, "id.pdf"), IdCopyRejectionCodes.Corrupt);
    }

    [Fact]
    public async Task ScreenAsync_ImageWithReadableBsn_IsRejectedWithoutTheNumber()
    {
        IdCopyCorpus.RequireScreeningTools();
        var png = IdCopyCorpus.RenderCard(["Naam: Jan Voorbeeld", "Persoonsnummer 1234.56.782", "Geboortedatum: 12-03-1985"]);

        var rejected = AssertRejected(await IdCopyCorpus.ScreenAsync(png, "id.png"), IdCopyRejectionCodes.BsnVisible);

        Assert.DoesNotContain("782", rejected.MessageNl, StringComparison.Ordinal);
        Assert.DoesNotContain("782", rejected.MessageEn, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScreenAsync_SameImageWithBsnCovered_IsAccepted()
    {
        IdCopyCorpus.RequireScreeningTools();

        // The BSN line's number sits at x ≈ 330..640, baseline y = 160: cover it with a black box, as KopieID does.
        var jpeg = IdCopyCorpus.RenderCard(
            ["Naam: Jan Voorbeeld", "Persoonsnummer 1234.56.782", "Geboortedatum: 12-03-1985"], "jpg", [(320, 115, 400, 60)]);

        var accepted = AssertAccepted(await IdCopyCorpus.ScreenAsync(jpeg, "id.jpg"));

        Assert.Equal(1, accepted.PageCount);
        Assert.Equal("jpeg", accepted.SourceType);
    }

    [Fact]
    public async Task ScreenAsync_PdfWithBsnOnPageTwo_IsRejected()
    {
        IdCopyCorpus.RequireScreeningTools();
        var pdf = IdCopyCorpus.Pdf(["Naam: Jan Voorbeeld"], ["BSN 111 222 333"]);
        AssertRejected(await IdCopyCorpus.ScreenAsync(pdf, "id.pdf"), IdCopyRejectionCodes.BsnVisible);
    }

    [Fact]
    public async Task ScreenAsync_PdfWithoutBsn_IsAcceptedAsRasters()
    {
        IdCopyCorpus.RequireScreeningTools();
        var pdf = IdCopyCorpus.Pdf(CardWithoutBsn, ["Achterkant"]);

        var accepted = AssertAccepted(await IdCopyCorpus.ScreenAsync(pdf, "id.pdf"));

        Assert.Equal(2, accepted.PageCount);
        Assert.Equal("pdf", accepted.SourceType);
        Assert.All(accepted.Pages, p => Assert.Equal(2400, Math.Max(p.Width, p.Height)));
    }

    [Fact]
    public async Task ScreenAsync_TesseractMissing_IsRejectedAsUnreadable()
    {
        var screening = new IdCopyScreening(new IdCopyScreeningOptions { TesseractPath = "/nonexistent/tesseract" });
        var png = IdCopyCorpus.Plain("png");

        var result = await screening.ScreenAsync(new MemoryStream(png), "id.png", TestContext.Current.CancellationToken);

        AssertRejected(result, IdCopyRejectionCodes.Unreadable);
    }

    [Fact]
    public async Task ScreenAsync_OcrTimeout_IsRejectedAsUnreadable()
    {
        // A script that hangs stands in for a tesseract that never finishes.
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("uses a shell script");
            return;
        }

        var script = Path.Combine(Path.GetTempPath(), $"slow-ocr-{Guid.NewGuid():N}.sh");
        await File.WriteAllTextAsync(script, "#!/bin/sh\nsleep 30\n", TestContext.Current.CancellationToken);
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        try
        {
            var screening = new IdCopyScreening(new IdCopyScreeningOptions { TesseractPath = script, OcrTimeout = TimeSpan.FromMilliseconds(300) });
            var result = await screening.ScreenAsync(new MemoryStream(IdCopyCorpus.Plain("png")), "id.png", TestContext.Current.CancellationToken);
            AssertRejected(result, IdCopyRejectionCodes.Unreadable);
        }
        finally
        {
            File.Delete(script);
        }
    }

    /// <summary>A stream of zeros with a PNG signature, counting how far it was read.</summary>
    private sealed class CountingStream(long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            Array.Clear(buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
