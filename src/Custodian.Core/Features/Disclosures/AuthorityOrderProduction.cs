using Custodian.Core.Features.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;

namespace Custodian.Core.Features.Disclosures;

/// <summary>
/// One production of an order's data: a ZIP (CSV, JSON, manifest with SHA-256 hashes) stored encrypted, which a
/// second person releases (four eyes) before anyone can download it.
/// </summary>
internal sealed class AuthorityOrderProduction
{
    [NotPersonalData]
    public Guid Id { get; init; } = Guid.CreateVersion7();

    [NotPersonalData]
    public Guid OrderId { get; init; }

    [NotPersonalData("the encrypted package")]
    public Guid BlobId { get; init; }

    [NotPersonalData("a count")]
    public int RecordCount { get; init; }

    /// <summary>SHA-256 of the ZIP as delivered (hex), so the authority can check what it received.</summary>
    [NotPersonalData("a hash of the package")]
    public string Sha256 { get; init; } = string.Empty;

    [NotPersonalData("production lifecycle")]
    public Instant ProducedAt { get; init; }

    [NotPersonalData("user id or API key id")]
    public string ProducedById { get; init; } = string.Empty;

    [NotPersonalData("production lifecycle")]
    public Instant? ReleasedAt { get; set; }

    [NotPersonalData("user id or API key id")]
    public string? ReleasedById { get; set; }

    [NotPersonalData("a count")]
    public int Downloads { get; set; }

    /// <summary>
    /// Set only by the migration that introduced "at most one waiting package per order" (OneWaitingPackagePerOrder):
    /// where an order had several unreleased packages, all but the newest point here at the newest one and can no
    /// longer be released. New productions never set it (the unique index makes a second waiting one impossible).
    /// </summary>
    [NotPersonalData]
    public Guid? SupersededById { get; init; }

    /// <summary>Two releases at once must not both pass.</summary>
    [NotPersonalData("concurrency token")]
    public int Version { get; set; }

    public bool IsReleased => ReleasedAt is not null;

    public bool IsSuperseded => SupersededById is not null;

    /// <summary>
    /// The filter of the unique index on <see cref="OrderId"/>: at most one package per order waits for release, so two
    /// produce requests at once cannot both store one (the loser returns the winner's). Plain SQL valid on both engines.
    /// </summary>
    public const string WaitingFilter = "released_at IS NULL AND superseded_by_id IS NULL";
}

internal sealed class AuthorityOrderProductionConfiguration : IEntityTypeConfiguration<AuthorityOrderProduction>
{
    public void Configure(EntityTypeBuilder<AuthorityOrderProduction> builder)
    {
        builder.ToTable("authority_order_productions");
        builder.HasKey(p => p.Id);
        builder.Property(p => p.Id).ValueGeneratedNever();
        builder.HasOne<AuthorityOrder>().WithMany().HasForeignKey(p => p.OrderId).OnDelete(DeleteBehavior.Restrict);
        builder.Property(p => p.Sha256).HasMaxLength(64);
        builder.Property(p => p.ProducedById).HasMaxLength(100);
        builder.Property(p => p.ReleasedById).HasMaxLength(100);
        builder.Property(p => p.Version).IsConcurrencyToken();
        builder.HasIndex(p => p.OrderId);
        builder.HasIndex(p => p.OrderId, "ux_authority_order_productions_waiting").IsUnique().HasFilter(AuthorityOrderProduction.WaitingFilter);
        builder.Ignore(p => p.IsReleased);
        builder.Ignore(p => p.IsSuperseded);
    }
}
