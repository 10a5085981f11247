using Custodian.Core.Identifiers;
using Xunit;

namespace Custodian.Core.Tests.Identifiers;

public class PublicIpAddressTests
{
    [Theory]
    [InlineData("9.9.9.9", "9.9.9.9")]
    [InlineData("1.1.1.1", "1.1.1.1")]
    [InlineData("100.63.255.255", "100.63.255.255")] // just below 100.64/10
    [InlineData("100.128.0.0", "100.128.0.0")] // just above
    [InlineData("172.15.255.255", "172.15.255.255")] // just below 172.16/12
    [InlineData("172.32.0.0", "172.32.0.0")] // just above
    [InlineData("192.0.3.1", "192.0.3.1")]
    [InlineData("198.17.255.255", "198.17.255.255")]
    [InlineData("198.20.0.0", "198.20.0.0")] // just above 198.18/15
    [InlineData("223.255.255.255", "223.255.255.255")]
    [InlineData("2001:4860:4860::8888", "2001:4860:4860::8888")]
    [InlineData("2A02:0A00::1", "2a02:a00::1")]
    [InlineData("2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff")] // just below 2001:db8::/32
    [InlineData("2001:db9::1", "2001:db9::1")] // just above
    [InlineData("2002:c000:201::1", "2002:c000:201::1")] // 6to4 is globally routed
    [InlineData("3ffe:ffff::1", "3ffe:ffff::1")]
    [InlineData("3fff:1000::1", "3fff:1000::1")] // just above 3fff::/20
    public void Normalize_PublicAddresses_Accepted(string input, string expected) =>
        IdentifierAssert.Valid(PublicIpAddress.Normalize(input), expected);

    // One address inside every row of the documented table, first and last address where it matters.
    [Theory]
    [InlineData("0.0.0.0", "0.0.0.0/8")]
    [InlineData("0.255.255.255", "0.0.0.0/8")]
    [InlineData("10.0.0.0", "10.0.0.0/8")]
    [InlineData("10.255.255.255", "10.0.0.0/8")]
    [InlineData("100.64.0.1", "100.64.0.0/10")]
    [InlineData("100.127.255.255", "100.64.0.0/10")]
    [InlineData("127.0.0.1", "127.0.0.0/8")]
    [InlineData("169.254.1.1", "169.254.0.0/16")]
    [InlineData("172.16.0.1", "172.16.0.0/12")]
    [InlineData("172.31.255.255", "172.16.0.0/12")]
    [InlineData("192.0.0.8", "192.0.0.0/24")]
    [InlineData("192.0.2.1", "192.0.2.0/24")] // domain.md's valid IPv4 vector: valid, but not public
    [InlineData("192.88.99.1", "192.88.99.0/24")]
    [InlineData("192.168.1.1", "192.168.0.0/16")]
    [InlineData("198.18.0.1", "198.18.0.0/15")]
    [InlineData("198.19.255.255", "198.18.0.0/15")]
    [InlineData("198.51.100.7", "198.51.100.0/24")]
    [InlineData("203.0.113.254", "203.0.113.0/24")] // domain.md's other valid IPv4 vector
    [InlineData("224.0.0.1", "224.0.0.0/4")]
    [InlineData("239.255.255.250", "224.0.0.0/4")]
    [InlineData("240.0.0.1", "240.0.0.0/4")]
    [InlineData("255.255.255.255", "240.0.0.0/4")]
    [InlineData("::", "::/128")]
    [InlineData("::1", "::1/128")]
    [InlineData("64:ff9b:1::1", "64:ff9b:1::/48")]
    [InlineData("100::1", "100::/64")]
    [InlineData("2001:2::1", "2001:2::/48")]
    [InlineData("2001:db8::1", "2001:db8::/32")] // domain.md's valid IPv6 vector
    [InlineData("2001:db8:ffff::1", "2001:db8::/32")]
    [InlineData("3fff::1", "3fff::/20")]
    [InlineData("3fff:fff::1", "3fff::/20")]
    [InlineData("5f00::1", "5f00::/16")]
    [InlineData("fc00::1", "fc00::/7")]
    [InlineData("fd12:3456:789a::1", "fc00::/7")]
    [InlineData("fe80::1", "fe80::/10")]
    [InlineData("febf::1", "fe80::/10")]
    [InlineData("ff02::1", "ff00::/8")]
    public void Normalize_ReservedAddresses_ReturnsReservedNamingTheRange(string input, string cidr)
    {
        var error = IdentifierAssert.Invalid(PublicIpAddress.Normalize(input), "identifier.public_ip.reserved");

        Assert.Contains(cidr, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("::192.0.2.1")] // IPv4-compatible, deprecated
    [InlineData("64:ff9b::c000:221")] // NAT64 well-known prefix
    [InlineData("1::1")]
    [InlineData("4000::1")]
    [InlineData("fec0::1")] // deprecated site-local
    public void Normalize_Ipv6OutsideGlobalUnicast_ReturnsNotGlobal(string input) =>
        IdentifierAssert.Invalid(PublicIpAddress.Normalize(input), "identifier.public_ip.not_global");

    [Fact]
    public void Normalize_Ipv4Mapped_StoredAsIpv4WithNotice()
    {
        var result = PublicIpAddress.Normalize("::ffff:9.9.9.9");

        IdentifierAssert.Valid(result, "9.9.9.9");
        Assert.Equal(PublicIpAddress.UnmappedIpv4Code, result.Notice?.Code);
    }

    [Theory]
    [InlineData("::ffff:10.1.2.3", "10.0.0.0/8")]
    [InlineData("::ffff:192.0.2.1", "192.0.2.0/24")]
    public void Normalize_Ipv4MappedPrivate_JudgedByIpv4Table(string input, string cidr)
    {
        var error = IdentifierAssert.Invalid(PublicIpAddress.Normalize(input), "identifier.public_ip.reserved");

        Assert.Contains(cidr, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("192.0.2.1")]
    [InlineData("198.51.100.7")]
    [InlineData("203.0.113.254")]
    [InlineData("2001:db8::1")]
    [InlineData("3fff::1")]
    public void Normalize_DocumentationRangeAllowedForDemoData_Accepted(string input) =>
        IdentifierAssert.Valid(PublicIpAddress.Normalize(input, allowDocumentationRanges: true), input);

    [Theory]
    [InlineData("10.0.0.1")]
    [InlineData("192.168.1.1")]
    [InlineData("fc00::1")]
    public void Normalize_DocumentationRangeAllowed_StillRejectsPrivate(string input) =>
        IdentifierAssert.Invalid(PublicIpAddress.Normalize(input, allowDocumentationRanges: true), "identifier.public_ip.reserved");

    [Theory]
    [InlineData("192.168.1", "identifier.ipv4.parts")]
    [InlineData("fe80::1%eth0", "identifier.ipv6.zone_id")]
    [InlineData("", "identifier.ip.empty")]
    public void Normalize_NotAnIpAddress_ReturnsIpError(string input, string code) =>
        IdentifierAssert.Invalid(PublicIpAddress.Normalize(input), code);

    [Fact]
    public void ReservedRanges_Table_IsWellFormedAndDocumented()
    {
        Assert.Equal(26, PublicIpAddress.ReservedRanges.Count);
        Assert.All(PublicIpAddress.ReservedRanges, r =>
        {
            Assert.StartsWith("RFC ", r.Reference, StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(r.Purpose));
            // The network address has no bits set beyond the prefix.
            Assert.True(r.Contains(r.Network));
        });
        Assert.Equal(
            ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32", "3fff::/20"],
            PublicIpAddress.ReservedRanges.Where(r => r.IsDocumentation).Select(r => r.Cidr));
    }
}
