using System.Text.Unicode;

namespace Custodian.Core.Features.Store;

/// <summary>One accepted content type: its canonical media type, the names clients may send for it, and its signature check.</summary>
/// <param name="MediaType">Stored and served as this.</param>
/// <param name="Aliases">Other media types a client may declare for the same format (<c>audio/x-wav</c>).</param>
/// <param name="Signature">The rule in words, for the problem when the bytes do not match.</param>
/// <param name="Matches">Checks the first bytes of the content (up to <see cref="ContentRules.SniffLength"/>; fewer when the content is shorter).</param>
/// <param name="Extension">File name extension of downloads.</param>
internal sealed record ContentType(string MediaType, IReadOnlyList<string> Aliases, string Signature, Func<ReadOnlyMemory<byte>, bool, bool> Matches, string Extension);

/// <summary>What one kind of upload accepts (security.md §3 ASVS V5.2.2: an allow-list, checked by content, not by name).</summary>
internal sealed record ContentRule(string Name, IReadOnlyList<ContentType> Types)
{
    public string AllowedList => string.Join(", ", Types.Select(t => t.MediaType));

    /// <summary>The accepted type a client's <c>Content-Type</c> names (parameters ignored), or null.</summary>
    public ContentType? Declared(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return null;
        }

        var bare = contentType.Split(';', 2)[0].Trim();
        return Types.FirstOrDefault(t =>
            string.Equals(t.MediaType.Split(';', 2)[0], bare, StringComparison.OrdinalIgnoreCase)
            || t.Aliases.Contains(bare, StringComparer.OrdinalIgnoreCase));
    }
}

/// <summary>
/// The content rules of the store's uploads. The declared type must be on the rule's allow-list, and the first bytes
/// must be that type's signature; a mismatch is refused, whatever the name or declared type says (a renamed HTML page
/// is not a PDF). The check needs only the first <see cref="SniffLength"/> bytes, so uploads still stream.
/// </summary>
internal static class ContentRules
{
    /// <summary>How many leading bytes the signature checks see.</summary>
    public const int SniffLength = 512;

    private static readonly byte[] Riff = "RIFF"u8.ToArray();
    private static readonly byte[] Wave = "WAVE"u8.ToArray();
    private static readonly byte[] OggS = "OggS"u8.ToArray();
    private static readonly byte[] Id3 = "ID3"u8.ToArray();
    private static readonly byte[] Pdf = "%PDF-"u8.ToArray();
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF];

    public static ContentType Wav { get; } = new(
        "audio/wav", ["audio/x-wav", "audio/wave", "audio/vnd.wave"], "a WAV file starts with 'RIFF' and has 'WAVE' at byte 8",
        (b, _) => b.Length >= 12 && b.Span.StartsWith(Riff) && b.Span[8..12].SequenceEqual(Wave), "wav");

    public static ContentType Ogg { get; } = new(
        "audio/ogg", ["application/ogg", "audio/opus"], "an Ogg file starts with 'OggS'",
        (b, _) => b.Span.StartsWith(OggS), "ogg");

    public static ContentType Mp3 { get; } = new(
        "audio/mpeg", ["audio/mp3", "audio/mpeg3"], "an MP3 file starts with an ID3 tag or an MPEG layer III frame header (0xFF 0xFB/0xF3/0xF2...)",
        // ID3v2 tag, or an MPEG audio frame sync (11 bits set) with layer bits '01' (layer III).
        (b, _) => b.Span.StartsWith(Id3) || (b.Length >= 2 && b.Span[0] == 0xFF && (b.Span[1] & 0xE6) == 0xE2), "mp3");

    public static ContentType PdfType { get; } = new(
        "application/pdf", [], "a PDF file starts with '%PDF-'", (b, _) => b.Span.StartsWith(Pdf), "pdf");

    public static ContentType PngType { get; } = new(
        "image/png", [], "a PNG file starts with the 8-byte PNG signature (0x89 'PNG' CR LF 0x1A LF)", (b, _) => b.Span.StartsWith(Png), "png");

    public static ContentType JpegType { get; } = new(
        "image/jpeg", ["image/jpg", "image/pjpeg"], "a JPEG file starts with 0xFF 0xD8 0xFF", (b, _) => b.Span.StartsWith(Jpeg), "jpg");

    public static ContentType PlainText { get; } = new(
        "text/plain; charset=utf-8", [], "plain text is UTF-8 without control characters other than tab, line feed, carriage return and form feed",
        IsPlainText, "txt");

    /// <summary>Call recordings: WAV, Ogg or MP3 audio.</summary>
    public static ContentRule Audio { get; } = new("audio", [Wav, Ogg, Mp3]);

    /// <summary>Ticket attachments: PDF, PNG, JPEG or plain text.</summary>
    public static ContentRule Attachment { get; } = new("attachment", [PdfType, PngType, JpegType, PlainText]);

    private static bool IsPlainText(ReadOnlyMemory<byte> prefix, bool complete)
    {
        var span = prefix.Span;
        foreach (var b in span)
        {
            if (b < 0x20 && b is not ((byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0C))
            {
                return false;
            }

            if (b == 0x7F)
            {
                return false;
            }
        }

        if (Utf8.IsValid(span))
        {
            return true;
        }

        // The sniffed prefix may end inside a multi-byte character: allow up to three trailing bytes of one.
        for (var cut = 1; !complete && cut <= 3 && cut < span.Length; cut++)
        {
            if (Utf8.IsValid(span[..^cut]))
            {
                return true;
            }
        }

        return false;
    }
}
