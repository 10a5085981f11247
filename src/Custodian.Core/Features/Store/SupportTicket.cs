using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Subjects;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;

namespace Custodian.Core.Features.Store;

/// <summary>
/// A support ticket with the requester's details and text. <see cref="ClosedAt"/> anchors the three-year retention
/// (<c>ticket_closed</c>): support information must not disappear while its ticket is open. Attachments come with the
/// blob store.
/// </summary>
internal sealed class SupportTicket : TenantRecord
{
    /// <summary>The support desk's ticket number; unique within the organisation.</summary>
    [NotPersonalData("ticket number")]
    public string Reference { get; set; } = string.Empty;

    [PersonalData("general.support_information")]
    public string RequesterName { get; set; } = string.Empty;

    [PersonalData("general.support_information")]
    public string? RequesterPhone { get; set; }

    [PersonalData("general.support_information")]
    public string? RequesterEmail { get; set; }

    [PersonalData("general.support_information")]
    public string Text { get; set; } = string.Empty;

    [NotPersonalData("ticket lifecycle")]
    public Instant OpenedAt { get; set; }

    [NotPersonalData("ticket lifecycle; anchors retention")]
    public Instant? ClosedAt { get; set; }


    public override IEnumerable<SubjectKey> SubjectKeys() => Keys(
        SubjectKey.Of(SubjectIdentifierKind.Name, RequesterName),
        SubjectKey.Of(SubjectIdentifierKind.Phone, RequesterPhone),
        SubjectKey.Of(SubjectIdentifierKind.Email, RequesterEmail));
}

internal sealed class SupportTicketConfiguration : IEntityTypeConfiguration<SupportTicket>
{
    public void Configure(EntityTypeBuilder<SupportTicket> builder)
    {
        builder.ToTable("support_tickets");
        builder.HasKey(t => t.Id);
        builder.Property(t => t.Id).ValueGeneratedNever();
        builder.HasOne<Organization>().WithMany().HasForeignKey(t => t.OrganizationId).OnDelete(DeleteBehavior.Restrict);
        builder.Property(t => t.Reference).HasMaxLength(100);
        builder.HasIndex(t => new { t.OrganizationId, t.Reference }).IsUnique();
        builder.Property(t => t.RequesterName).HasMaxLength(200);
        builder.Property(t => t.RequesterPhone).HasMaxLength(32);
        builder.Property(t => t.RequesterEmail).HasMaxLength(320);
        builder.Property(t => t.Text).HasMaxLength(20000);
        builder.HasIndex(t => t.ClosedAt);
        builder.HasIndex(t => new { t.OrganizationId, t.CreatedAt });
    }
}
