using Custodian.Core.Features.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;

namespace Custodian.Core.Features.Requests.Queue;

/// <summary>
/// A file that belongs to a request (table <c>request_attachments</c>): today only the scan of a letter that staff
/// entered (<see cref="LetterScanKind"/>). The content is an encrypted blob under a data key of its own (owner: the
/// attachment's id), so deleting the attachment destroys exactly its key (<see cref="LetterScans.DeleteForRequestAsync"/>).
/// <para>
/// Retention: the attachment lives and dies with its request (<c>general.privacy_requests</c>, one year after the
/// request closed): the retention sweep deletes it with its blob and data key when it deletes the request.
/// </para>
/// </summary>
internal sealed class RequestAttachment
{
    public const string LetterScanKind = "letter_scan";

    [NotPersonalData]
    public Guid Id { get; init; } = Guid.CreateVersion7();

    [NotPersonalData("the request it belongs to")]
    public required Guid RequestId { get; init; }

    [NotPersonalData("blob reference; the content is encrypted under the attachment's own data key")]
    public required Guid BlobId { get; init; }

    /// <summary><see cref="LetterScanKind"/>.</summary>
    [NotPersonalData]
    public required string Kind { get; init; }

    /// <summary><c>pdf</c>, <c>jpeg</c> or <c>png</c>, by content.</summary>
    [NotPersonalData("type of the uploaded file")]
    public required string ContentType { get; init; }

    [NotPersonalData]
    public required Instant UploadedAt { get; init; }

    /// <summary>The staff account that uploaded it.</summary>
    [NotPersonalData]
    public required Guid UploadedBy { get; init; }
}

internal sealed class RequestAttachmentConfiguration : IEntityTypeConfiguration<RequestAttachment>
{
    public void Configure(EntityTypeBuilder<RequestAttachment> builder)
    {
        builder.ToTable("request_attachments");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Id).ValueGeneratedNever();
        builder.Property(a => a.Kind).HasMaxLength(20);
        builder.Property(a => a.ContentType).HasMaxLength(8);
        builder.HasOne<DataSubjectRequest>().WithMany().HasForeignKey(a => a.RequestId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(a => a.RequestId);
    }
}
