using System.Globalization;

namespace Custodian.Core.Identifiers;

/// <summary>One row of <see cref="PublicIpAddress.ReservedRanges"/>.</summary>
/// <param name="Cidr">The range in CIDR notation, e.g. <c>10.0.0.0/8</c>.</param>
/// <param name="Purpose">What the range is for, in English, used in error messages.</param>
/// <param name="Reference">The RFC that reserves it.</param>
/// <param name="IsDocumentation">One of the ranges set aside for examples (RFC 5737, RFC 3849, RFC 9637).</param>
internal sealed record ReservedIpRange(string Cidr, string Purpose, string Reference, bool IsDocumentation = false)
{
    internal byte[] Network { get; } = ParseNetwork(Cidr);

    internal int PrefixLength { get; } = int.Parse(Cidr.AsSpan(Cidr.IndexOf('/', StringComparison.Ordinal) + 1), CultureInfo.InvariantCulture);

    internal bool Contains(ReadOnlySpan<byte> address)
    {
        if (address.Length != Network.Length)
        {
            return false;
        }

        var fullBytes = PrefixLength / 8;
        if (!address[..fullBytes].SequenceEqual(Network.AsSpan(0, fullBytes)))
        {
            return false;
        }

        var remainingBits = PrefixLength % 8;
        if (remainingBits == 0)
        {
            return true;
        }

        var mask = (byte)(0xff << (8 - remainingBits));
        return (address[fullBytes] & mask) == (Network[fullBytes] & mask);
    }

    private static byte[] ParseNetwork(string cidr)
    {
        var address = cidr[..cidr.IndexOf('/', StringComparison.Ordinal)];
        var bytes = new byte[address.Contains(':', StringComparison.Ordinal) ? 16 : 4];
        var error = bytes.Length == 4 ? IpAddress.TryParseV4(address, bytes) : IpAddress.TryParseV6(address, bytes);
        return error is null ? bytes : throw new InvalidOperationException($"Bad reserved range {cidr}: {error.Code}");
    }
}

/// <summary>
/// An IP address that can be a customer's address on the internet (the seed's "publiek IP-adres"): a valid
/// <see cref="IpAddress"/> outside every range in <see cref="ReservedRanges"/>, and for IPv6 inside the global unicast
/// space 2000::/3. Based on the IANA special-purpose address registries; ranges IANA marks globally reachable
/// (such as AS112, Teredo 2001::/32 and 6to4 2002::/16) are deliberately not listed. The 2000::/3 rule also refuses
/// the NAT64 well-known prefix 64:ff9b::/96 and IPv4-compatible ::a.b.c.d, neither of which is a customer's address.
/// </summary>
/// <remarks>
/// The documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32, 3fff::/20) are valid
/// addresses but not public. Demo and test data that must pass this check can opt in to them with
/// <c>allowDocumentationRanges</c>; that keeps real people's addresses out of fixtures.
/// An IPv4-mapped IPv6 address (<c>::ffff:203.0.113.9</c>) is judged, and stored, as its IPv4 address.
/// </remarks>
internal static class PublicIpAddress
{
    private const string Prefix = "identifier.public_ip";

    /// <summary>Notice code set when an IPv4-mapped IPv6 address was stored as plain IPv4.</summary>
    public const string UnmappedIpv4Code = "identifier.public_ip.unmapped_ipv4";

    /// <summary>The ranges that are never a public address. Order matters only for which name an error shows.</summary>
    public static IReadOnlyList<ReservedIpRange> ReservedRanges { get; } =
    [
        new("0.0.0.0/8", "\"this network\"", "RFC 1122"),
        new("10.0.0.0/8", "private use", "RFC 1918"),
        new("100.64.0.0/10", "shared address space (carrier-grade NAT)", "RFC 6598"),
        new("127.0.0.0/8", "loopback", "RFC 1122"),
        new("169.254.0.0/16", "link-local", "RFC 3927"),
        new("172.16.0.0/12", "private use", "RFC 1918"),
        new("192.0.0.0/24", "IETF protocol assignments", "RFC 6890"),
        new("192.0.2.0/24", "documentation (TEST-NET-1)", "RFC 5737", IsDocumentation: true),
        new("192.88.99.0/24", "deprecated 6to4 relay anycast", "RFC 7526"),
        new("192.168.0.0/16", "private use", "RFC 1918"),
        new("198.18.0.0/15", "benchmarking", "RFC 2544"),
        new("198.51.100.0/24", "documentation (TEST-NET-2)", "RFC 5737", IsDocumentation: true),
        new("203.0.113.0/24", "documentation (TEST-NET-3)", "RFC 5737", IsDocumentation: true),
        new("224.0.0.0/4", "multicast", "RFC 5771"),
        new("240.0.0.0/4", "reserved, including the broadcast address 255.255.255.255", "RFC 1112"),
        new("::/128", "the unspecified address", "RFC 4291"),
        new("::1/128", "loopback", "RFC 4291"),
        new("64:ff9b:1::/48", "local-use IPv4/IPv6 translation", "RFC 8215"),
        new("100::/64", "discard-only", "RFC 6666"),
        new("2001:2::/48", "benchmarking", "RFC 5180"),
        new("2001:db8::/32", "documentation", "RFC 3849", IsDocumentation: true),
        new("3fff::/20", "documentation", "RFC 9637", IsDocumentation: true),
        new("5f00::/16", "segment routing (SRv6) SIDs", "RFC 9602"),
        new("fc00::/7", "unique local (private) addresses", "RFC 4193"),
        new("fe80::/10", "link-local", "RFC 4291"),
        new("ff00::/8", "multicast", "RFC 4291"),
    ];

    public static IdentifierResult Normalize(string? input) => Normalize(input, allowDocumentationRanges: false);

    /// <param name="input">The text to check.</param>
    /// <param name="allowDocumentationRanges">Accept the documentation ranges; for demo and test data only.</param>
    public static IdentifierResult Normalize(string? input, bool allowDocumentationRanges)
    {
        var ip = IpAddress.Normalize(input);
        if (!ip.IsValid)
        {
            return ip;
        }

        IdentifierNotice? notice = null;
        var value = ip.Value;
        byte[] bytes;
        if (value.Contains(':', StringComparison.Ordinal))
        {
            bytes = new byte[16];
            _ = IpAddress.TryParseV6(value, bytes);
            if (IpAddress.IsIpv4Mapped(bytes))
            {
                bytes = bytes[12..];
                value = IpAddress.FormatV4(bytes);
                notice = new IdentifierNotice(UnmappedIpv4Code, "The IPv4-mapped IPv6 address was stored as the IPv4 address it contains.");
            }
        }
        else
        {
            bytes = new byte[4];
            _ = IpAddress.TryParseV4(value, bytes);
        }

        if (FindReservedRange(bytes) is { } range && !(allowDocumentationRanges && range.IsDocumentation))
        {
            return IdentifierResult.Failure(
                $"{Prefix}.reserved",
                $"The address is in {range.Cidr}, reserved for {range.Purpose} ({range.Reference}), so it cannot be a public internet address; enter the address the customer is reachable on from the internet.");
        }

        if (bytes.Length == 16 && (bytes[0] & 0xe0) != 0x20)
        {
            return IdentifierResult.Failure(
                $"{Prefix}.not_global",
                "The IPv6 address is outside 2000::/3, the only range assigned for global unicast addresses, so it cannot be a public internet address; enter the address the customer is reachable on from the internet.");
        }

        return IdentifierResult.Success(value, notice);
    }

    /// <summary>The first reserved range containing the address (4 or 16 bytes), or null.</summary>
    internal static ReservedIpRange? FindReservedRange(ReadOnlySpan<byte> address)
    {
        foreach (var range in ReservedRanges)
        {
            if (range.Contains(address))
            {
                return range;
            }
        }

        return null;
    }
}
