using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;

namespace Custodian.Core.Features.Blobs;

/// <summary>Whose data a data key protects.</summary>
internal enum DataKeyOwnerKind
{
    /// <summary>One data subject (a customer's contact person, a caller) within a tenant.</summary>
    Subject,

    /// <summary>The tenant itself: data that belongs to no single subject.</summary>
    Organization,

    /// <summary>
    /// One uploaded ID copy (<c>Features/Requests/IdCopies</c>): it gets a key of its own because it is destroyed on
    /// its own, when the verification decision is made, while the requester's other data stays.
    /// </summary>
    IdCopy,
}

/// <summary>The owner of a data key: a data subject, or the organization (then <see cref="Id"/> is the organization id).</summary>
internal readonly record struct DataKeyOwner(DataKeyOwnerKind Kind, Guid Id)
{
    public static DataKeyOwner Subject(Guid subjectId) => new(DataKeyOwnerKind.Subject, subjectId);

    public static DataKeyOwner Organization(Guid organizationId) => new(DataKeyOwnerKind.Organization, organizationId);

    public static DataKeyOwner IdCopy(Guid idCopyId) => new(DataKeyOwnerKind.IdCopy, idCopyId);
}

/// <summary>
/// A data encryption key of one owner in one tenant, stored only wrapped by a key-encryption key (KEK) that lives in the
/// key store outside the database (<see cref="KekStore"/>, <see cref="KeyEncryptionKeys"/>). Destroying it
/// (<see cref="WrappedKey"/> null, <see cref="DestroyedAt"/> set) makes the owner's blobs unreadable at once with the
/// live database; copies of the wrapped key in database backups become useless when their KEK is destroyed after
/// rotation (<see cref="KeyRotation"/>): crypto-shredding, backups included. An owner has at most one live key; after
/// destruction, new data of the same owner gets a new key.
/// </summary>
internal sealed class DataKey : ITenantOwned
{
    [NotPersonalData("key management; destroying the key erases the blobs it protects (crypto-shredding)")]
    public required Guid Id { get; init; }

    [NotPersonalData("key management; destroying the key erases the blobs it protects (crypto-shredding)")]
    public required Guid OrganizationId { get; init; }

    [NotPersonalData("key management; destroying the key erases the blobs it protects (crypto-shredding)")]
    public required DataKeyOwnerKind OwnerKind { get; init; }

    [NotPersonalData("key management; destroying the key erases the blobs it protects (crypto-shredding)")]
    public required Guid OwnerId { get; init; }

    /// <summary>The data key wrapped by <see cref="KekId"/> (60 bytes); null once destroyed.</summary>
    [NotPersonalData("key management; destroying the key erases the blobs it protects (crypto-shredding)")]
    public byte[]? WrappedKey { get; set; }

    /// <summary>
    /// Which key-encryption key wrapped <see cref="WrappedKey"/>, e.g. <c>kek-20261128T211500Z-3fa9</c> (or the legacy
    /// derived <c>blob-kek/v1</c>); rotation re-wraps the row and changes it.
    /// </summary>
    [NotPersonalData("key management; destroying the key erases the blobs it protects (crypto-shredding)")]
    public required string KekId { get; set; }

    [NotPersonalData("key management; destroying the key erases the blobs it protects (crypto-shredding)")]
    public required Instant CreatedAt { get; init; }

    [NotPersonalData("key management; destroying the key erases the blobs it protects (crypto-shredding)")]
    public Instant? DestroyedAt { get; set; }

    public DataKeyOwner Owner => new(OwnerKind, OwnerId);

    public DataKeyIdentity Identity => new(Id, OrganizationId, Owner);
}

internal sealed class DataKeyConfiguration : IEntityTypeConfiguration<DataKey>
{
    public void Configure(EntityTypeBuilder<DataKey> builder)
    {
        builder.ToTable("data_keys");
        builder.HasKey(k => k.Id);
        builder.Property(k => k.Id).ValueGeneratedNever();
        builder.Property(k => k.OwnerKind).HasConversion<string>().HasMaxLength(32);
        builder.Property(k => k.KekId).HasMaxLength(64);
        builder.Ignore(k => k.Owner);
        builder.Ignore(k => k.Identity);

        // At most one live key per owner; destroyed keys stay as tombstones beside a newer live one.
        // The filter is the same SQL on SQLite and PostgreSQL.
        builder.HasIndex(k => new { k.OrganizationId, k.OwnerKind, k.OwnerId })
            .IsUnique()
            .HasFilter("destroyed_at IS NULL")
            .HasDatabaseName("ux_data_keys_live_owner");
        builder.HasIndex(k => new { k.OrganizationId, k.OwnerKind, k.OwnerId, k.CreatedAt });
    }
}
