using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Subjects;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;

namespace Custodian.Core.Features.Store;

/// <summary>
/// A recording of one of the client organisation's own calls (<c>usage.customer_call_recordings</c>; the
/// organisation is controller). Only for organisations with <c>Organization.CallRecordingEnabled</c>; kept as long as
/// the organisation's <c>CustomerCallRecordingRetention</c> says, from <see cref="CalledAt"/>. Both parties are data
/// subjects and are found by their numbers. Encrypted under the recording's own data key.
/// </summary>
internal sealed class CustomerCallRecording : TenantRecord, IContentRecord
{
    /// <summary>The calling number, E.164.</summary>
    [PersonalData("usage.customer_call_recordings")]
    public string CallerNumber { get; set; } = string.Empty;

    /// <summary>The called number, E.164.</summary>
    [PersonalData("usage.customer_call_recordings")]
    public string CalleeNumber { get; set; } = string.Empty;

    [PersonalData("usage.customer_call_recordings")]
    public Instant CalledAt { get; set; }

    [PersonalData("usage.customer_call_recordings")]
    public int DurationSeconds { get; set; }

    /// <summary>The audio: the encrypted blob this points to.</summary>
    [PersonalData("usage.customer_call_recordings")]
    public Guid ContentBlobId { get; set; }

    [NotPersonalData("the checked media type of the audio")]
    public string MediaType { get; set; } = string.Empty;

    [NotPersonalData("length of the audio in bytes")]
    public long ContentLength { get; set; }

    public DataKeyOwner ContentKeyOwner => DataKeyOwner.Subject(Id);

    public override IEnumerable<SubjectKey> SubjectKeys() => Keys(
        SubjectKey.Of(SubjectIdentifierKind.Phone, CallerNumber),
        SubjectKey.Of(SubjectIdentifierKind.Phone, CalleeNumber));
}

internal sealed class CustomerCallRecordingConfiguration : IEntityTypeConfiguration<CustomerCallRecording>
{
    public void Configure(EntityTypeBuilder<CustomerCallRecording> builder)
    {
        builder.ToTable("customer_call_recordings");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).ValueGeneratedNever();
        builder.HasOne<Organizations.Organization>().WithMany().HasForeignKey(r => r.OrganizationId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<BlobRecord>().WithMany().HasForeignKey(r => r.ContentBlobId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(r => r.ContentBlobId).IsUnique();
        builder.Property(r => r.CallerNumber).HasMaxLength(32);
        builder.Property(r => r.CalleeNumber).HasMaxLength(32);
        builder.Property(r => r.MediaType).HasMaxLength(100);
        builder.HasIndex(r => new { r.OrganizationId, r.CalledAt });
        builder.Ignore(r => r.ContentKeyOwner);
    }
}
