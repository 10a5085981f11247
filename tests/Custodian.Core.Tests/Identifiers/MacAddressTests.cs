using Custodian.Core.Identifiers;
using Xunit;

namespace Custodian.Core.Tests.Identifiers;

public class MacAddressTests
{
    // domain.md §12 "MAC address": valid vectors.
    [Theory]
    [InlineData("00:1A:2B:3C:4D:5E")]
    [InlineData("00-1a-2b-3c-4d-5e")]
    public void Normalize_DomainValidVectors_ReturnsCanonical(string input) =>
        IdentifierAssert.Valid(MacAddress.Normalize(input), "00:1A:2B:3C:4D:5E");

    // domain.md §12: invalid vectors.
    [Theory]
    [InlineData("00:1A:2B:3C:4D", "identifier.mac.format")]
    [InlineData("00:1G:2B:3C:4D:5E", "identifier.mac.hex")]
    [InlineData("FF:FF:FF:FF:FF:FF", "identifier.mac.broadcast")]
    public void Normalize_DomainInvalidVectors_ReturnsError(string input, string code) =>
        IdentifierAssert.Invalid(MacAddress.Normalize(input), code);

    [Theory]
    [InlineData("001a.2b3c.4d5e")]
    [InlineData("001A.2B3C.4D5E")]
    [InlineData("001A2B3C4D5E")]
    [InlineData("001a2b3c4d5e")]
    [InlineData("00:1a:2B:3c:4D:5e")]
    [InlineData(" 00-1A-2B-3C-4D-5E ")]
    public void Normalize_OtherAcceptedForms_ReturnsCanonical(string input) =>
        IdentifierAssert.Valid(MacAddress.Normalize(input), "00:1A:2B:3C:4D:5E");

    [Theory]
    [InlineData("00:1A-2B:3C-4D:5E")] // mixed separators
    [InlineData("00:1A:2B:3C:4D:5E:6F")] // EUI-64 length
    [InlineData("0:1A:2B:3C:4D:5E")]
    [InlineData("001:A2:B3C:4D:5E:")]
    [InlineData("00 1A 2B 3C 4D 5E")]
    [InlineData("001a.2b3c4d5e")]
    [InlineData("001a:2b3c:4d5e")]
    [InlineData("00.1a.2b.3c.4d.5e")]
    [InlineData("001A2B3C4D5")]
    public void Normalize_BadLayout_ReturnsFormat(string input) =>
        IdentifierAssert.Invalid(MacAddress.Normalize(input), "identifier.mac.format");

    [Theory]
    [InlineData("001A2B3C4D5G")]
    [InlineData("00:1A:2B:3C:4D:5Z")]
    [InlineData("001a.2b3c.4d5x")]
    public void Normalize_NonHexDigit_ReturnsHex(string input) =>
        IdentifierAssert.Invalid(MacAddress.Normalize(input), "identifier.mac.hex");

    [Theory]
    [InlineData("00:1A:2B:3C:4D:5Ｅ")] // full-width E
    [InlineData("٠٠:1A:2B:3C:4D:5E")] // Arabic-Indic zeros
    public void Normalize_NonAsciiCharacters_Rejected(string input) =>
        Assert.False(MacAddress.Normalize(input).IsValid);

    [Theory]
    [InlineData("00:00:00:00:00:00", "identifier.mac.all_zero")]
    [InlineData("0000.0000.0000", "identifier.mac.all_zero")]
    [InlineData("ff-ff-ff-ff-ff-ff", "identifier.mac.broadcast")]
    [InlineData("ffff.ffff.ffff", "identifier.mac.broadcast")]
    public void Normalize_AllZeroOrBroadcast_ReturnsError(string input, string code) =>
        IdentifierAssert.Invalid(MacAddress.Normalize(input), code);

    [Theory]
    [InlineData("00:1A:2B:3C:4D:5E", false, false)]
    [InlineData("01:00:5E:00:00:FB", true, false)] // IPv4 multicast mDNS
    [InlineData("02:00:00:00:00:01", false, true)]
    [InlineData("03:00:00:00:00:01", true, true)]
    [InlineData("0a-1b-2c-3d-4e-5f", false, true)]
    [InlineData("3333.0000.0001", true, true)] // IPv6 multicast
    public void Flags_FirstOctetBits_AreReported(string mac, bool multicast, bool locallyAdministered)
    {
        Assert.True(MacAddress.Normalize(mac).IsValid);
        Assert.Equal(multicast, MacAddress.IsMulticast(mac));
        Assert.Equal(locallyAdministered, MacAddress.IsLocallyAdministered(mac));
    }

    [Fact]
    public void IsMulticast_InvalidMac_Throws() =>
        Assert.Throws<ArgumentException>(() => MacAddress.IsMulticast("00:1A:2B"));
}
