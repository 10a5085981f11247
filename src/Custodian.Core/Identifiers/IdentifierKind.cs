namespace Custodian.Core.Identifiers;

/// <summary>
/// The identifier kinds the product stores, each with a canonical form. A BSN is deliberately absent: it is never
/// stored, only detected (see <see cref="Bsn"/>).
/// </summary>
internal enum IdentifierKind
{
    /// <summary>E.164 (<c>+31883082636</c>), see <see cref="Phone"/>.</summary>
    PhoneNumber,

    /// <summary>Local part as given, domain lower-cased (Unicode for IDNs), see <see cref="Email"/>.</summary>
    Email,

    /// <summary>15 digits, see <see cref="Imei"/>.</summary>
    Imei,

    /// <summary>18–20 digits starting 89, see <see cref="Iccid"/>.</summary>
    Iccid,

    /// <summary>EUI-48 <c>AA:BB:CC:DD:EE:FF</c>, see <see cref="MacAddress"/>.</summary>
    MacAddress,

    /// <summary>Strict IPv4 or RFC 5952 IPv6, see <see cref="IpAddress"/>.</summary>
    IpAddress,

    /// <summary>As <see cref="IpAddress"/>, minus private and reserved ranges, see <see cref="Identifiers.PublicIpAddress"/>.</summary>
    PublicIpAddress,

    /// <summary><c>1234 AB</c>, see <see cref="DutchPostcode"/>.</summary>
    DutchPostcode,

    /// <summary>Compact upper case <c>NL91ABNA0417164300</c>, see <see cref="DutchIban"/>.</summary>
    DutchIban,
}
