namespace Custodian.Core.Features.Retention;

/// <summary>
/// Why records are held. Stored and sent as the lower-case words of <see cref="HoldBases"/>, never renamed.
/// The authority bases (<see cref="HoldBases.IsAuthority"/>) come from orders that must be kept secret (Tw 13.5(1),
/// Sv 126bb(5)): only callers with <c>holds:lawful</c> can place, see, extend or release them.
/// </summary>
internal enum HoldBasis
{
    /// <summary>A preservation order (bevel tot bewaring) under 126ni Sv: at most 90 days, once extendable by 90.</summary>
    PreservationOrder126ni,

    /// <summary>Another order or request in a criminal investigation (Sv), without the 126ni limits.</summary>
    CriminalInvestigation,

    /// <summary>The provider's or the organisation's own legal claims (GDPR 17(3)(e)).</summary>
    LegalClaims,

    /// <summary>An investigation by a supervisory authority (the AP, ACM) that asked for data to be kept.</summary>
    SupervisoryAuthority,

    /// <summary>A restriction of processing on a person (GDPR Art. 18), with its <see cref="RestrictionGround"/>.</summary>
    RestrictionArt18,

    /// <summary>Any other documented reason (the reason text says which).</summary>
    Other,
}

/// <summary>The grounds of GDPR Art. 18(1) (domain.md RES-1).</summary>
internal enum RestrictionGround
{
    /// <summary>(a) The accuracy is contested, for the time needed to verify it.</summary>
    AccuracyContested,

    /// <summary>(b) The processing is unlawful and the data subject opposes erasure, asking for restriction instead.</summary>
    UnlawfulOpposesErasure,

    /// <summary>(c) The controller no longer needs the data but the data subject needs it for legal claims.</summary>
    LegalClaims,

    /// <summary>(d) An objection under Art. 21(1) is pending.</summary>
    ObjectionPending,
}

/// <summary>The stable names of <see cref="HoldBasis"/> and <see cref="RestrictionGround"/> (database and API).</summary>
internal static class HoldBases
{
    private static readonly Dictionary<HoldBasis, string> BasisNames = new()
    {
        [HoldBasis.PreservationOrder126ni] = "preservation_order_126ni",
        [HoldBasis.CriminalInvestigation] = "criminal_investigation",
        [HoldBasis.LegalClaims] = "legal_claims",
        [HoldBasis.SupervisoryAuthority] = "supervisory_authority",
        [HoldBasis.RestrictionArt18] = "restriction_art18",
        [HoldBasis.Other] = "other",
    };

    private static readonly Dictionary<RestrictionGround, string> GroundNames = new()
    {
        [RestrictionGround.AccuracyContested] = "accuracy_contested",
        [RestrictionGround.UnlawfulOpposesErasure] = "unlawful_opposes_erasure",
        [RestrictionGround.LegalClaims] = "legal_claims",
        [RestrictionGround.ObjectionPending] = "objection_pending",
    };

    public static IReadOnlyList<string> Names { get; } = [.. BasisNames.Values];

    public static IReadOnlyList<string> GroundNameList { get; } = [.. GroundNames.Values];

    public static string Name(HoldBasis basis) => BasisNames[basis];

    public static string Name(RestrictionGround ground) => GroundNames[ground];

    public static HoldBasis ParseBasis(string name) =>
        BasisNames.FirstOrDefault(p => p.Value == name) is { Value: not null } hit ? hit.Key : throw new FormatException($"Unknown hold basis '{name}'.");

    public static RestrictionGround ParseGround(string name) =>
        GroundNames.FirstOrDefault(p => p.Value == name) is { Value: not null } hit ? hit.Key : throw new FormatException($"Unknown restriction ground '{name}'.");

    /// <summary>
    /// Bases that come from an authority's order or investigation: placing, seeing, extending and releasing them needs
    /// <c>holds:lawful</c>, which only provider keys can hold (issue 7's lawful-disclosure role maps onto it).
    /// </summary>
    public static bool IsAuthority(HoldBasis basis) =>
        basis is HoldBasis.PreservationOrder126ni or HoldBasis.CriminalInvestigation or HoldBasis.SupervisoryAuthority;

    /// <summary>The authority bases, for queries (<c>Contains</c> translates to SQL <c>IN</c>).</summary>
    public static IReadOnlyList<HoldBasis> Authority { get; } = [.. Enum.GetValues<HoldBasis>().Where(IsAuthority)];

    /// <summary>
    /// Whether a restriction on this ground stops the sweep from deleting the person's records. All four do: RET-9
    /// says retention jobs skip restricted records, and every ground is temporary or at the subject's request, so
    /// keeping the records until the restriction is lifted is reversible while deleting them is not. Issue 4 names
    /// ground (c) explicitly; whether (a) and (d) should stop deletion is for legal review: change it here, only here.
    /// </summary>
    public static bool StopsDeletion(RestrictionGround ground) => ground switch
    {
        RestrictionGround.AccuracyContested => true,
        RestrictionGround.UnlawfulOpposesErasure => true,
        RestrictionGround.LegalClaims => true,
        RestrictionGround.ObjectionPending => true,
        _ => throw new ArgumentOutOfRangeException(nameof(ground)),
    };
}
