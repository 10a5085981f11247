using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StbImageSharp;

namespace Custodian.Core.Features.Requests.IdCopies;

/// <summary>
/// Screens an uploaded ID copy (security.md §4.5, domain.md DSR-9/DSR-10) before anything of it is stored:
/// <list type="number">
/// <item>at most <see cref="IdCopyScreeningOptions.MaxBytes"/> (reading stops just past it);</item>
/// <item>type by magic bytes only (JPEG, PNG, PDF); the declared file name is never trusted;</item>
/// <item>images: dimensions from the header first (bomb guard), then a full decode in managed code and a re-encode
/// to a fresh PNG, so metadata (EXIF, GPS) and anything appended to the file are gone;</item>
/// <item>PDFs: unencrypted, at most <see cref="IdCopyScreeningOptions.MaxPdfPages"/> pages, rasterised by
/// <c>pdftoppm</c> under a timeout; only the rasters (re-encoded like images) are kept, so no active content survives;</item>
/// <item>every page is read by <c>tesseract</c>; a number passing the 11-proef refuses the copy
/// (<c>id_copy.bsn_visible</c>). If OCR cannot run or times out the copy is refused (<c>id_copy.unreadable</c>): fail closed.</item>
/// </list>
/// The uploaded bytes and what OCR read live only in memory and in a private temporary folder deleted before returning.
/// </summary>
internal sealed partial class IdCopyScreening(IdCopyScreeningOptions options, ILogger<IdCopyScreening>? logger = null) : IDisposable
{
    private readonly ILogger _logger = logger ?? NullLogger<IdCopyScreening>.Instance;
    private readonly SemaphoreSlim _slots = new(options.MaxConcurrentScreenings, options.MaxConcurrentScreenings);

    public IdCopyScreening()
        : this(new IdCopyScreeningOptions())
    {
    }

    public IdCopyScreeningOptions Options => options;

    public void Dispose() => _slots.Dispose();

    /// <param name="upload">The uploaded content, read (up to the limit) but not disposed.</param>
    /// <param name="declaredFileName">The name the client sent: deliberately ignored, the type comes from the content.</param>
    /// <param name="ct">Cancels the screening (external tools are killed).</param>
    public async Task<IdCopyScreeningResult> ScreenAsync(Stream upload, string declaredFileName, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(upload);
        _ = declaredFileName;

        var content = await ReadLimitedAsync(upload, options.MaxBytes, ct);
        if (content is null)
        {
            return Reject(IdCopyRejectionCodes.TooLarge);
        }

        if (content.Length == 0)
        {
            return Reject(IdCopyRejectionCodes.Empty);
        }

        await _slots.WaitAsync(ct);
        try
        {
            return await ScreenContentAsync(content, ct);
        }
        finally
        {
            _slots.Release();
        }
    }

    private async Task<IdCopyScreeningResult> ScreenContentAsync(byte[] content, CancellationToken ct)
    {
        var kind = ImageHeaders.Sniff(content);
        var temp = Directory.CreateTempSubdirectory("custodian-idcopy-");
        try
        {
            IReadOnlyList<IdCopyPage> pages;
            switch (kind)
            {
                case UploadKind.Png:
                case UploadKind.Jpeg:
                    var page = Reencode(content, kind);
                    if (page.Rejection is { } imageRejection)
                    {
                        return Reject(imageRejection);
                    }

                    pages = [page.Page!];
                    break;
                case UploadKind.Pdf:
                    var pdf = await RasterisePdfAsync(content, temp.FullName, ct);
                    if (pdf.Rejection is { } pdfRejection)
                    {
                        return Reject(pdfRejection);
                    }

                    pages = pdf.Pages!;
                    break;
                default:
                    return Reject(IdCopyRejectionCodes.UnsupportedType);
            }

            for (var i = 0; i < pages.Count; i++)
            {
                var text = await OcrAsync(pages[i], Path.Combine(temp.FullName, $"ocr-{i}.png"), ct);
                if (text is null)
                {
                    return Reject(IdCopyRejectionCodes.Unreadable);
                }

                if (BsnScan.ContainsBsn(text))
                {
                    return Reject(IdCopyRejectionCodes.BsnVisible);
                }
            }

            LogAccepted(_logger, kind.ToString(), pages.Count);
            return new IdCopyScreeningResult.Accepted(pages, kind.ToString().ToLowerInvariant());
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    /// <summary>The whole stream, or null as soon as it holds more than <paramref name="max"/> bytes.</summary>
    private static async Task<byte[]?> ReadLimitedAsync(Stream upload, long max, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await upload.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > max)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private (IdCopyPage? Page, string? Rejection) Reencode(byte[] content, UploadKind kind)
    {
        var size = kind == UploadKind.Png ? ImageHeaders.PngSize(content) : ImageHeaders.JpegSize(content);
        if (size is not { } s)
        {
            return (null, IdCopyRejectionCodes.Corrupt);
        }

        if (s.Width > options.MaxSide || s.Height > options.MaxSide || (long)s.Width * s.Height > options.MaxPixels)
        {
            return (null, IdCopyRejectionCodes.TooManyPixels);
        }

        ImageResult decoded;
        try
        {
            decoded = ImageResult.FromMemory(content, ColorComponents.RedGreenBlue);
        }
#pragma warning disable CA1031 // any decoder failure means a damaged or hostile file: refuse it
        catch (Exception)
#pragma warning restore CA1031
        {
            return (null, IdCopyRejectionCodes.Corrupt);
        }

        // The decoder must agree with the header we checked; anything else is a malformed (or lying) file.
        if (decoded.Width != s.Width || decoded.Height != s.Height || decoded.Data.Length != s.Width * s.Height * 3)
        {
            return (null, IdCopyRejectionCodes.Corrupt);
        }

        return (new IdCopyPage(PngEncoder.EncodeRgb(decoded.Data, decoded.Width, decoded.Height), decoded.Width, decoded.Height), null);
    }

    private async Task<(IReadOnlyList<IdCopyPage>? Pages, string? Rejection)> RasterisePdfAsync(
        byte[] content, string folder, CancellationToken ct)
    {
        var input = Path.Combine(folder, "upload.pdf");
        await File.WriteAllBytesAsync(input, content, ct);

        var info = await ExternalTool.RunAsync(options.PdfInfoPath, [input], options.PdfTimeout, options.ToolMemoryLimitBytes, ct);
        if (info is null)
        {
            LogToolFailed(_logger, "pdfinfo");
            return (null, IdCopyRejectionCodes.Unreadable);
        }

        if (info.ExitCode != 0)
        {
            // Poppler reports a password-protected file with "Incorrect password"; anything else is malformed.
            return (null, info.StandardError.Contains("password", StringComparison.OrdinalIgnoreCase)
                ? IdCopyRejectionCodes.PdfEncrypted
                : IdCopyRejectionCodes.Corrupt);
        }

        if (EncryptedLine().IsMatch(info.StandardOutput))
        {
            return (null, IdCopyRejectionCodes.PdfEncrypted);
        }

        var pagesMatch = PagesLine().Match(info.StandardOutput);
        if (!pagesMatch.Success || !int.TryParse(pagesMatch.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var pageCount)
            || pageCount < 1)
        {
            return (null, IdCopyRejectionCodes.Corrupt);
        }

        if (pageCount > options.MaxPdfPages)
        {
            return (null, IdCopyRejectionCodes.TooManyPages);
        }

        var prefix = Path.Combine(folder, "page");
        var raster = await ExternalTool.RunAsync(
            options.PdfToPpmPath,
            ["-png", "-scale-to", options.PdfRasterLongSide.ToString(CultureInfo.InvariantCulture), "-f", "1", "-l",
                pageCount.ToString(CultureInfo.InvariantCulture), input, prefix],
            options.PdfTimeout,
            options.ToolMemoryLimitBytes,
            ct);
        if (raster is null)
        {
            LogToolFailed(_logger, "pdftoppm");
            return (null, IdCopyRejectionCodes.Unreadable);
        }

        if (raster.ExitCode != 0)
        {
            return (null, IdCopyRejectionCodes.Corrupt);
        }

        // pdftoppm names pages page-1.png or page-01.png depending on the count; ordinal sort keeps their order.
        var files = Directory.GetFiles(folder, "page-*.png").Order(StringComparer.Ordinal).ToList();
        if (files.Count != pageCount)
        {
            return (null, IdCopyRejectionCodes.Corrupt);
        }

        var pages = new List<IdCopyPage>(files.Count);
        foreach (var file in files)
        {
            var page = Reencode(await File.ReadAllBytesAsync(file, ct), UploadKind.Png);
            if (page.Rejection is { } rejection)
            {
                return (null, rejection);
            }

            pages.Add(page.Page!);
        }

        return (pages, null);
    }

    /// <summary>The page's text, or null when tesseract is missing, fails or times out.</summary>
    private async Task<string?> OcrAsync(IdCopyPage page, string path, CancellationToken ct)
    {
        await File.WriteAllBytesAsync(path, page.Png, ct);
        var run = await ExternalTool.RunAsync(options.TesseractPath, [path, "-", "-l", options.OcrLanguages], options.OcrTimeout, options.ToolMemoryLimitBytes, ct);
        if (run is null || run.ExitCode != 0)
        {
            LogToolFailed(_logger, "tesseract");
            return null;
        }

        return run.StandardOutput;
    }

    private IdCopyScreeningResult.Rejected Reject(string code)
    {
        LogRejected(_logger, code);
        return IdCopyMessages.Reject(code);
    }

    [GeneratedRegex(@"^Encrypted:\s+yes", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex EncryptedLine();

    [GeneratedRegex(@"^Pages:\s+([0-9]+)\s*$", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex PagesLine();

    [LoggerMessage(Level = LogLevel.Information, Message = "ID copy refused: {Code}")]
    private static partial void LogRejected(ILogger logger, string code);

    [LoggerMessage(Level = LogLevel.Information, Message = "ID copy accepted: {Kind}, {Pages} page(s)")]
    private static partial void LogAccepted(ILogger logger, string kind, int pages);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ID copy screening could not run {Tool} (missing, failed or timed out); the copy is refused")]
    private static partial void LogToolFailed(ILogger logger, string tool);
}
