using System.Globalization;
using Custodian.Core.Identifiers;

namespace Custodian.Core.Features.Demo;

/// <summary>
/// Identifiers for demo people and devices, each from a range that cannot belong to a real person or device, yet
/// passes the product's validation (so the write path is exercised for real). The n-th value of each kind is fixed,
/// so a seeded generator that asks for the same n's gets the same values.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Dutch numbers: the Netherlands publishes no range for fiction (unlike Ofcom's drama numbers or the
/// Bundesnetzagentur's Filmrufnummern; none was found), so demo subscribers get one visibly artificial block,
/// <c>+31 6 40xx xxxx</c> counted up from <c>+31 6 4000 1000</c> (the store's tests use <c>+31 6 4000 0xxx</c>), which
/// libphonenumber accepts as a mobile number. Never seed a database that sends SMS or places calls.</item>
/// <item>Correspondents outside the organisations (phone-book entries, called parties): Ofcom's drama ranges,
/// reserved for fiction: <c>+44 20 7946 0000–0999</c> (London) and <c>+44 161 496 0000–0999</c> (Manchester). Ofcom's
/// mobile drama block (07700 900xxx) is not used: libphonenumber, and so the store, refuses it as unallocated.</item>
/// <item>IMEIs: reporting-body prefix <c>00</c> (TAC <c>00999000</c>), historically the block for test IMEIs; serial
/// counted, Luhn check digit computed.</item>
/// <item>ICCIDs: <c>89 31 00 99</c> (telecom, NL, issuer 00 which no Dutch operator uses) + counted account + Luhn.</item>
/// <item>MAC addresses: the RFC 7042 documentation block <c>00:00:5E:00:53:00–FF</c>, then locally administered
/// addresses <c>02:00:5E:xx:xx:xx</c> (never a vendor's burnt-in address).</item>
/// <item>Public IPs: RFC 5737 (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24) and RFC 3849 (2001:db8::/32); accepted
/// only when the store's <c>AllowDocumentationAddresses</c> is on (<c>serve --dev</c>, <c>demo seed</c>).</item>
/// <item>E-mail: <c>*.example</c> domains (RFC 2606).</item>
/// </list>
/// </remarks>
internal static class DemoIdentifiers
{
    public const int DutchMobileFirst = 40_001_000;
    public const int DutchMobileLast = 40_999_999;

    private static readonly string[] DocumentationV4 = ["192.0.2", "198.51.100", "203.0.113"];

    /// <summary>E.164 of the n-th demo subscriber number: +31 6 4000 1000, +31 6 4000 1001, ...</summary>
    public static string DutchMobile(int n)
    {
        var subscriber = DutchMobileFirst + n;
        if (n < 0 || subscriber > DutchMobileLast)
        {
            throw new ArgumentOutOfRangeException(nameof(n), "The demo number block is exhausted.");
        }

        return Checked(IdentifierKind.PhoneNumber, string.Create(CultureInfo.InvariantCulture, $"+316{subscriber:D8}"));
    }

    /// <summary>A fictional correspondent (Ofcom drama ranges): even n in London, odd n in Manchester; 2,000 in all, then repeating.</summary>
    public static string Correspondent(int n)
    {
        var i = n % 2000;
        var number = i % 2 == 0
            ? string.Create(CultureInfo.InvariantCulture, $"+442079460{i / 2:D3}")
            : string.Create(CultureInfo.InvariantCulture, $"+441614960{i / 2:D3}");
        return Checked(IdentifierKind.PhoneNumber, number);
    }

    public static string Imei(int n)
    {
        var body = string.Create(CultureInfo.InvariantCulture, $"00999000{n % 1_000_000:D6}");
        return Checked(IdentifierKind.Imei, body + Identifiers.Imei.ComputeCheckDigit(body));
    }

    public static string Iccid(int n)
    {
        var body = string.Create(CultureInfo.InvariantCulture, $"89310099{n % 10_000_000_000L:D10}");
        return Checked(IdentifierKind.Iccid, body + Luhn.ComputeCheckDigit(body));
    }

    public static string Mac(int n)
    {
        var text = n < 256
            ? string.Create(CultureInfo.InvariantCulture, $"00:00:5E:00:53:{n:X2}")
            : string.Create(CultureInfo.InvariantCulture, $"02:00:5E:{(n >> 16) & 0xFF:X2}:{(n >> 8) & 0xFF:X2}:{n & 0xFF:X2}");
        return Checked(IdentifierKind.MacAddress, text);
    }

    /// <summary>The n-th documentation address: the three IPv4 blocks (hosts 1–254), then 2001:db8::/32.</summary>
    public static string PublicIp(int n)
    {
        var text = n < 3 * 254
            ? string.Create(CultureInfo.InvariantCulture, $"{DocumentationV4[n / 254]}.{n % 254 + 1}")
            : string.Create(CultureInfo.InvariantCulture, $"2001:db8:{n / 65536:x}::{n % 65536:x}");
        var result = PublicIpAddress.Normalize(text, allowDocumentationRanges: true);
        return result.IsValid ? result.Value : throw new InvalidOperationException($"Demo IP {text} is invalid: {result.Error.Code}");
    }

    /// <summary>A device address on the customer's LAN (private, so not a public identifier).</summary>
    public static string LanIp(int organization, int n) =>
        Checked(IdentifierKind.IpAddress, string.Create(CultureInfo.InvariantCulture, $"10.{organization % 250}.{n / 250 % 250}.{n % 250 + 2}"));

    public static string Email(string localPart, string domain) =>
        Checked(IdentifierKind.Email, $"{localPart}@{domain}");

    /// <summary>The generator's own values must be valid: a bug here is a bug, not demo data the store should refuse.</summary>
    private static string Checked(IdentifierKind kind, string value)
    {
        var result = Identifier.Normalize(kind, value);
        return result.IsValid ? result.Value : throw new InvalidOperationException($"Demo {kind} {value} is invalid: {result.Error.Code}");
    }
}
