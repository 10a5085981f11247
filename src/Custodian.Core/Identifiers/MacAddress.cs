namespace Custodian.Core.Identifiers;

/// <summary>
/// EUI-48 MAC addresses of VoIP devices. Accepted forms: <c>00:1A:2B:3C:4D:5E</c>, <c>00-1a-2b-3c-4d-5e</c>,
/// Cisco <c>001a.2b3c.4d5e</c> and bare <c>001A2B3C4D5E</c> (how phone provisioning files are named); case-insensitive.
/// Canonical form: upper case, colon-separated.
/// </summary>
internal static class MacAddress
{
    private const string Prefix = "identifier.mac";
    private const string Name = "MAC address";

    public static IdentifierResult Normalize(string? input)
    {
        if (IdentifierText.Prepare(input, Prefix, Name, 40, out var trimmed) is { } error)
        {
            return IdentifierResult.Failure(error);
        }

        if (!TryExtractHex(trimmed, out var hex))
        {
            return IdentifierResult.Failure(
                $"{Prefix}.format",
                "A MAC address has six two-digit hexadecimal octets, written as 00:1A:2B:3C:4D:5E, 00-1A-2B-3C-4D-5E, 001A.2B3C.4D5E or 001A2B3C4D5E; check for a missing octet or mixed separators.");
        }

        if (!hex.All(char.IsAsciiHexDigit))
        {
            return IdentifierResult.Failure(
                $"{Prefix}.hex",
                "A MAC address may only contain the hexadecimal digits 0-9 and A-F between its separators; check for a mistyped letter (such as O for 0 or G).");
        }

        var upper = hex.ToUpperInvariant();
        if (upper == "000000000000")
        {
            return IdentifierResult.Failure($"{Prefix}.all_zero", "The MAC address 00:00:00:00:00:00 is a placeholder, not a device; enter the address on the device's label.");
        }

        if (upper == "FFFFFFFFFFFF")
        {
            return IdentifierResult.Failure($"{Prefix}.broadcast", "FF:FF:FF:FF:FF:FF is the broadcast address, not a device; enter the address on the device's label.");
        }

        return IdentifierResult.Success(string.Join(':', upper.Chunk(2).Select(c => new string(c))));
    }

    /// <summary>
    /// The group (multicast) bit, bit 0 of the first octet. A device's own address never has it set, so a value with
    /// it set is accepted but worth a second look.
    /// </summary>
    /// <exception cref="ArgumentException">The value is not a valid MAC address (normalise first).</exception>
    public static bool IsMulticast(string mac) => (FirstOctet(mac) & 0x01) != 0;

    /// <summary>
    /// The locally-administered bit, bit 1 of the first octet: the address was assigned by software (virtual machines,
    /// randomised addresses), not burnt in by the vendor, so it may change.
    /// </summary>
    /// <exception cref="ArgumentException">The value is not a valid MAC address (normalise first).</exception>
    public static bool IsLocallyAdministered(string mac) => (FirstOctet(mac) & 0x02) != 0;

    private static int FirstOctet(string mac)
    {
        var result = Normalize(mac);
        if (!result.IsValid)
        {
            throw new ArgumentException($"Not a valid MAC address ({result.Error.Code}).", nameof(mac));
        }

        return Convert.ToInt32(result.Value[..2], 16);
    }

    /// <summary>Strips the separators of one of the accepted layouts; the hex digits themselves are checked later.</summary>
    private static bool TryExtractHex(string s, out string hex)
    {
        hex = string.Empty;
        switch (s.Length)
        {
            case 12 when s.All(char.IsAsciiLetterOrDigit):
                hex = s;
                return true;
            case 17 when s[2] is ':' or '-':
                {
                    var separator = s[2];
                    for (var i = 2; i < 17; i += 3)
                    {
                        if (s[i] != separator)
                        {
                            return false;
                        }
                    }

                    var parts = s.Split(separator);
                    if (parts.Any(p => p.Length != 2 || !p.All(char.IsAsciiLetterOrDigit)))
                    {
                        return false;
                    }

                    hex = string.Concat(parts);
                    return true;
                }

            case 14 when s[4] == '.' && s[9] == '.':
                {
                    var parts = s.Split('.');
                    if (parts.Length != 3 || parts.Any(p => p.Length != 4 || !p.All(char.IsAsciiLetterOrDigit)))
                    {
                        return false;
                    }

                    hex = string.Concat(parts);
                    return true;
                }

            default:
                return false;
        }
    }
}
