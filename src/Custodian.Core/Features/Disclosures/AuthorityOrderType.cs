using Custodian.Core.Features.Retention;

namespace Custodian.Core.Features.Disclosures;

/// <summary>
/// The type and legal basis of an authority order (domain.md AUT-2). Stored and sent as the words of
/// <see cref="AuthorityOrderTypes"/>, never renamed. 112 caller data is not an order type here: it is a standing
/// obligation with its own feature (<c>Features/Disclosures/Emergency</c>).
/// </summary>
internal enum AuthorityOrderType
{
    Interception126m,
    Interception126t,
    Interception126zg,
    TrafficData126n,
    TrafficData126u,
    UserData126na,
    UserData126ua,
    OtherData126nc,
    OtherData126nd,
    OtherData126ne,
    OtherData126nf,
    OtherData126ng,
    Preservation126ni,

    /// <summary>A request of the AIVD/MIVD under the Wiv 2017 (exact articles per request kind: UNVERIFIED, AUT-2).</summary>
    IntelligenceWiv2017,

    /// <summary>A subscriber's request for the number of a nuisance caller (Tw 11.11, AUT-6).</summary>
    NuisanceCall1111,
}

/// <summary>The group an order type is counted in for the transparency statistics (AUT-7).</summary>
internal enum AuthorityOrderGroup
{
    Interception,
    TrafficData,
    UserData,
    OtherData,
    Preservation,
    Intelligence,
    NuisanceCall,
}

/// <summary>Who issued an order (AUT-4).</summary>
internal enum IssuingAuthority
{
    PublicProsecutor,
    ExaminingMagistrate,
    InvestigatingOfficer,
    IntelligenceService,

    /// <summary>A subscriber asking under Tw 11.11 (not an authority, but registered the same way).</summary>
    Subscriber,
}

/// <summary>Stable names and the rules that depend on the type alone.</summary>
internal static class AuthorityOrderTypes
{
    private static readonly Dictionary<AuthorityOrderType, string> TypeNames = new()
    {
        [AuthorityOrderType.Interception126m] = "interception_126m",
        [AuthorityOrderType.Interception126t] = "interception_126t",
        [AuthorityOrderType.Interception126zg] = "interception_126zg",
        [AuthorityOrderType.TrafficData126n] = "traffic_data_126n",
        [AuthorityOrderType.TrafficData126u] = "traffic_data_126u",
        [AuthorityOrderType.UserData126na] = "user_data_126na",
        [AuthorityOrderType.UserData126ua] = "user_data_126ua",
        [AuthorityOrderType.OtherData126nc] = "other_data_126nc",
        [AuthorityOrderType.OtherData126nd] = "other_data_126nd",
        [AuthorityOrderType.OtherData126ne] = "other_data_126ne",
        [AuthorityOrderType.OtherData126nf] = "other_data_126nf",
        [AuthorityOrderType.OtherData126ng] = "other_data_126ng",
        [AuthorityOrderType.Preservation126ni] = "preservation_126ni",
        [AuthorityOrderType.IntelligenceWiv2017] = "intelligence_wiv2017",
        [AuthorityOrderType.NuisanceCall1111] = "nuisance_call_11_11",
    };

    private static readonly Dictionary<AuthorityOrderGroup, string> GroupNames = new()
    {
        [AuthorityOrderGroup.Interception] = "interception",
        [AuthorityOrderGroup.TrafficData] = "traffic_data",
        [AuthorityOrderGroup.UserData] = "user_data",
        [AuthorityOrderGroup.OtherData] = "other_data",
        [AuthorityOrderGroup.Preservation] = "preservation",
        [AuthorityOrderGroup.Intelligence] = "intelligence",
        [AuthorityOrderGroup.NuisanceCall] = "nuisance_call",
    };

    private static readonly Dictionary<IssuingAuthority, string> AuthorityNames = new()
    {
        [IssuingAuthority.PublicProsecutor] = "public_prosecutor",
        [IssuingAuthority.ExaminingMagistrate] = "examining_magistrate",
        [IssuingAuthority.InvestigatingOfficer] = "investigating_officer",
        [IssuingAuthority.IntelligenceService] = "intelligence_service",
        [IssuingAuthority.Subscriber] = "subscriber",
    };

    public static IReadOnlyList<string> Names { get; } = [.. TypeNames.Values];

    public static IReadOnlyList<string> AuthorityNameList { get; } = [.. AuthorityNames.Values];

    public static IReadOnlyList<AuthorityOrderGroup> Groups { get; } = [.. Enum.GetValues<AuthorityOrderGroup>()];

    public static string Name(AuthorityOrderType type) => TypeNames[type];

    public static string Name(AuthorityOrderGroup group) => GroupNames[group];

    public static string Name(IssuingAuthority authority) => AuthorityNames[authority];

    public static AuthorityOrderType ParseType(string name) =>
        TypeNames.FirstOrDefault(p => p.Value == name) is { Value: not null } hit ? hit.Key : throw new FormatException($"Unknown order type '{name}'.");

    public static IssuingAuthority ParseAuthority(string name) =>
        AuthorityNames.FirstOrDefault(p => p.Value == name) is { Value: not null } hit ? hit.Key : throw new FormatException($"Unknown issuing authority '{name}'.");

    public static AuthorityOrderGroup GroupOf(AuthorityOrderType type) => type switch
    {
        AuthorityOrderType.Interception126m or AuthorityOrderType.Interception126t or AuthorityOrderType.Interception126zg => AuthorityOrderGroup.Interception,
        AuthorityOrderType.TrafficData126n or AuthorityOrderType.TrafficData126u => AuthorityOrderGroup.TrafficData,
        AuthorityOrderType.UserData126na or AuthorityOrderType.UserData126ua => AuthorityOrderGroup.UserData,
        AuthorityOrderType.Preservation126ni => AuthorityOrderGroup.Preservation,
        AuthorityOrderType.IntelligenceWiv2017 => AuthorityOrderGroup.Intelligence,
        AuthorityOrderType.NuisanceCall1111 => AuthorityOrderGroup.NuisanceCall,
        _ => AuthorityOrderGroup.OtherData,
    };

    /// <summary>An interception order (tapbevel) needs the examining magistrate's written authorisation (126m(1), 126t, 126zg).</summary>
    public static bool RequiresJudgeAuthorisation(AuthorityOrderType type) => GroupOf(type) == AuthorityOrderGroup.Interception;

    /// <summary>
    /// The basis of the hold registering an order places. A preservation order (126ni) gets its own basis with the
    /// 90-day rule; every other order of the Sv or the Wiv a secret authority basis (Tw 13.5(1), <see cref="HoldBases.IsAuthority"/>).
    /// An 11.11 disclosure is neither: a subscriber's request handled by the provider, not a criminal investigation,
    /// and the subscriber whose data is disclosed must be told (AUT-6), so there is nothing to keep secret. Its hold
    /// keeps the call records while the provider investigates (the sweep must not delete the evidence mid-way) on the
    /// non-secret basis <c>other</c>, with <see cref="AuthorityOrders.NuisanceHoldReason"/> as the documented reason.
    /// </summary>
    public static HoldBasis HoldBasisFor(AuthorityOrderType type) => type switch
    {
        AuthorityOrderType.Preservation126ni => HoldBasis.PreservationOrder126ni,
        AuthorityOrderType.NuisanceCall1111 => HoldBasis.Other,
        _ => HoldBasis.CriminalInvestigation,
    };

    /// <summary>Tw 11.11 (AUT-6): the subscriber whose number and name and address are disclosed must be informed.</summary>
    public static bool MustInformDisclosedSubscriber(AuthorityOrderType type) => type == AuthorityOrderType.NuisanceCall1111;

    /// <summary>
    /// Whether the order is complied with by releasing a production (the data orders, and an 11.11 disclosure), so
    /// the release sets its complied time and a manual mark would only hide a late order. Interception is carried out on
    /// the network, a preservation order by the hold, and an intelligence-service request can be either: those are
    /// marked complied by the officer (<see cref="AuthorityOrders.MarkCompliedAsync"/>).
    /// </summary>
    public static bool CompliedByProduction(AuthorityOrderType type) => GroupOf(type) is
        AuthorityOrderGroup.TrafficData or AuthorityOrderGroup.UserData or AuthorityOrderGroup.OtherData or AuthorityOrderGroup.NuisanceCall;

    /// <summary>
    /// A 126n order without a judge's authorisation is shown for legal review, not refused: since HR 5 April 2022
    /// (ECLI:NL:HR:2022:475) one that seriously interferes with privacy needs prior RC authorisation, and whether this
    /// one does is a lawyer's call, not the software's.
    /// </summary>
    public static bool NeedsLegalReview(AuthorityOrderType type, string? judgeAuthorisation) =>
        type == AuthorityOrderType.TrafficData126n && string.IsNullOrWhiteSpace(judgeAuthorisation);
}
