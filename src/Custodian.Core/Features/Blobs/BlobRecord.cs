using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;

namespace Custodian.Core.Features.Blobs;

/// <summary>
/// One stored, encrypted blob (an attachment, a recording). The content lives in the content store under
/// <see cref="StoreKey"/>, a random name that says nothing about the content or its owner.
/// </summary>
internal sealed class BlobRecord : ITenantOwned
{
    [NotPersonalData("blob bookkeeping; the content is personal data of the category of the record that references it, encrypted under its owner's data key")]
    public required Guid Id { get; init; }

    [NotPersonalData("blob bookkeeping; the content is personal data of the category of the record that references it, encrypted under its owner's data key")]
    public required Guid OrganizationId { get; init; }

    [NotPersonalData("blob bookkeeping; the content is personal data of the category of the record that references it, encrypted under its owner's data key")]
    public required Guid DataKeyId { get; init; }

    /// <summary>The content store key: 32 random lower-case hex characters.</summary>
    [NotPersonalData("blob bookkeeping; the content is personal data of the category of the record that references it, encrypted under its owner's data key")]
    public required string StoreKey { get; init; }

    /// <summary>Plaintext length in bytes.</summary>
    [NotPersonalData("blob bookkeeping; the content is personal data of the category of the record that references it, encrypted under its owner's data key")]
    public required long Size { get; init; }

    /// <summary>Length of the stored ciphertext in bytes (header and tags included).</summary>
    [NotPersonalData("blob bookkeeping; the content is personal data of the category of the record that references it, encrypted under its owner's data key")]
    public required long StoredSize { get; init; }

    /// <summary>SHA-256 of the stored ciphertext (32 bytes): lets integrity checks and the audit trail refer to content without decrypting it.</summary>
    [NotPersonalData("blob bookkeeping; the content is personal data of the category of the record that references it, encrypted under its owner's data key")]
    public required byte[] CiphertextSha256 { get; init; }

    /// <summary>The media type given when stored, e.g. <c>audio/ogg</c>.</summary>
    [NotPersonalData("blob bookkeeping; the content is personal data of the category of the record that references it, encrypted under its owner's data key")]
    public required string MediaType { get; init; }

    [NotPersonalData("blob bookkeeping; the content is personal data of the category of the record that references it, encrypted under its owner's data key")]
    public required Instant CreatedAt { get; init; }
}

internal sealed class BlobRecordConfiguration : IEntityTypeConfiguration<BlobRecord>
{
    public void Configure(EntityTypeBuilder<BlobRecord> builder)
    {
        builder.ToTable("blobs");
        builder.HasKey(b => b.Id);
        builder.Property(b => b.Id).ValueGeneratedNever();
        builder.Property(b => b.StoreKey).HasMaxLength(64);
        builder.HasIndex(b => b.StoreKey).IsUnique();
        builder.Property(b => b.MediaType).HasMaxLength(255);
        builder.HasIndex(b => b.OrganizationId);

        // A data key outlives its blobs: destroying a key keeps the row (a tombstone) and deleting a key row that blobs
        // still reference is refused.
        builder.HasOne<DataKey>().WithMany().HasForeignKey(b => b.DataKeyId).OnDelete(DeleteBehavior.Restrict);
    }
}
