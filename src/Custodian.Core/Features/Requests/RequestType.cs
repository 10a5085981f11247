namespace Custodian.Core.Features.Requests;

/// <summary>The kinds of data-subject request (GDPR Art. 15–18, 20, 21, 7(3)). Wire names: <see cref="RequestTypes.Name"/>.</summary>
internal enum RequestType
{
    Access,
    Rectification,
    Erasure,
    Restriction,
    Portability,
    Objection,
    WithdrawConsent,
}

/// <summary>Stable wire and column names of <see cref="RequestType"/>; never renamed (other features and clients use them).</summary>
internal static class RequestTypes
{
    public static string Name(RequestType type) => type switch
    {
        RequestType.Access => "access",
        RequestType.Rectification => "rectification",
        RequestType.Erasure => "erasure",
        RequestType.Restriction => "restriction",
        RequestType.Portability => "portability",
        RequestType.Objection => "objection",
        RequestType.WithdrawConsent => "withdraw_consent",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>The type as people read it in messages (the portal's own words), Dutch unless <paramref name="language"/> is <c>en</c>.</summary>
    public static string Title(RequestType type, string language) => (type, language == "en") switch
    {
        (RequestType.Access, false) => "inzage",
        (RequestType.Access, true) => "access",
        (RequestType.Rectification, false) => "correctie",
        (RequestType.Rectification, true) => "rectification",
        (RequestType.Erasure, false) => "verwijdering",
        (RequestType.Erasure, true) => "erasure",
        (RequestType.Restriction, false) => "beperking van de verwerking",
        (RequestType.Restriction, true) => "restriction of processing",
        (RequestType.Portability, false) => "overdracht van uw gegevens",
        (RequestType.Portability, true) => "data portability",
        (RequestType.Objection, false) => "bezwaar",
        (RequestType.Objection, true) => "objection",
        (RequestType.WithdrawConsent, false) => "toestemming intrekken",
        (RequestType.WithdrawConsent, true) => "withdrawal of consent",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public static RequestType? Parse(string? name) => name?.Trim() switch
    {
        "access" => RequestType.Access,
        "rectification" => RequestType.Rectification,
        "erasure" => RequestType.Erasure,
        "restriction" => RequestType.Restriction,
        "portability" => RequestType.Portability,
        "objection" => RequestType.Objection,
        "withdraw_consent" => RequestType.WithdrawConsent,
        _ => null,
    };

    public static IReadOnlyList<string> Names { get; } = [.. Enum.GetValues<RequestType>().Select(Name)];

    /// <summary>
    /// The verification tier a type needs at least (security.md §1.3 item 2): access to everything, erasure and
    /// portability are high; rectification, restriction, objection and withdrawal change processing of contact data
    /// and are medium. The lifecycle records the tier; staff actions check it.
    /// </summary>
    public static VerificationTier RequiredTier(RequestType type) => type switch
    {
        RequestType.Access or RequestType.Erasure or RequestType.Portability => VerificationTier.High,
        _ => VerificationTier.Medium,
    };
}

/// <summary>Tiers of identity verification, security.md §1.3 item 2.</summary>
internal enum VerificationTier
{
    /// <summary>Known-channel code only.</summary>
    Low,

    /// <summary>Known channel plus a held fact that is not public.</summary>
    Medium,

    /// <summary>Authenticated account, client-organisation confirmation, or (configurable fallback) a masked ID copy, plus a known-channel code.</summary>
    High,
}
