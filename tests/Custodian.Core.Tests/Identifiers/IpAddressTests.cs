using System.Net;
using Custodian.Core.Identifiers;
using Xunit;

namespace Custodian.Core.Tests.Identifiers;

public class IpAddressTests
{
    // domain.md §12 "IPv4 / IPv6": valid vectors.
    [Theory]
    [InlineData("192.0.2.1", "192.0.2.1")]
    [InlineData("203.0.113.254", "203.0.113.254")]
    [InlineData("2001:db8::1", "2001:db8::1")]
    public void Normalize_DomainValidVectors_ReturnsCanonical(string input, string expected) =>
        IdentifierAssert.Valid(IpAddress.Normalize(input), expected);

    // domain.md §12: invalid vectors. IPAddress.TryParse accepts the first, third and fourth.
    [Theory]
    [InlineData("192.168.1", "identifier.ipv4.parts")]
    [InlineData("256.1.1.1", "identifier.ipv4.range")]
    [InlineData("192.168.1.020", "identifier.ipv4.leading_zero")]
    [InlineData("1", "identifier.ip.format")]
    [InlineData("2001:db8::1::1", "identifier.ipv6.format")]
    [InlineData("2001:db8:::1", "identifier.ipv6.format")]
    [InlineData("12345::1", "identifier.ipv6.format")]
    public void Normalize_DomainInvalidVectors_ReturnsError(string input, string code) =>
        IdentifierAssert.Invalid(IpAddress.Normalize(input), code);

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("255.255.255.255")]
    [InlineData("10.0.0.1")]
    [InlineData("  198.51.100.7 ")]
    public void NormalizeV4_StrictDottedQuads_Accepted(string input) =>
        IdentifierAssert.Valid(IpAddress.NormalizeV4(input), input.Trim());

    [Theory]
    [InlineData("1.2.3", "identifier.ipv4.parts")]
    [InlineData("1.2.3.4.5", "identifier.ipv4.parts")]
    [InlineData("1.2.3.4.", "identifier.ipv4.parts")]
    [InlineData("1..3.4", "identifier.ipv4.octet")]
    [InlineData(".1.2.3", "identifier.ipv4.octet")]
    [InlineData("1.2.3.-4", "identifier.ipv4.octet")]
    [InlineData("1.2.3.+4", "identifier.ipv4.octet")]
    [InlineData("0x7f.0.0.1", "identifier.ipv4.octet")]
    [InlineData("1.2.3.1000", "identifier.ipv4.octet")]
    [InlineData("1.2.3.4 ", null)] // trailing whitespace is trimmed, so valid
    [InlineData("1.2. 3.4", "identifier.ipv4.octet")]
    [InlineData("1.2.3.٤", "identifier.ipv4.octet")] // Arabic-Indic four
    [InlineData("１.2.3.4", "identifier.ipv4.octet")] // full-width one
    [InlineData("01.2.3.4", "identifier.ipv4.leading_zero")]
    [InlineData("1.2.3.00", "identifier.ipv4.leading_zero")]
    [InlineData("1.2.3.256", "identifier.ipv4.range")]
    [InlineData("999.2.3.4", "identifier.ipv4.range")]
    public void NormalizeV4_NonStrictForms_ReturnsError(string input, string? code)
    {
        var result = IpAddress.NormalizeV4(input);
        if (code is null)
        {
            Assert.True(result.IsValid);
        }
        else
        {
            IdentifierAssert.Invalid(result, code);
        }
    }

    [Fact]
    public void NormalizeV4_IPAddressTryParseLoopholes_AllRejected()
    {
        // The reason we parse ourselves: the framework reads each of these as some address.
        foreach (var loophole in new[] { "1", "192.168.1", "192.168.1.020", "0x7f.1", "3232235777" })
        {
            Assert.True(IPAddress.TryParse(loophole, out _), loophole);
            Assert.False(IpAddress.Normalize(loophole).IsValid, loophole);
        }
    }

    [Theory]
    [InlineData("2001:DB8::1", "2001:db8::1")] // lower case
    [InlineData("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1")] // leading zeros, longest run
    [InlineData("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1")] // equal runs: the first is compressed
    [InlineData("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1")] // a single zero group is not compressed
    [InlineData("2001:db8::0:1", "2001:db8::1")]
    [InlineData("2001:0:0:1::1", "2001:0:0:1::1")] // the longer run wins
    [InlineData("2001:db8:0:0:0:1:0:0", "2001:db8::1:0:0")]
    [InlineData("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0")] // :: standing for one group
    [InlineData("::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8")]
    [InlineData("0:0:0:0:0:0:0:0", "::")]
    [InlineData("::", "::")]
    [InlineData("::1", "::1")]
    [InlineData("1::", "1::")]
    [InlineData("FE80::ABCD:0EF0", "fe80::abcd:ef0")]
    [InlineData("::ffff:192.0.2.1", "::ffff:192.0.2.1")] // IPv4-mapped keeps the dotted form (RFC 5952 §5)
    [InlineData("::FFFF:c000:0201", "::ffff:192.0.2.1")]
    [InlineData("0:0:0:0:0:ffff:192.0.2.1", "::ffff:192.0.2.1")]
    [InlineData("::192.0.2.1", "::c000:201")] // IPv4-compatible (deprecated): plain hex
    [InlineData("64:ff9b::192.0.2.33", "64:ff9b::c000:221")]
    [InlineData("1:2:3:4:5:6:192.0.2.1", "1:2:3:4:5:6:c000:201")]
    public void NormalizeV6_TextForms_ReturnsRfc5952(string input, string expected)
    {
        IdentifierAssert.Valid(IpAddress.Normalize(input), expected);
        // Same address as the framework reads it.
        Assert.Equal(IPAddress.Parse(input), IPAddress.Parse(expected));
    }

    [Theory]
    [InlineData("fe80::1%eth0", "identifier.ipv6.zone_id")]
    [InlineData("fe80::1%4", "identifier.ipv6.zone_id")]
    [InlineData("1:2:3:4:5:6:7:8:9", "identifier.ipv6.format")]
    [InlineData("1:2:3:4:5:6:7", "identifier.ipv6.format")]
    [InlineData("1:2:3:4:5:6:7:8::", "identifier.ipv6.format")] // :: must stand for at least one group
    [InlineData("::1:2:3:4:5:6:7:8", "identifier.ipv6.format")]
    [InlineData(":1:2:3:4:5:6:7", "identifier.ipv6.format")]
    [InlineData("1:2:3:4:5:6:7:", "identifier.ipv6.format")]
    [InlineData(":::", "identifier.ipv6.format")]
    [InlineData(":", "identifier.ipv6.format")]
    [InlineData("2001:db8::g", "identifier.ipv6.format")]
    [InlineData("[2001:db8::1]", "identifier.ipv6.format")]
    [InlineData("2001:db8::1/64", "identifier.ipv6.format")]
    [InlineData("2001:db8:: 1", "identifier.ipv6.format")]
    [InlineData("2001:db8::１", "identifier.ipv6.format")] // full-width one
    [InlineData("1.2.3.4::", "identifier.ipv6.format")] // IPv4 only at the end
    [InlineData("::1.2.3.4:1", "identifier.ipv6.format")]
    [InlineData("1:2:3:4:5:6:7:1.2.3.4", "identifier.ipv6.format")] // 9 groups
    [InlineData("::ffff:192.168.1", "identifier.ipv6.embedded_ipv4")]
    [InlineData("::ffff:192.168.1.020", "identifier.ipv6.embedded_ipv4")]
    [InlineData("::ffff:256.0.0.1", "identifier.ipv6.embedded_ipv4")]
    public void NormalizeV6_InvalidForms_ReturnsError(string input, string code) =>
        IdentifierAssert.Invalid(IpAddress.Normalize(input), code);

    [Theory]
    [InlineData("abc", "identifier.ip.format")]
    [InlineData("12345", "identifier.ip.format")]
    [InlineData("٣", "identifier.ip.format")]
    public void Normalize_NeitherFamily_ReturnsFormat(string input, string code) =>
        IdentifierAssert.Invalid(IpAddress.Normalize(input), code);

    [Fact]
    public void NormalizeV6_Ipv4Text_ReturnsFormat() =>
        IdentifierAssert.Invalid(IpAddress.NormalizeV6("192.0.2.1"), "identifier.ipv6.format");

    [Fact]
    public void NormalizeV4_Ipv6Text_ReturnsParts() =>
        IdentifierAssert.Invalid(IpAddress.NormalizeV4("2001:db8::1"), "identifier.ipv4.parts");

    [Fact]
    public void NormalizeV6_RandomAddresses_AgreeWithFrameworkFormatting()
    {
        // .NET also prints RFC 5952 text except for IPv4-compatible/mapped forms, which our generator avoids.
        var random = new Random(5952);
        var bytes = new byte[16];
        for (var i = 0; i < 2000; i++)
        {
            random.NextBytes(bytes);
            bytes[0] |= 0x20; // stay out of ::/8 where the framework uses dotted tails
            for (var g = 0; g < 8; g++)
            {
                if (random.Next(3) == 0)
                {
                    bytes[2 * g] = bytes[(2 * g) + 1] = 0;
                }
            }

            var expected = new IPAddress(bytes).ToString();
            var full = string.Join(':', Enumerable.Range(0, 8).Select(g => $"{bytes[2 * g]:X2}{bytes[(2 * g) + 1]:X2}"));

            IdentifierAssert.Valid(IpAddress.Normalize(full), expected);
            IdentifierAssert.Valid(IpAddress.Normalize(expected), expected);
        }
    }
}
