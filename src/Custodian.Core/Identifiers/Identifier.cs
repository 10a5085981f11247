namespace Custodian.Core.Identifiers;

/// <summary>
/// One entry point for callers that know the kind only at run time (importers, the generic API validator).
/// </summary>
/// <remarks>
/// Named <c>Identifier</c>, not <c>Identifiers</c>: a type named like its namespace's last segment would be shadowed
/// by the namespace <c>Custodian.Core.Identifiers</c> in all code under <c>Custodian.Core</c>.
/// </remarks>
internal static class Identifier
{
    public static IdentifierResult Normalize(IdentifierKind kind, string? input) => kind switch
    {
        IdentifierKind.PhoneNumber => Phone.Normalize(input),
        IdentifierKind.Email => Email.Normalize(input),
        IdentifierKind.Imei => Imei.Normalize(input),
        IdentifierKind.Iccid => Iccid.Normalize(input),
        IdentifierKind.MacAddress => MacAddress.Normalize(input),
        IdentifierKind.IpAddress => IpAddress.Normalize(input),
        IdentifierKind.PublicIpAddress => PublicIpAddress.Normalize(input),
        IdentifierKind.DutchPostcode => DutchPostcode.Normalize(input),
        IdentifierKind.DutchIban => DutchIban.Normalize(input),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown identifier kind."),
    };
}
