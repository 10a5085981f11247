using System.Buffers;
using System.Globalization;
using System.Text;

namespace Custodian.Core.Identifiers;

/// <summary>
/// IP addresses, parsed by our own strict rules rather than <see cref="System.Net.IPAddress.TryParse(string?, out System.Net.IPAddress?)"/>,
/// which accepts <c>1</c>, <c>192.168.1</c> (as 192.168.0.1) and octal-looking <c>192.168.1.020</c> (as .16).
/// </summary>
/// <remarks>
/// IPv4: exactly four decimal octets 0–255 without leading zeros; canonical is the same text.
/// IPv6: the RFC 4291 §2.2 text forms (full, <c>::</c>-compressed, trailing dotted IPv4); zone ids (<c>%eth0</c>)
/// are refused because they only mean something on one host. Canonical is RFC 5952: lower case, no leading zeros,
/// the longest run of two or more zero groups (the first of equal runs) compressed to <c>::</c>; IPv4-mapped
/// addresses (<c>::ffff:0:0/96</c>) keep their dotted tail as RFC 5952 §5 recommends, e.g. <c>::ffff:192.0.2.1</c>.
/// </remarks>
internal static class IpAddress
{
    internal const string V4Prefix = "identifier.ipv4";
    internal const string V6Prefix = "identifier.ipv6";
    private const string Prefix = "identifier.ip";

    // Longest legal text: 8 groups of 4 hex digits and 7 colons = 39; with a dotted IPv4 tail 45.
    private const int MaxLength = 45;

    private static readonly SearchValues<char> Ipv6Chars = SearchValues.Create("0123456789abcdefABCDEF:.");

    /// <summary>IPv4 or IPv6, decided by the text: a colon means IPv6.</summary>
    public static IdentifierResult Normalize(string? input)
    {
        if (IdentifierText.Prepare(input, Prefix, "IP address", MaxLength, out var trimmed) is { } error)
        {
            return IdentifierResult.Failure(error);
        }

        if (trimmed.Contains(':', StringComparison.Ordinal) || trimmed.Contains('%', StringComparison.Ordinal))
        {
            return NormalizeV6(trimmed);
        }

        if (trimmed.Contains('.', StringComparison.Ordinal))
        {
            return NormalizeV4(trimmed);
        }

        return IdentifierResult.Failure(
            $"{Prefix}.format",
            "An IP address is either IPv4, four numbers 0-255 separated by dots (such as 192.0.2.1), or IPv6, hexadecimal groups separated by colons (such as 2001:db8::1).");
    }

    public static IdentifierResult NormalizeV4(string? input)
    {
        if (IdentifierText.Prepare(input, V4Prefix, "IPv4 address", MaxLength, out var trimmed) is { } error)
        {
            return IdentifierResult.Failure(error);
        }

        var bytes = new byte[4];
        return TryParseV4(trimmed, bytes) is { } parseError
            ? IdentifierResult.Failure(parseError)
            : IdentifierResult.Success(FormatV4(bytes));
    }

    public static IdentifierResult NormalizeV6(string? input)
    {
        if (IdentifierText.Prepare(input, V6Prefix, "IPv6 address", MaxLength + 20, out var trimmed) is { } error)
        {
            return IdentifierResult.Failure(error);
        }

        var bytes = new byte[16];
        return TryParseV6(trimmed, bytes) is { } parseError
            ? IdentifierResult.Failure(parseError)
            : IdentifierResult.Success(FormatV6(bytes));
    }

    /// <summary>Parses a strict dotted quad into <paramref name="bytes"/> (4 bytes); returns the error or null.</summary>
    internal static IdentifierError? TryParseV4(ReadOnlySpan<char> text, Span<byte> bytes)
    {
        Span<Range> parts = stackalloc Range[5];
        var count = text.Split(parts, '.');
        if (count != 4)
        {
            return new IdentifierError(
                $"{V4Prefix}.parts",
                "An IPv4 address has exactly four numbers separated by dots, such as 192.0.2.1; shortened forms like 192.168.1 are not accepted.");
        }

        for (var i = 0; i < 4; i++)
        {
            var part = text[parts[i]];
            if (part.IsEmpty || part.Length > 3 || part.ContainsAnyExceptInRange('0', '9'))
            {
                return new IdentifierError(
                    $"{V4Prefix}.octet",
                    "Each part of an IPv4 address is a number from 0 to 255 written with the digits 0-9; check for empty parts, letters or extra characters.");
            }

            if (part.Length > 1 && part[0] == '0')
            {
                return new IdentifierError(
                    $"{V4Prefix}.leading_zero",
                    "A part of an IPv4 address has a leading zero (such as 020); other software reads that as an octal number, so write it without the zero (20).");
            }

            var value = int.Parse(part, NumberStyles.None, CultureInfo.InvariantCulture);
            if (value > 255)
            {
                return new IdentifierError(
                    $"{V4Prefix}.range",
                    "Each part of an IPv4 address is a number from 0 to 255; one part is larger.");
            }

            bytes[i] = (byte)value;
        }

        return null;
    }

    /// <summary>Parses the RFC 4291 text forms into <paramref name="bytes"/> (16 bytes); returns the error or null.</summary>
    internal static IdentifierError? TryParseV6(string text, Span<byte> bytes)
    {
        if (text.Contains('%', StringComparison.Ordinal))
        {
            return new IdentifierError(
                $"{V6Prefix}.zone_id",
                "The IPv6 address has a zone id (the part after %, such as %eth0), which only has meaning on one computer; remove it.");
        }

        var invalid = new IdentifierError(
            $"{V6Prefix}.format",
            "An IPv6 address is eight groups of 1-4 hexadecimal digits separated by colons, where one run of zero groups may be written as :: (such as 2001:db8::1); check for a second ::, a group with more than 4 digits or stray characters.");

        if (text.AsSpan().ContainsAnyExcept(Ipv6Chars))
        {
            return invalid;
        }

        var doubleColon = text.IndexOf("::", StringComparison.Ordinal);
        if (doubleColon >= 0 && text.IndexOf("::", doubleColon + 1, StringComparison.Ordinal) >= 0)
        {
            // Also catches ":::" (two overlapping "::").
            return invalid;
        }

        var head = doubleColon >= 0 ? text[..doubleColon] : text;
        var tail = doubleColon >= 0 ? text[(doubleColon + 2)..] : string.Empty;

        var groups = new List<ushort>(8);
        if (ParseGroups(head, groups, allowIpv4Tail: doubleColon < 0) is { } headError)
        {
            return headError;
        }

        var tailGroups = new List<ushort>(8);
        if (doubleColon >= 0 && ParseGroups(tail, tailGroups, allowIpv4Tail: true) is { } tailError)
        {
            return tailError;
        }

        var total = groups.Count + tailGroups.Count;
        if (doubleColon < 0 ? total != 8 : total > 7)
        {
            // "::" stands for at least one zero group (RFC 4291 §2.2 item 2), so with it at most 7 groups are written.
            return invalid;
        }

        var all = new ushort[8];
        groups.CopyTo(all, 0);
        tailGroups.CopyTo(all, 8 - tailGroups.Count);
        for (var i = 0; i < 8; i++)
        {
            bytes[2 * i] = (byte)(all[i] >> 8);
            bytes[(2 * i) + 1] = (byte)all[i];
        }

        return null;

        // Returns null on success, the error otherwise.
        IdentifierError? ParseGroups(string part, List<ushort> into, bool allowIpv4Tail)
        {
            if (part.Length == 0)
            {
                return null;
            }

            var pieces = part.Split(':');
            for (var i = 0; i < pieces.Length; i++)
            {
                var piece = pieces[i];
                if (piece.Contains('.', StringComparison.Ordinal))
                {
                    // Dotted IPv4 only as the last piece of the whole address.
                    if (!allowIpv4Tail || i != pieces.Length - 1)
                    {
                        return invalid;
                    }

                    var v4 = new byte[4];
                    if (TryParseV4(piece, v4) is not null)
                    {
                        return new IdentifierError(
                            $"{V6Prefix}.embedded_ipv4",
                            "The IPv4 part at the end of the IPv6 address is not a strict dotted quad (four numbers 0-255 without leading zeros).");
                    }

                    into.Add((ushort)((v4[0] << 8) | v4[1]));
                    into.Add((ushort)((v4[2] << 8) | v4[3]));
                    continue;
                }

                if (piece.Length is 0 or > 4)
                {
                    return invalid;
                }

                into.Add(ushort.Parse(piece, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
            }

            return into.Count > 8 ? invalid : null;
        }
    }

    internal static string FormatV4(ReadOnlySpan<byte> bytes) =>
        string.Create(CultureInfo.InvariantCulture, $"{bytes[0]}.{bytes[1]}.{bytes[2]}.{bytes[3]}");

    /// <summary>RFC 5952 text for 16 bytes.</summary>
    internal static string FormatV6(ReadOnlySpan<byte> bytes)
    {
        Span<int> groups = stackalloc int[8];
        for (var i = 0; i < 8; i++)
        {
            groups[i] = (bytes[2 * i] << 8) | bytes[(2 * i) + 1];
        }

        if (IsIpv4Mapped(bytes))
        {
            return "::ffff:" + FormatV4(bytes[12..]);
        }

        // Longest run of zero groups, length >= 2 (RFC 5952 §4.2.2); the first one wins a tie (§4.2.3).
        int bestStart = -1, bestLength = 0;
        for (var i = 0; i < 8;)
        {
            if (groups[i] != 0)
            {
                i++;
                continue;
            }

            var start = i;
            while (i < 8 && groups[i] == 0)
            {
                i++;
            }

            if (i - start > bestLength)
            {
                (bestStart, bestLength) = (start, i - start);
            }
        }

        if (bestLength < 2)
        {
            bestStart = -1;
        }

        var sb = new StringBuilder(39);
        for (var i = 0; i < 8; i++)
        {
            if (i == bestStart)
            {
                sb.Append("::");
                i += bestLength - 1;
                continue;
            }

            if (sb.Length > 0 && sb[^1] != ':')
            {
                sb.Append(':');
            }

            sb.Append(groups[i].ToString("x", CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }

    internal static bool IsIpv4Mapped(ReadOnlySpan<byte> bytes) =>
        bytes.Length == 16 && bytes[..10].IndexOfAnyExcept((byte)0) < 0 && bytes[10] == 0xff && bytes[11] == 0xff;
}
