using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Subjects;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Custodian.Core.Features.Store;

/// <summary>A contact person of a client organisation; the one with role <c>privacy</c> is its privacy contact.</summary>
internal sealed class ContactPerson : TenantRecord
{
    public static readonly IReadOnlyList<string> Roles = ["privacy", "billing", "technical", "general"];

    [PersonalData("general.contact_person")]
    public string Name { get; set; } = string.Empty;

    /// <summary>E.164.</summary>
    [PersonalData("general.contact_person")]
    public string? Phone { get; set; }

    [PersonalData("general.contact_person")]
    public string? Email { get; set; }

    /// <summary>One of <see cref="Roles"/>.</summary>
    [PersonalData("general.contact_person")]
    public string Role { get; set; } = string.Empty;


    public override IEnumerable<SubjectKey> SubjectKeys() => Keys(
        SubjectKey.Of(SubjectIdentifierKind.Name, Name),
        SubjectKey.Of(SubjectIdentifierKind.Phone, Phone),
        SubjectKey.Of(SubjectIdentifierKind.Email, Email));
}

internal sealed class ContactPersonConfiguration : IEntityTypeConfiguration<ContactPerson>
{
    public void Configure(EntityTypeBuilder<ContactPerson> builder)
    {
        builder.ToTable("contact_persons");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Id).ValueGeneratedNever();
        builder.HasOne<Organization>().WithMany().HasForeignKey(c => c.OrganizationId).OnDelete(DeleteBehavior.Restrict);
        builder.Property(c => c.Name).HasMaxLength(200);
        builder.Property(c => c.Phone).HasMaxLength(32);
        builder.Property(c => c.Email).HasMaxLength(320);
        builder.Property(c => c.Role).HasMaxLength(20);
        builder.HasIndex(c => new { c.OrganizationId, c.CreatedAt });
    }
}
