using Custodian.Core.Features.Register;
using NodaTime;

namespace Custodian.Core.Features.Requests.Answers;

/// <summary>
/// What part of a person's data a report or package covers: everything (null fields), some register categories,
/// and/or the records of one organisation (so a client organisation's part can be answered on its own).
/// </summary>
internal sealed record AnswerScope(IReadOnlySet<string>? CategoryIds = null, Guid? OrganizationId = null)
{
    public static AnswerScope All { get; } = new();

    public bool Includes(string categoryId) => CategoryIds is null || CategoryIds.Contains(categoryId);

    public bool IncludesOrganization(Guid organizationId) => OrganizationId is null || OrganizationId == organizationId;
}

/// <summary>The two answer languages (the statement's): wire names <c>nl</c> and <c>en</c>.</summary>
internal static class AnswerLanguages
{
    public static StatementLanguage? Parse(string? name) => name?.Trim() switch
    {
        "nl" => StatementLanguage.Dutch,
        "en" => StatementLanguage.English,
        _ => null,
    };

    public static string Name(StatementLanguage language) => language == StatementLanguage.Dutch ? "nl" : "en";
}

/// <summary>
/// The Art. 15 answer as data (ACC-1..6), in both languages; <see cref="AccessReportHtml"/> renders one language and
/// <see cref="AccessReportJson"/> writes it whole. Every explanatory text comes from the register (or the statement's
/// own vocabulary derived from it), never from the builder. Holds and authority orders have no place in it (ACC-5).
/// </summary>
/// <param name="SchemaVersion">The JSON format's version (docs/formats/access-report.md).</param>
/// <param name="GeneratedAt">When it was built.</param>
/// <param name="Controller">Who answers: the provider's identity and contact details.</param>
/// <param name="DataProcessed">ACC-1: whether any data of the person was found in scope.</param>
/// <param name="Categories">Per register category with records: the data and everything Art. 15(1)–(2) asks.</param>
/// <param name="Rights">ACC-1(e)–(f): the rights, from the register's rights section.</param>
/// <param name="SupervisoryAuthority">ACC-1(f): where to complain.</param>
/// <param name="ThirdPartyNotice">ACC-3: how other people's data in the copy was limited.</param>
internal sealed record AccessReport(
    string SchemaVersion,
    Instant GeneratedAt,
    AccessController Controller,
    bool DataProcessed,
    IReadOnlyList<AccessCategory> Categories,
    IReadOnlyList<AccessRight> Rights,
    AccessAuthority SupervisoryAuthority,
    LocalizedText ThirdPartyNotice)
{
    public const string CurrentSchemaVersion = "1";

    public int RecordCount => Categories.Sum(c => c.Records.Count);
}

internal sealed record AccessController(string Name, string Street, string PostalCode, string City, string Country, string Email, string Phone);

internal sealed record AccessAuthority(LocalizedText Name, Uri Url);

internal sealed record AccessRight(string Id, IReadOnlyList<string> Covers, LocalizedText Title, IReadOnlyList<LocalizedText> Text);

/// <param name="Id">The register category id.</param>
/// <param name="Service">The service it belongs to.</param>
/// <param name="Description">ACC-1(b): the category of data.</param>
/// <param name="Fields">The register's field names.</param>
/// <param name="Purposes">ACC-1(a).</param>
/// <param name="LegalBasis">The basis's name (and interest for a legitimate interest).</param>
/// <param name="LegalBasisType">Wire name: consent, contract, legal_obligation, vital_interests, public_task, legitimate_interest.</param>
/// <param name="Controller"><c>provider</c> or <c>client</c> (ROU-3).</param>
/// <param name="ControllerNames">Who decides: the provider's name, or the client organisations of the records.</param>
/// <param name="Retention">ACC-1(d): the rule in words; each record has its own date too.</param>
/// <param name="Sources">ACC-1(g).</param>
/// <param name="AutomatedDecisionMaking">ACC-1(h): whether Art. 22 decisions are made with it (the register's flag).</param>
/// <param name="AutomatedDecisionMakingText">The flag in words.</param>
/// <param name="Recipients">ACC-1(c), ACC-2, ACC-6.</param>
/// <param name="Portable">Whether Art. 20 applies (the register's derivation).</param>
/// <param name="Records">The copy (ACC-3), every record once.</param>
internal sealed record AccessCategory(
    string Id,
    LocalizedText Service,
    LocalizedText Description,
    IReadOnlyList<string> Fields,
    IReadOnlyList<AccessPurpose> Purposes,
    LocalizedText LegalBasis,
    string LegalBasisType,
    string Controller,
    IReadOnlyList<string> ControllerNames,
    LocalizedText Retention,
    IReadOnlyList<LocalizedText> Sources,
    bool AutomatedDecisionMaking,
    LocalizedText AutomatedDecisionMakingText,
    IReadOnlyList<AccessRecipient> Recipients,
    bool Portable,
    IReadOnlyList<AccessRecord> Records);

internal sealed record AccessPurpose(string Id, LocalizedText Name, LocalizedText? Explanation);

/// <param name="Kind"><c>processor</c>, <c>recipient</c> (a disclosure the register names, e.g. 112) or <c>client_organisation</c>.</param>
/// <param name="Name">The recipient (category).</param>
/// <param name="Activity">What it does with the data, where the register says.</param>
/// <param name="Country">ISO country, when known.</param>
/// <param name="OutsideEea">ACC-1(c): a third country.</param>
/// <param name="Safeguard">ACC-2: the Art. 45–47 ground for a transfer outside the EEA; null inside it.</param>
internal sealed record AccessRecipient(string Kind, LocalizedText Name, LocalizedText? Activity, string? Country, bool OutsideEea, LocalizedText? Safeguard);

/// <param name="Type">Stable record type (<c>contact_person</c>, <c>usage_record</c>).</param>
/// <param name="Id">The record's id (for usage and traffic records: its import batch and key).</param>
/// <param name="Organization">The client organisation the record belongs to.</param>
/// <param name="Fields">The record's personal data, third parties masked (ACC-3).</param>
/// <param name="Retention"><c>until</c> (deleted from <see cref="ExpiresAt"/>), <c>until_event</c> (the service or ticket has not
/// ended; the rule says how long after), or <c>legal_obligation</c> (kept past its period because the law requires it).</param>
/// <param name="ExpiresAt">From when the record is deleted, for <c>until</c>.</param>
internal sealed record AccessRecord(
    string Type,
    string Id,
    string? Organization,
    IReadOnlyList<AccessField> Fields,
    string Retention,
    Instant? ExpiresAt);

internal sealed record AccessField(string Name, string? Value);
