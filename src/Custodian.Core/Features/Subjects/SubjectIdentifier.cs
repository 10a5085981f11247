using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Custodian.Core.Features.Subjects;

/// <summary>
/// The subject look-up index: one row per identifier held by a store record. Derived data, written only by
/// <see cref="SubjectIndex"/> inside the same SaveChanges (and so the same transaction) as the record itself, so it is
/// never ahead of or behind the records. Queried by (kind, value); tenant-filtered like the records it points to.
/// </summary>
internal sealed class SubjectIdentifier : ITenantOwned
{
    [NotPersonalData]
    public Guid Id { get; init; } = Guid.CreateVersion7();

    [NotPersonalData]
    public Guid OrganizationId { get; init; }

    /// <summary>A <see cref="SubjectKey.KindName"/>: <c>phone</c>, <c>email</c>, ...</summary>
    [NotPersonalData("index: the kind of the value")]
    public required string Kind { get; init; }

    /// <summary>
    /// A copy of an identifier held by the record it points to, in index form. Belongs to that record's category:
    /// it lives exactly as long as the record (deleting or changing the record rewrites its rows).
    /// </summary>
    [NotPersonalData("index copy of a value of the record it points to; kept and erased with that record")]
    public required string Value { get; init; }

    [NotPersonalData]
    public required string EntityType { get; init; }

    [NotPersonalData]
    public required Guid EntityId { get; init; }

    [NotPersonalData("the register category of the record it points to")]
    public required string Category { get; init; }
}

internal sealed class SubjectIdentifierConfiguration : IEntityTypeConfiguration<SubjectIdentifier>
{
    public void Configure(EntityTypeBuilder<SubjectIdentifier> builder)
    {
        builder.ToTable("subject_identifiers");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).ValueGeneratedNever();
        builder.Property(s => s.Kind).HasMaxLength(10);
        builder.Property(s => s.Value).HasMaxLength(320);
        builder.Property(s => s.EntityType).HasMaxLength(40);
        builder.Property(s => s.Category).HasMaxLength(100);
        builder.HasIndex(s => new { s.Kind, s.Value });
        builder.HasIndex(s => new { s.EntityType, s.EntityId });
        // A tenant's people list walks (organisation, kind, value) in order: one index range per page (PeopleList).
        builder.HasIndex(s => new { s.OrganizationId, s.Kind, s.Value });
    }
}
