using Custodian.Core.Features.Blobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Custodian.Core.Features.Store;

/// <summary>
/// A file attached to a support ticket (PDF, PNG, JPEG or plain text). Part of the ticket's support information: it
/// shares the ticket's retention (three years from closing) and is encrypted under the ticket's own data key
/// (<see cref="DataKeyOwner.Subject"/> with the ticket's id), so that destroying that one key erases exactly this
/// ticket's attachments, in the store and in every backup, and no other ticket's.
/// </summary>
/// <remarks>No file name is stored: names of uploaded files often carry personal data ("loonstrook-jan.pdf").</remarks>
internal sealed class SupportTicketAttachment : TenantRecord, IContentRecord
{
    [NotPersonalData("the ticket the attachment belongs to")]
    public Guid TicketId { get; set; }

    /// <summary>The content itself: the encrypted blob this points to is the attachment.</summary>
    [PersonalData("general.support_information")]
    public Guid ContentBlobId { get; set; }

    [NotPersonalData("the checked media type of the content")]
    public string MediaType { get; set; } = string.Empty;

    [NotPersonalData("length of the content in bytes")]
    public long ContentLength { get; set; }

    public DataKeyOwner ContentKeyOwner => DataKeyOwner.Subject(TicketId);
}

internal sealed class SupportTicketAttachmentConfiguration : IEntityTypeConfiguration<SupportTicketAttachment>
{
    public void Configure(EntityTypeBuilder<SupportTicketAttachment> builder)
    {
        builder.ToTable("support_ticket_attachments");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Id).ValueGeneratedNever();
        builder.HasOne<Organizations.Organization>().WithMany().HasForeignKey(a => a.OrganizationId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<SupportTicket>().WithMany().HasForeignKey(a => a.TicketId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<BlobRecord>().WithMany().HasForeignKey(a => a.ContentBlobId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(a => a.ContentBlobId).IsUnique();
        builder.Property(a => a.MediaType).HasMaxLength(100);
        builder.Ignore(a => a.ContentKeyOwner);
    }
}
