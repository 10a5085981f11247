using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;

namespace Custodian.Core.Persistence;

/// <summary>
/// One distinct processing register (policy YAML) that Custodian ran with. The register is "validated, versioned":
/// a retention decision or an access answer records the <see cref="Id"/> of the version it applied, so it can later be
/// shown exactly which rules were in force. Rows are never changed; a changed file is a new row.
/// </summary>
internal sealed class RegisterVersion
{
    public required Guid Id { get; init; }

    /// <summary>Lower-case hex SHA-256 of <see cref="Content"/>'s UTF-8 bytes; unique.</summary>
    public required string Sha256 { get; init; }

    /// <summary>The <c>last_updated</c> date the register itself declares.</summary>
    public required LocalDate LastUpdated { get; init; }

    /// <summary>When this version was first activated (first seen by a running Custodian).</summary>
    public required Instant ActivatedAt { get; init; }

    /// <summary>Where the file was read from when first activated; informational only.</summary>
    public required string SourcePath { get; init; }

    /// <summary>The register's YAML text, verbatim.</summary>
    public required string Content { get; init; }
}

internal sealed class RegisterVersionConfiguration : IEntityTypeConfiguration<RegisterVersion>
{
    public void Configure(EntityTypeBuilder<RegisterVersion> builder)
    {
        builder.HasKey(v => v.Id);
        builder.Property(v => v.Id).ValueGeneratedNever();
        builder.Property(v => v.Sha256).HasMaxLength(64);
        builder.HasIndex(v => v.Sha256).IsUnique();
        builder.Property(v => v.SourcePath).HasMaxLength(1024);
        builder.HasIndex(v => v.ActivatedAt);
    }
}
