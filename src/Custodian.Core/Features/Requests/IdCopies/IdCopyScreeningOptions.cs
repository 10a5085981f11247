namespace Custodian.Core.Features.Requests.IdCopies;

/// <summary>Limits and tools of <see cref="IdCopyScreening"/> (defaults follow security.md §4.5).</summary>
internal sealed record IdCopyScreeningOptions
{
    public const long DefaultMaxBytes = 10 * 1024 * 1024;

    /// <summary>Uploads above this are refused; reading stops one byte past it.</summary>
    public long MaxBytes { get; init; } = DefaultMaxBytes;

    /// <summary>Longest side of an image in pixels, read from its header before decoding.</summary>
    public int MaxSide { get; init; } = 10_000;

    /// <summary>Pixels of an image (width × height), read from its header before decoding.</summary>
    public long MaxPixels { get; init; } = 40_000_000;

    public int MaxPdfPages { get; init; } = 4;

    /// <summary>
    /// PDF pages are rendered so their longer side has this many pixels (about 200 dpi on A4), whatever page size the
    /// PDF declares: a PDF cannot make the renderer allocate a giant canvas.
    /// </summary>
    public int PdfRasterLongSide { get; init; } = 2400;

    public TimeSpan PdfTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Address-space limit of each external tool run (pdfinfo, pdftoppm, tesseract); null for none.</summary>
    public long? ToolMemoryLimitBytes { get; init; } = 1024L * 1024 * 1024;

    /// <summary>Screenings running at once; more wait (OCR and rasterising are CPU-heavy, a flood must not starve the host).</summary>
    public int MaxConcurrentScreenings { get; init; } = 2;

    public TimeSpan OcrTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Tesseract languages: <c>nld</c> alone misreads digits (toolchain.md §4), <c>nld+eng</c> does not.</summary>
    public string OcrLanguages { get; init; } = "nld+eng";

    public string TesseractPath { get; init; } = "tesseract";

    public string PdfInfoPath { get; init; } = "pdfinfo";

    public string PdfToPpmPath { get; init; } = "pdftoppm";
}
