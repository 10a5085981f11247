using Custodian.Core.Identifiers;

namespace Custodian.Core.Features.Subjects;

/// <summary>The kinds of identifier a data subject is found by (issue 3 §1). Stored as lower-case words in <c>subject_identifiers.kind</c>.</summary>
internal enum SubjectIdentifierKind
{
    Phone,
    Email,
    Imei,
    Iccid,
    Mac,
    Ip,
    Name,
}

/// <summary>
/// One identifier of a person held by a record, in the form the look-up index compares: the identifier's canonical
/// form, except that e-mail addresses and names are compared case-insensitively (stored lower-case invariant), so that
/// <c>Jan.Jansen@Example.nl</c> finds <c>jan.jansen@example.nl</c>: for an access request, finding too little is the
/// failure that matters.
/// </summary>
internal readonly record struct SubjectKey(SubjectIdentifierKind Kind, string Value)
{
    public static string KindName(SubjectIdentifierKind kind) => kind switch
    {
        SubjectIdentifierKind.Phone => "phone",
        SubjectIdentifierKind.Email => "email",
        SubjectIdentifierKind.Imei => "imei",
        SubjectIdentifierKind.Iccid => "iccid",
        SubjectIdentifierKind.Mac => "mac",
        SubjectIdentifierKind.Ip => "ip",
        SubjectIdentifierKind.Name => "name",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static SubjectIdentifierKind? ParseKind(string? name) => name?.Trim() switch
    {
        "phone" => SubjectIdentifierKind.Phone,
        "email" => SubjectIdentifierKind.Email,
        "imei" => SubjectIdentifierKind.Imei,
        "iccid" => SubjectIdentifierKind.Iccid,
        "mac" => SubjectIdentifierKind.Mac,
        "ip" => SubjectIdentifierKind.Ip,
        "name" => SubjectIdentifierKind.Name,
        _ => null,
    };

    public static IReadOnlyList<string> KindNames { get; } = [.. Enum.GetValues<SubjectIdentifierKind>().Select(KindName)];

    /// <summary>Index form of an already canonical stored value (null when the field is empty).</summary>
    public static SubjectKey? Of(SubjectIdentifierKind kind, string? canonical) =>
        string.IsNullOrWhiteSpace(canonical) ? null : new SubjectKey(kind, IndexForm(kind, canonical));

    internal static string IndexForm(SubjectIdentifierKind kind, string canonical) => kind switch
    {
        // Case-insensitive comparison by design (see the type's remarks); the index holds lower-case invariant text.
#pragma warning disable CA1308
        SubjectIdentifierKind.Email => canonical.ToLowerInvariant(),
        SubjectIdentifierKind.Name => string.Join(' ', canonical.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToLowerInvariant(),
#pragma warning restore CA1308
        _ => canonical,
    };

    /// <summary>The identifier normaliser that gives a searched value the same canonical form as stored ones.</summary>
    public static IdentifierResult Normalize(SubjectIdentifierKind kind, string input) => kind switch
    {
        SubjectIdentifierKind.Phone => Phone.Normalize(input),
        SubjectIdentifierKind.Email => Email.Normalize(input),
        SubjectIdentifierKind.Imei => Imei.Normalize(input),
        SubjectIdentifierKind.Iccid => Iccid.Normalize(input),
        SubjectIdentifierKind.Mac => MacAddress.Normalize(input),
        SubjectIdentifierKind.Ip => IpAddress.Normalize(input),
        SubjectIdentifierKind.Name => string.IsNullOrWhiteSpace(input) || input.Length > 200
            ? IdentifierResult.Failure("subject.name_invalid", "A name must be 1 to 200 characters.")
            : IdentifierResult.Success(input.Trim()),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    // A key is personal data: never print the value.
    public override string ToString() => $"SubjectKey {{ Kind = {KindName(Kind)} }}";
}

/// <summary>
/// A stored record that holds identifiers of people. The look-up index (<see cref="SubjectIdentifier"/>) is derived
/// from <see cref="SubjectKeys"/> on every save, in the same transaction (see <see cref="SubjectIndex"/>).
/// </summary>
internal interface ISubjectRecord
{
    Guid Id { get; }

    /// <summary>The organisation the record belongs to (the index row is tenant-owned too).</summary>
    Guid SubjectOrganizationId { get; }

    /// <summary>Stable record type name used in the index and in the API (<c>contact_person</c>); never renamed.</summary>
    string RecordType { get; }

    IEnumerable<SubjectKey> SubjectKeys();
}
