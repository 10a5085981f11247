using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Subjects;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;

namespace Custodian.Core.Features.Store;

/// <summary>
/// A recording of a call to the provider's own support line (<c>general.support_call_recordings</c>; the provider is
/// controller; kept 90 days from <see cref="CalledAt"/>). Filed under the organisation the caller belongs to, like
/// the tickets such a call may lead to. The audio is encrypted under the recording's own data key, so that the
/// retention job (or an erasure request) removes one recording by destroying one key.
/// </summary>
internal sealed class SupportCallRecording : TenantRecord, IContentRecord
{
    /// <summary>The caller's number, E.164.</summary>
    [PersonalData("general.support_call_recordings")]
    public string CallerNumber { get; set; } = string.Empty;

    /// <summary>When the call started; anchors the 90-day retention (<c>record_time</c>).</summary>
    [PersonalData("general.support_call_recordings")]
    public Instant CalledAt { get; set; }

    [PersonalData("general.support_call_recordings")]
    public int DurationSeconds { get; set; }

    /// <summary>The ticket the call is about, if any (same organisation).</summary>
    [NotPersonalData("link to a ticket")]
    public Guid? TicketId { get; set; }

    /// <summary>The audio: the encrypted blob this points to.</summary>
    [PersonalData("general.support_call_recordings")]
    public Guid ContentBlobId { get; set; }

    [NotPersonalData("the checked media type of the audio")]
    public string MediaType { get; set; } = string.Empty;

    [NotPersonalData("length of the audio in bytes")]
    public long ContentLength { get; set; }

    public DataKeyOwner ContentKeyOwner => DataKeyOwner.Subject(Id);

    public override IEnumerable<SubjectKey> SubjectKeys() => Keys(SubjectKey.Of(SubjectIdentifierKind.Phone, CallerNumber));
}

internal sealed class SupportCallRecordingConfiguration : IEntityTypeConfiguration<SupportCallRecording>
{
    public void Configure(EntityTypeBuilder<SupportCallRecording> builder)
    {
        builder.ToTable("support_call_recordings");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).ValueGeneratedNever();
        builder.HasOne<Organizations.Organization>().WithMany().HasForeignKey(r => r.OrganizationId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<SupportTicket>().WithMany().HasForeignKey(r => r.TicketId).OnDelete(DeleteBehavior.SetNull);
        builder.HasOne<BlobRecord>().WithMany().HasForeignKey(r => r.ContentBlobId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(r => r.ContentBlobId).IsUnique();
        builder.Property(r => r.CallerNumber).HasMaxLength(32);
        builder.Property(r => r.MediaType).HasMaxLength(100);
        builder.HasIndex(r => r.CalledAt);
        builder.HasIndex(r => r.TicketId);
        builder.Ignore(r => r.ContentKeyOwner);
    }
}
