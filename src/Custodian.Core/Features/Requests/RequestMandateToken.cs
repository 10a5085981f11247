using Custodian.Core.Features.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;

namespace Custodian.Core.Features.Requests;

/// <summary>
/// The token in a mandate confirmation sent to the subject (<see cref="RequestMandates"/>): 32 random bytes given to
/// the subject once; only their SHA-256 is stored, with the one request it belongs to. Single use, expires with the
/// mandate window.
/// </summary>
internal sealed class RequestMandateToken
{
    [NotPersonalData]
    public Guid Id { get; init; } = Guid.CreateVersion7();

    [NotPersonalData]
    public required Guid RequestId { get; init; }

    [NotPersonalData("SHA-256 of a bearer token")]
    public required byte[] TokenHash { get; init; }

    [NotPersonalData]
    public required Instant CreatedAt { get; init; }

    [NotPersonalData]
    public required Instant ExpiresAt { get; init; }

    /// <summary>Set once, by the one conditional update that accepted the token (confirm or reject).</summary>
    [NotPersonalData]
    public Instant? ConsumedAt { get; set; }
}

internal sealed class RequestMandateTokenConfiguration : IEntityTypeConfiguration<RequestMandateToken>
{
    public void Configure(EntityTypeBuilder<RequestMandateToken> builder)
    {
        builder.ToTable("request_mandate_tokens");
        builder.HasKey(t => t.Id);
        builder.Property(t => t.Id).ValueGeneratedNever();
        builder.HasOne<DataSubjectRequest>().WithMany().HasForeignKey(t => t.RequestId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(t => t.TokenHash).HasMaxLength(32);
        builder.HasIndex(t => t.TokenHash).IsUnique();
        builder.HasIndex(t => t.RequestId);
    }
}
