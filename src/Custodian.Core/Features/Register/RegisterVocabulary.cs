using NodaTime;

namespace Custodian.Core.Features.Register;

/// <summary>The YAML spelling of the register's enums. The JSON Schema lists the same values.</summary>
internal static class RegisterVocabulary
{
    public static readonly IReadOnlyDictionary<string, LegalBasisType> LegalBasisTypes = new Dictionary<string, LegalBasisType>
    {
        ["consent"] = LegalBasisType.Consent,
        ["contract"] = LegalBasisType.Contract,
        ["legal_obligation"] = LegalBasisType.LegalObligation,
        ["vital_interests"] = LegalBasisType.VitalInterests,
        ["public_task"] = LegalBasisType.PublicTask,
        ["legitimate_interest"] = LegalBasisType.LegitimateInterest,
    };

    public static readonly IReadOnlyDictionary<string, ControllerRole> Controllers = new Dictionary<string, ControllerRole>
    {
        ["provider"] = ControllerRole.Provider,
        ["client"] = ControllerRole.Client,
    };

    public static readonly IReadOnlyDictionary<string, RetentionAnchor> Anchors = new Dictionary<string, RetentionAnchor>
    {
        ["record_time"] = RetentionAnchor.RecordTime,
        ["ticket_closed"] = RetentionAnchor.TicketClosed,
        ["request_closed"] = RetentionAnchor.RequestClosed,
        ["service_end"] = RetentionAnchor.ServiceEnd,
        ["client_setting"] = RetentionAnchor.ClientSetting,
        ["consent_withdrawn"] = RetentionAnchor.ConsentWithdrawn,
        ["shielding_ended"] = RetentionAnchor.ShieldingEnded,
    };

    public static readonly IReadOnlyDictionary<string, DataSource> Sources = new Dictionary<string, DataSource>
    {
        ["data_subject"] = DataSource.DataSubject,
        ["client_organisation"] = DataSource.ClientOrganisation,
        ["provider_network"] = DataSource.ProviderNetwork,
        ["provider_systems"] = DataSource.ProviderSystems,
        ["third_party"] = DataSource.ThirdParty,
    };

    public static readonly IReadOnlyDictionary<string, TransferMechanismType> TransferMechanisms = new Dictionary<string, TransferMechanismType>
    {
        ["adequacy"] = TransferMechanismType.Adequacy,
        ["scc"] = TransferMechanismType.Scc,
        ["bcr"] = TransferMechanismType.Bcr,
        ["eu_us_dpf"] = TransferMechanismType.EuUsDpf,
        ["derogation"] = TransferMechanismType.Derogation,
    };

    /// <summary>The SCC modules of Decision (EU) 2021/914.</summary>
    public static readonly IReadOnlySet<string> SccModules = new HashSet<string>(StringComparer.Ordinal) { "c2c", "c2p", "p2p", "p2c" };

    /// <summary>The Art. 49(1) grounds: (a)–(g) and the last subparagraph's compelling legitimate interests.</summary>
    public static readonly IReadOnlySet<string> DerogationGrounds = new HashSet<string>(StringComparer.Ordinal)
    {
        "explicit_consent", "contract_with_subject", "contract_in_subject_interest", "public_interest", "legal_claims",
        "vital_interests", "public_register", "compelling_legitimate_interests",
    };

    public static readonly IReadOnlyDictionary<string, SubProcessorAuthorisation> SubProcessorAuthorisations = new Dictionary<string, SubProcessorAuthorisation>
    {
        ["general"] = SubProcessorAuthorisation.General,
        ["specific"] = SubProcessorAuthorisation.Specific,
    };

    public static readonly IReadOnlyDictionary<string, RightType> Rights = new Dictionary<string, RightType>
    {
        ["access"] = RightType.Access,
        ["rectification"] = RightType.Rectification,
        ["erasure"] = RightType.Erasure,
        ["objection"] = RightType.Objection,
        ["restriction"] = RightType.Restriction,
        ["portability"] = RightType.Portability,
        ["complaint"] = RightType.Complaint,
        ["withdraw_consent"] = RightType.WithdrawConsent,
    };

    public static readonly IReadOnlyDictionary<string, RequestChannel> Channels = new Dictionary<string, RequestChannel>
    {
        ["letter"] = RequestChannel.Letter,
        ["email"] = RequestChannel.Email,
        ["phone"] = RequestChannel.Phone,
    };

    /// <summary>A requirement's <c>when</c>: <c>id_copy_fallback</c> shows it only when <c>verification.id_copy_fallback</c> is on.</summary>
    public static readonly IReadOnlyDictionary<string, RequirementCondition> RequirementConditions = new Dictionary<string, RequirementCondition>
    {
        ["always"] = RequirementCondition.Always,
        ["id_copy_fallback"] = RequirementCondition.IdCopyFallback,
    };

    public static readonly IReadOnlyDictionary<string, IsoDayOfWeek> Days = new Dictionary<string, IsoDayOfWeek>
    {
        ["monday"] = IsoDayOfWeek.Monday,
        ["tuesday"] = IsoDayOfWeek.Tuesday,
        ["wednesday"] = IsoDayOfWeek.Wednesday,
        ["thursday"] = IsoDayOfWeek.Thursday,
        ["friday"] = IsoDayOfWeek.Friday,
        ["saturday"] = IsoDayOfWeek.Saturday,
        ["sunday"] = IsoDayOfWeek.Sunday,
    };

    public static string Name<T>(IReadOnlyDictionary<string, T> vocabulary, T value)
        where T : struct, Enum =>
        vocabulary.First(pair => EqualityComparer<T>.Default.Equals(pair.Value, value)).Key;
}
