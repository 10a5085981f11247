using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;

namespace Custodian.Core.Features.ApiKeys;

/// <summary>
/// An API key of a client organisation (<see cref="OrganizationId"/> set) or a provider feed key (null). Only the
/// SHA-256 of the secret is stored (see <see cref="ApiKeySecret"/>). Not tenant-filtered: authentication must find a
/// key before anyone knows the tenant; only the API-key feature reads this table.
/// </summary>
internal sealed class ApiKey
{
    [NotPersonalData]
    public Guid Id { get; init; } = Guid.CreateVersion7();

    /// <summary>The public part of the key (<c>cust_&lt;prefix&gt;_…</c>): how the key is found, listed and revoked.</summary>
    [NotPersonalData]
    public required string Prefix { get; init; }

    /// <summary>SHA-256 of the secret part.</summary>
    [NotPersonalData("hash of a random secret")]
    public required byte[] SecretHash { get; init; }

    [NotPersonalData]
    public Guid? OrganizationId { get; init; }

    /// <summary>A label for operators (e.g. "crm feed").</summary>
    [NotPersonalData("a label an operator gives the key; say what system uses it, not who")]
    public string? Name { get; init; }

    /// <summary>Space-separated <c>resource:action</c> scopes, see <see cref="ApiScopes"/>.</summary>
    [NotPersonalData]
    public required string Scopes { get; init; }

    [NotPersonalData]
    public required Instant CreatedAt { get; init; }

    [NotPersonalData]
    public Instant? RevokedAt { get; set; }

    [NotPersonalData]
    public Instant? LastUsedAt { get; set; }

    public IReadOnlyList<string> ScopeList => Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> builder)
    {
        builder.ToTable("api_keys");
        builder.HasKey(k => k.Id);
        builder.Property(k => k.Id).ValueGeneratedNever();
        builder.Property(k => k.Prefix).HasMaxLength(16);
        builder.HasIndex(k => k.Prefix).IsUnique();
        builder.Property(k => k.SecretHash).HasMaxLength(32);
        builder.Property(k => k.Name).HasMaxLength(100);
        builder.Property(k => k.Scopes).HasMaxLength(500);
        builder.HasOne<Organization>().WithMany().HasForeignKey(k => k.OrganizationId).OnDelete(DeleteBehavior.Restrict);
        builder.Ignore(k => k.ScopeList);
    }
}
