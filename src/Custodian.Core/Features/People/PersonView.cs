using Custodian.Core.Features.Register;
using NodaTime;

namespace Custodian.Core.Features.People;

/// <summary>A person's page: everything held under one identifier, per register category (in the register's order).</summary>
/// <param name="Kind">The identifier kind searched (<c>phone</c>, <c>email</c>, ...).</param>
/// <param name="Identifier">The searched identifier in canonical form.</param>
/// <param name="Categories">The categories that hold it; empty when nothing (or nothing the caller may see) does.</param>
internal sealed record PersonView(string Kind, string Identifier, IReadOnlyList<PersonCategoryView> Categories);

/// <summary>One register category of a person's data with what the register says about it.</summary>
/// <param name="Category">The register category id (<c>general.contact_person</c>).</param>
/// <param name="Description">The register's description of the category.</param>
/// <param name="Purposes">The category's purposes (id and name).</param>
/// <param name="LegalBasis">The category's legal basis (Art. 6(1)), with statute or interest where the register has one.</param>
/// <param name="Controller">Who decides: the provider, or the client organisation.</param>
/// <param name="ControllerNames">The controller's name: the provider's; for client-controlled data the organisations the records belong to.</param>
/// <param name="RetentionText">The retention rule in English words (<c>RetentionRuleText</c>).</param>
/// <param name="Records">The records of the category (for event categories: the latest few).</param>
/// <param name="Events">For the usage and traffic categories: counts per month; null for the others.</param>
/// <param name="Holds">Active holds (not restrictions) that keep any record of the category, as the caller may see them.</param>
/// <param name="Restrictions">Active Art. 18 restrictions that cover any record of the category.</param>
internal sealed record PersonCategoryView(
    string Category,
    LocalizedText Description,
    IReadOnlyList<PurposeView> Purposes,
    LegalBasis LegalBasis,
    ControllerRole Controller,
    IReadOnlyList<string> ControllerNames,
    string RetentionText,
    IReadOnlyList<PersonRecordView> Records,
    PersonEventsView? Events,
    IReadOnlyList<HoldView> Holds,
    IReadOnlyList<HoldView> Restrictions);

internal sealed record PurposeView(string Id, LocalizedText Name);

/// <summary>One record of a person.</summary>
/// <param name="Type">The record type (<c>contact_person</c>, <c>usage_record</c>, ...).</param>
/// <param name="Id">The record's id; for usage and traffic records (no id of their own) the import batch's.</param>
/// <param name="RecordKey">For usage and traffic records: the record's key within its batch; null otherwise.</param>
/// <param name="OrganizationId">The organisation the record belongs to.</param>
/// <param name="OrganizationName">That organisation's trading name.</param>
/// <param name="Fields">The record's personal data (the properties marked with the category), as display text.</param>
/// <param name="ExpiresAt">When retention deletes it (start of the Amsterdam day after the last day kept); null: not expiring yet.</param>
/// <param name="HoldIds">The ids of the category's <see cref="PersonCategoryView.Holds"/> and <see cref="PersonCategoryView.Restrictions"/> that cover this record.</param>
internal sealed record PersonRecordView(
    string Type,
    Guid Id,
    string? RecordKey,
    Guid OrganizationId,
    string OrganizationName,
    IReadOnlyList<PersonField> Fields,
    Instant? ExpiresAt,
    IReadOnlyList<Guid> HoldIds);

/// <param name="Name">The property name (<c>Email</c>, <c>PhoneNumber</c>); the page translates it.</param>
/// <param name="Value">Invariant display text (ISO dates and instants); null when empty.</param>
internal sealed record PersonField(string Name, string? Value);

/// <summary>Usage or traffic records under the identifier, summarised.</summary>
/// <param name="Months">Records per UTC month, oldest first.</param>
/// <param name="Total">All records under the identifier in this category.</param>
internal sealed record PersonEventsView(IReadOnlyList<Events.EventMonthCount> Months, long Total);

/// <summary>A hold or Art. 18 restriction as the person page shows it.</summary>
/// <param name="Id">The hold's id (the retention pages show it in full).</param>
/// <param name="StartsAt">When the hold started to keep records.</param>
/// <param name="Basis">The hold basis word (<c>legal_claims</c>, <c>restriction_art18</c>, ...).</param>
/// <param name="Ground">For a restriction: the Art. 18(1) ground word; null otherwise.</param>
/// <param name="Reference">The case or order number, if any.</param>
/// <param name="EndsAt">Exclusive end; null: until released.</param>
/// <param name="OrganizationId">Null: a provider-wide hold (only provider-wide callers see those).</param>
internal sealed record HoldView(Guid Id, string Basis, string? Ground, string? Reference, Instant StartsAt, Instant? EndsAt, Guid? OrganizationId)
{
    public bool IsRestriction => Ground is not null || Basis == "restriction_art18";
}
