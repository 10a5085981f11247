using System.Buffers.Binary;

namespace Custodian.Core.Features.Requests.IdCopies;

internal enum UploadKind
{
    Unknown,
    Jpeg,
    Png,
    Pdf,
}

/// <summary>
/// Reads a file's type from its first bytes and an image's dimensions from its header, without decoding pixels, so
/// a decompression bomb (a small file declaring a huge canvas) is refused before anything is allocated for it.
/// </summary>
internal static class ImageHeaders
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>The kind by magic bytes only; a name or declared media type is never consulted.</summary>
    public static UploadKind Sniff(ReadOnlySpan<byte> content)
    {
        if (content.StartsWith(PngSignature))
        {
            return UploadKind.Png;
        }

        if (content.Length >= 3 && content[0] == 0xFF && content[1] == 0xD8 && content[2] == 0xFF)
        {
            return UploadKind.Jpeg;
        }

        // A PDF must start with its header; readers tolerate leading junk, which is exactly how polyglots work, so we don't.
        return content.StartsWith("%PDF-"u8) ? UploadKind.Pdf : UploadKind.Unknown;
    }

    /// <summary>Width and height declared by a PNG's IHDR chunk, or null when the header is malformed.</summary>
    public static (int Width, int Height)? PngSize(ReadOnlySpan<byte> content)
    {
        // signature (8) + length (4) + "IHDR" (4) + width (4) + height (4)
        if (content.Length < 24 || !content[12..16].SequenceEqual("IHDR"u8))
        {
            return null;
        }

        var width = BinaryPrimitives.ReadUInt32BigEndian(content[16..20]);
        var height = BinaryPrimitives.ReadUInt32BigEndian(content[20..24]);
        return width is 0 or > int.MaxValue || height is 0 or > int.MaxValue ? null : ((int)width, (int)height);
    }

    /// <summary>
    /// Width and height from a JPEG's first start-of-frame marker (SOF0–SOF15 except DHT, JPG and DAC), walking the
    /// marker segments; null when there is none before the scan or the structure is malformed.
    /// </summary>
    public static (int Width, int Height)? JpegSize(ReadOnlySpan<byte> content)
    {
        var i = 2;
        while (i + 4 <= content.Length)
        {
            if (content[i] != 0xFF)
            {
                return null;
            }

            var marker = content[i + 1];
            if (marker == 0xFF)
            {
                i++; // fill byte
                continue;
            }

            if (marker is 0x01 or (>= 0xD0 and <= 0xD7))
            {
                i += 2; // markers without a length
                continue;
            }

            if (marker is 0xD9 or 0xDA)
            {
                return null; // end of image or start of scan before any frame header
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(content[(i + 2)..]);
            if (length < 2 || i + 2 + length > content.Length)
            {
                return null;
            }

            if (marker is >= 0xC0 and <= 0xCF and not (0xC4 or 0xC8 or 0xCC))
            {
                if (length < 7)
                {
                    return null;
                }

                var height = BinaryPrimitives.ReadUInt16BigEndian(content[(i + 5)..]);
                var width = BinaryPrimitives.ReadUInt16BigEndian(content[(i + 7)..]);
                return width == 0 || height == 0 ? null : (width, height);
            }

            i += 2 + length;
        }

        return null;
    }
}
