using Custodian.Core.Features.Subjects;
using Custodian.Core.Identifiers;

namespace Custodian.Core.Features.Retention;

/// <summary>
/// The identifier kinds a hold can name (API and database words) and the form in which hold identifiers and record
/// identifiers are compared. Comparison errs towards holding: e-mail addresses compare case-insensitively (a local part
/// in other case is held too), and an IP address held matches the same address stored as a public IP address.
/// </summary>
internal static class HoldIdentifiers
{
    /// <summary>The hold identifier kind of a subject key kind; null for names (a hold names identifiers, not names).</summary>
    public static IdentifierKind? KindOf(SubjectIdentifierKind kind) => kind switch
    {
        SubjectIdentifierKind.Phone => IdentifierKind.PhoneNumber,
        SubjectIdentifierKind.Email => IdentifierKind.Email,
        SubjectIdentifierKind.Imei => IdentifierKind.Imei,
        SubjectIdentifierKind.Iccid => IdentifierKind.Iccid,
        SubjectIdentifierKind.Mac => IdentifierKind.MacAddress,
        SubjectIdentifierKind.Ip => IdentifierKind.IpAddress,
        _ => null,
    };

    /// <summary>The most identifiers one hold may name (one order names a handful; a list of thousands is a mistake).</summary>
    public const int MaxPerHold = 100;

    private static readonly Dictionary<string, IdentifierKind> Kinds = new(StringComparer.Ordinal)
    {
        ["phone"] = IdentifierKind.PhoneNumber,
        ["email"] = IdentifierKind.Email,
        ["imei"] = IdentifierKind.Imei,
        ["iccid"] = IdentifierKind.Iccid,
        ["mac"] = IdentifierKind.MacAddress,
        ["ip"] = IdentifierKind.IpAddress,
        ["postcode"] = IdentifierKind.DutchPostcode,
        ["iban"] = IdentifierKind.DutchIban,
    };

    public static IReadOnlyList<string> KindNames { get; } = [.. Kinds.Keys];

    public static IdentifierKind? ParseKind(string? name) => name is not null && Kinds.TryGetValue(name.Trim(), out var kind) ? kind : null;

    /// <summary>The word for a kind; a public IP address is an <c>ip</c>.</summary>
    public static string KindName(IdentifierKind kind) => Kinds.First(p => p.Value == MatchKind(kind)).Key;

    /// <summary>Public IP addresses are IP addresses with a narrower validation; for holding they are one kind.</summary>
    public static IdentifierKind MatchKind(IdentifierKind kind) => kind == IdentifierKind.PublicIpAddress ? IdentifierKind.IpAddress : kind;

    /// <summary>
    /// The comparison form of a canonical value (from <see cref="Identifier.Normalize"/>): e-mail lower case, the rest
    /// as canonical. Hold identifiers are stored in this form; record identifiers are put in it before comparing.
    /// </summary>
    public static (IdentifierKind Kind, string Value) MatchForm(IdentifierKind kind, string canonical)
    {
        var k = MatchKind(kind);
#pragma warning disable CA1308 // lower case on purpose: a comparison key, see the type's remarks
        return (k, k == IdentifierKind.Email ? canonical.ToLowerInvariant() : canonical);
#pragma warning restore CA1308
    }
}
