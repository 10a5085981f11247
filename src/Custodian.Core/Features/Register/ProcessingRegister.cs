using NodaTime;

namespace Custodian.Core.Features.Register;

/// <summary>
/// The processing register (Art. 30 GDPR) as loaded from <c>policy/register.yaml</c>. Everything that needs a rule
/// about personal data (retention, access answers, routing of requests, the public statement) reads it from here.
/// Lists keep the file's order, which is the statement's order.
/// </summary>
internal sealed record ProcessingRegister(
    StatementInfo Statement,
    IReadOnlyList<Service> Services,
    IReadOnlyList<DataSubjectCategory> DataSubjects,
    IReadOnlyList<Purpose> Purposes,
    IReadOnlyList<DataCategory> Categories,
    CountryLists Countries,
    IReadOnlyList<Processor> Processors,
    IReadOnlyList<RecipientCategory> Recipients,
    IReadOnlyList<Disclosure> Disclosures,
    RightsInfo Rights)
{
    public Service Service(string id) => Services.First(s => s.Id == id);

    public Purpose Purpose(string id) => Purposes.First(p => p.Id == id);

    public DataSubjectCategory DataSubject(string id) => DataSubjects.First(d => d.Id == id);

    public DataCategory Category(string id) => Categories.First(c => c.Id == id);

    /// <summary>The client organisations' authorisation of sub-processor changes (ROU-5); none when the file has no <c>sub_processor_changes</c>.</summary>
    public SubProcessorChanges? SubProcessorChanges { get; init; }
}

internal sealed record StatementInfo(
    LocalDate LastUpdated,
    LocalizedText Title,
    ControllerIdentity Controller,
    SupervisoryAuthority SupervisoryAuthority,
    IReadOnlyList<LocalizedText> Intro,
    IReadOnlyList<LocalizedText> Responsibility,
    LocalizedText DataIntro,
    IReadOnlyList<LocalizedText> Sharing,
    LocalizedText EeaFootnote,
    LocalizedText ContactIntro,
    LocalizedText Closing);

/// <remarks><c>ShortName</c>: How the statement's table names the provider as controller ("AllBest").</remarks>
internal sealed record ControllerIdentity(
    string Name,
    string ShortName,
    PostalAddress Address,
    PhoneContact Phone,
    string PrivacyEmail,
    string GeneralEmail);

internal sealed record PostalAddress(string Street, string PostalCode, string City, string Country);

internal sealed record PhoneContact(string Number, IsoDayOfWeek FromDay, IsoDayOfWeek ToDay, LocalTime Opens, LocalTime Closes);

internal sealed record SupervisoryAuthority(LocalizedText Name, Uri Url);

internal sealed record Service(string Id, LocalizedText Name);

internal sealed record DataSubjectCategory(string Id, LocalizedText Name);

/// <remarks><c>StatementText</c>: The paragraph in "Hoe de persoonsgegevens worden gebruikt"; null for purposes the original only mentions elsewhere.</remarks>
/// <remarks><c>LegalBasis</c>: Set for activities outside the table rows (REG-7 additions), whose basis is the purpose's own.</remarks>
internal sealed record Purpose(
    string Id,
    LocalizedText Name,
    LocalizedText? StatementText,
    LegalBasis? LegalBasis,
    LegalReview? LegalReview);

internal enum ControllerRole
{
    /// <summary>The provider decides: it handles requests itself.</summary>
    Provider,

    /// <summary>The client organisation decides; the provider is processor and forwards requests (ROU-1/ROU-2).</summary>
    Client,
}

/// <summary>Where the data comes from (Art. 14(2)(f), Art. 15(1)(g)).</summary>
internal enum DataSource
{
    DataSubject,
    ClientOrganisation,
    ProviderNetwork,
    ProviderSystems,
    ThirdParty,
}

/// <summary>One row of the statement's table: a category of personal data with everything the register knows about it.</summary>
internal sealed record DataCategory(
    string Id,
    string ServiceId,
    LocalizedText Description,
    IReadOnlyList<string> Fields,
    IReadOnlyList<string> DataSubjectIds,
    IReadOnlyList<string> PurposeIds,
    LegalBasis LegalBasis,
    ControllerRole Controller,
    RetentionRule Retention,
    IReadOnlyList<DataSource> Sources,
    bool AutomatedDecisionMaking,
    LegalReview? LegalReview,
    bool StatementAddition = false)
{
    /// <summary>
    /// Art. 20: derived, never configured. Consent or contract, and provided by the data subject. (The "by automated
    /// means" condition holds for everything this register describes.)
    /// </summary>
    public bool Portable => LegalBasis.AllowsPortability && Sources.Contains(DataSource.DataSubject);
}

/// <summary>Countries as data, not code (PRC-5): the EEA and the countries with an adequacy decision.</summary>
internal sealed record CountryLists(IReadOnlyList<string> Eea, IReadOnlyList<string> Adequacy, LegalReview? AdequacyReview)
{
    public bool IsInEea(string country) => Eea.Contains(country, StringComparer.Ordinal);

    public bool HasAdequacy(string country) => Adequacy.Contains(country, StringComparer.Ordinal);
}

internal enum TransferMechanismType
{
    /// <summary>Art. 45 adequacy decision; the country must be on the register's adequacy list.</summary>
    Adequacy,

    /// <summary>Art. 46(2)(c) standard contractual clauses (Decision (EU) 2021/914).</summary>
    Scc,

    /// <summary>Art. 47 binding corporate rules.</summary>
    Bcr,

    /// <summary>EU–US Data Privacy Framework (Decision (EU) 2023/1795); only for self-certified US importers.</summary>
    EuUsDpf,

    /// <summary>Art. 49 derogation for a specific situation (explicit consent, contract, legal claims, ...); never for regular transfers.</summary>
    Derogation,
}

/// <remarks><c>CertificationChecked</c>: For the DPF: the day someone confirmed the importer is on the DPF list (PRC-3).</remarks>
/// <remarks><c>TransferImpactAssessment</c>: For SCC/BCR: the day the transfer impact assessment was done (PRC-4).</remarks>
/// <remarks><c>SccModule</c>: For SCCs: the module of Decision (EU) 2021/914 (<c>c2c</c>, <c>c2p</c>, <c>p2p</c>, <c>p2c</c>).</remarks>
/// <remarks><c>BcrApproval</c>: For BCRs: the approving authority's reference.</remarks>
/// <remarks><c>DerogationGround</c>: For an Art. 49 derogation: its ground (<c>explicit_consent</c>, <c>contract</c>, ...).</remarks>
internal sealed record TransferMechanism(
    TransferMechanismType Type,
    LocalDate? CertificationChecked,
    LocalDate? TransferImpactAssessment,
    string? SccModule = null,
    string? BcrApproval = null,
    string? DerogationGround = null);

/// <summary>The Art. 28(3) agreement with a processor (or, for a sub-processor, the flow-down contract).</summary>
internal sealed record ProcessorAgreement(string Reference, LocalDate Signed);

/// <summary>
/// The processor register's facts beyond what the statement shows (PRC-1): agreement, parent (for a sub-processor),
/// security measures, review dates. All optional in the file so a minimal register stays valid; the checks warn.
/// </summary>
/// <remarks><c>Line</c>: the 1-based line of the processor's entry, for diagnostics made after loading (review dates).</remarks>
internal sealed record ProcessorDetails(
    ProcessorAgreement? Agreement,
    string? ParentId,
    LocalizedText? SecurityMeasures,
    LocalDate? LastReviewed,
    LocalDate? NextReviewDue,
    int Line)
{
    public static ProcessorDetails None { get; } = new(null, null, null, null, null, 0);
}

internal enum SubProcessorAuthorisation
{
    /// <summary>Art. 28(2) general written authorisation: clients are told of changes in advance and may object.</summary>
    General,

    /// <summary>Art. 28(2) specific authorisation: every new sub-processor needs each client's prior consent.</summary>
    Specific,
}

/// <summary>How the client organisations authorise sub-processor changes (ROU-5), and changes announced and not yet in force.</summary>
internal sealed record SubProcessorChanges(SubProcessorAuthorisation Authorisation, int ObjectionWindowDays, IReadOnlyList<PendingSubProcessorChange> Pending);

/// <summary>An announced addition or replacement of a sub-processor; clients may object until <see cref="ObjectionDeadline"/>.</summary>
internal sealed record PendingSubProcessorChange(string ProcessorId, string Change, LocalDate Announced, LocalDate ObjectionDeadline, int Line);

/// <remarks><c>Example</c>: True for the generic entries the repository ships; a real deployment replaces them.</remarks>
internal sealed record Processor(
    string Id,
    LocalizedText Name,
    LocalizedText Activity,
    string Country,
    TransferMechanism? TransferMechanism,
    IReadOnlyList<string> CategoryIds,
    bool Example,
    LegalReview? LegalReview)
{
    /// <summary>Agreement, parent, security measures and review dates (<see cref="ProcessorDetails.None"/> when the file names none).</summary>
    public ProcessorDetails Details { get; init; } = ProcessorDetails.None;
}

/// <summary>A category of recipients (Art. 13(1)(e)); public authorities acting on an inquiry are not recipients (REG-6).</summary>
internal sealed record RecipientCategory(string Id, LocalizedText Name, IReadOnlyList<string> ProcessorIds);

/// <summary>
/// A disclosure the statement names that is not a recipient relationship: authorities under an order, 112, other
/// providers receiving shielded numbers. Individual disclosures are logged elsewhere (§6).
/// </summary>
/// <remarks><c>ContinuesParagraph</c>: Renders in the same paragraph as the previous disclosure, as the original does.</remarks>
internal sealed record Disclosure(
    string Id,
    LocalizedText Recipient,
    LocalizedText Text,
    string PurposeId,
    IReadOnlyList<string> CategoryIds,
    bool ContinuesParagraph,
    LegalReview? LegalReview);

internal enum RightType
{
    Access,
    Rectification,
    Erasure,
    Objection,
    Restriction,
    Portability,
    Complaint,
    WithdrawConsent,
}

internal enum RequestChannel
{
    Letter,
    Email,
    Phone,
}

internal sealed record RightsInfo(
    LocalizedText Intro,
    IReadOnlyList<RequestChannel> Channels,
    RequestVerification Verification,
    IReadOnlyList<RequestRequirement> Requirements,
    LocalizedText RequirementsClosing,
    IReadOnlyList<Right> Items)
{
    /// <summary>The requirements as they apply under <see cref="Verification"/>: the ones the statement shows and the requests engine asks for.</summary>
    public IEnumerable<RequestRequirement> Applicable => Requirements.Where(r => r.AppliesUnder(Verification));
}

/// <summary>
/// How requesters prove who they are (issue 6 §2, DSR-7/DSR-8): a one-time code to a channel is always the first step;
/// an ID copy is a fallback that is off unless the register turns it on (the regulator fined a company for asking ID
/// copies as a standard step). The statement and the requests engine both read this, so what the statement asks for
/// is what the product asks for.
/// </summary>
/// <param name="IdCopyFallback">Whether staff may ask for a (shielded) ID copy when identity cannot be verified otherwise.</param>
internal sealed record RequestVerification(bool IdCopyFallback)
{
    public static RequestVerification Default { get; } = new(false);
}

/// <summary>When a requirement applies.</summary>
internal enum RequirementCondition
{
    Always,

    /// <summary>Only when <see cref="RequestVerification.IdCopyFallback"/> is on.</summary>
    IdCopyFallback,
}

/// <summary>What the statement asks a requester to send. Marked items (the ID copy, DSR-8) stay as written but warn.</summary>
internal sealed record RequestRequirement(string Id, LocalizedText Text, LegalReview? LegalReview, RequirementCondition When = RequirementCondition.Always)
{
    public bool AppliesUnder(RequestVerification verification) =>
        When == RequirementCondition.Always || (When == RequirementCondition.IdCopyFallback && verification.IdCopyFallback);
}

/// <remarks><c>Text</c>: Paragraphs; <c>{supervisory_authority}</c> is replaced by a link to the authority.</remarks>
internal sealed record Right(string Id, IReadOnlyList<RightType> Covers, LocalizedText Title, IReadOnlyList<LocalizedText> Text);
