using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;

namespace Custodian.Core.Features.Disclosures.Emergency;

/// <summary>
/// One use of the 112 caller look-up (Tw 11.10, domain.md AUT-5): when, by whom, for which number (as a keyed hash
/// only), and which records were disclosed (by id). The log exists so the yearly transparency statistics can count
/// 112 disclosures (AUT-7) and so a disclosure can be accounted for; it deliberately holds none of the returned
/// personal data: the 112 operator, not the provider, is the controller of what was sent.
/// </summary>
internal sealed class EmergencyDisclosure
{
    [NotPersonalData]
    public Guid Id { get; init; } = Guid.CreateVersion7();

    [NotPersonalData("when the look-up was answered")]
    public Instant DisclosedAt { get; init; }

    /// <summary><see cref="AuditHasher.HashIdentifier"/> of the E.164 number (kind <c>phone</c>): countable, not readable.</summary>
    [NotPersonalData("keyed hash of the number; reversible only with the master key by recomputation")]
    public required string NumberHash { get; init; }

    /// <summary>False when the number was not a current subscription of ours (the caller got a 404; nothing was disclosed).</summary>
    [NotPersonalData]
    public bool Found { get; init; }

    [NotPersonalData("the subscriber organisation's id")]
    public Guid? OrganizationId { get; init; }

    [NotPersonalData("the mobile subscription's id")]
    public Guid? SubscriptionId { get; init; }

    [NotPersonalData]
    public AuditActorKind ActorKind { get; init; }

    [NotPersonalData("the API key id or operator")]
    public required string ActorId { get; init; }
}

internal sealed class EmergencyDisclosureConfiguration : IEntityTypeConfiguration<EmergencyDisclosure>
{
    public void Configure(EntityTypeBuilder<EmergencyDisclosure> builder)
    {
        builder.ToTable("emergency_disclosures");
        builder.HasKey(d => d.Id);
        builder.Property(d => d.Id).ValueGeneratedNever();
        builder.Property(d => d.NumberHash).HasMaxLength(80);
        builder.Property(d => d.ActorKind).HasConversion<string>().HasMaxLength(20);
        builder.Property(d => d.ActorId).HasMaxLength(200);
        builder.HasIndex(d => d.DisclosedAt);
    }
}
