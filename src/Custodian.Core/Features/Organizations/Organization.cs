using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;

namespace Custodian.Core.Features.Organizations;

/// <summary>
/// A client organisation: the tenant. Its privacy contact is the <see cref="ContactPerson"/> with role <c>privacy</c>.
/// Not <c>ITenantOwned</c> (it is the tenant), but filtered the same way on its own id: a tenant sees only itself.
/// </summary>
internal sealed class Organization : ISubjectRecord
{
    [NotPersonalData]
    public Guid Id { get; init; } = Guid.CreateVersion7();

    /// <summary>Unique lower-case slug (<c>demo</c>), also the <c>accountcode</c> of PBX usage records.</summary>
    [NotPersonalData("the provider's handle for the client")]
    public required string Code { get; set; }

    [NotPersonalData("the client company's trading name")]
    public required string Name { get; set; }

    /// <summary>A company name can name a person (a sole trader's business), hence the register's own category.</summary>
    [PersonalData("general.billing_name")]
    public required string BillingCompanyName { get; set; }

    [NotPersonalData("contract reference")]
    public string? ProcessingAgreementReference { get; set; }

    [NotPersonalData("contract date")]
    public LocalDate? ProcessingAgreementDate { get; set; }

    /// <summary>
    /// What the processing agreement says about roles: true when the organisation is controller of the data the
    /// register marks <c>controller: client</c> and the provider its processor (Art. 28; domain.md ROU-2, ROU-4), false
    /// when the agreement says otherwise (then the routing of requests needs a person's judgement). Null: not recorded.
    /// Set only with the reference and date, through <c>OrganizationCommands.SetProcessingAgreementAsync</c>.
    /// </summary>
    [NotPersonalData("contract term")]
    public bool? ProcessingAgreementOrganizationIsController { get; set; }

    /// <summary>
    /// The organisation's instruction for its own call recordings (<c>usage.customer_call_recordings</c>, retention
    /// <c>client_setting</c>), within the register's bounds. Null: no instruction yet (the register's minimum applies).
    /// </summary>
    [NotPersonalData("a setting of the client, not data about a person")]
    public Period? CustomerCallRecordingRetention { get; set; }

    /// <summary>
    /// Whether the organisation has the call-recording feature: only then are its own call recordings
    /// (<c>usage.customer_call_recordings</c>) accepted. A flag of its own, not "a retention setting is present",
    /// because the two mean different things: the contract (may we record?) and the instruction (how long to keep
    /// what was recorded). Turning the feature off stops new recordings; the recordings already held stay under the
    /// retention setting, which therefore cannot be removed while the feature is on, and is required to turn it on.
    /// </summary>
    [NotPersonalData("a contract setting of the client, not data about a person")]
    public bool CallRecordingEnabled { get; set; }

    [NotPersonalData]
    public Instant CreatedAt { get; set; }

    Guid ISubjectRecord.SubjectOrganizationId => Id;

    public string RecordType => RecordTypes.NameOf(typeof(Organization));

    public IEnumerable<SubjectKey> SubjectKeys() =>
        SubjectKey.Of(SubjectIdentifierKind.Name, BillingCompanyName) is { } k ? [k] : [];
}

internal sealed class OrganizationConfiguration : IEntityTypeConfiguration<Organization>
{
    public void Configure(EntityTypeBuilder<Organization> builder)
    {
        builder.ToTable("organizations");
        builder.HasKey(o => o.Id);
        builder.Property(o => o.Id).ValueGeneratedNever();
        builder.Property(o => o.Code).HasMaxLength(40);
        builder.HasIndex(o => o.Code).IsUnique();
        builder.Property(o => o.Name).HasMaxLength(200);
        builder.HasIndex(o => new { o.Name, o.Id }); // the back office's list: sorted by name, keyset on (name, id)
        builder.Property(o => o.BillingCompanyName).HasMaxLength(200);
        builder.Property(o => o.ProcessingAgreementReference).HasMaxLength(100);
    }
}
