using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;

namespace Custodian.Core.Features.Shielding;

/// <summary>Where a shielded number comes from (SHD-8 <c>source</c>).</summary>
internal static class ShieldingSources
{
    /// <summary>A request of one of the provider's own subscribers (SHD-1); free of charge (SHD-6).</summary>
    public const string Own = "own";

    /// <summary>On a list received from another provider (SHD-2); <see cref="ShieldedNumber.ProviderName"/> names it.</summary>
    public const string OtherProvider = "other_provider";
}

/// <summary>
/// One number in the register of shielded numbers (BUDE 4.2, domain.md SHD-1..SHD-8): masked (last four digits) on
/// every itemised bill of a billing period from <see cref="EffectiveFrom"/> up to, not including, <see cref="EffectiveUntil"/>.
/// </summary>
/// <remarks>
/// The number is personal data of register category <c>general.shielded_numbers</c>, shown only to staff with
/// <c>shielding:manage</c>. Retention (<c>shielding_ended</c>): while the shielding stands, then a year after
/// <see cref="MaskedUntil"/>.
/// </remarks>
internal sealed class ShieldedNumber
{
    [NotPersonalData]
    public Guid Id { get; init; } = Guid.CreateVersion7();

    /// <summary>E.164.</summary>
    [PersonalData("general.shielded_numbers")]
    public required string Number { get; init; }

    /// <summary><see cref="ShieldingSources"/>.</summary>
    [NotPersonalData]
    public required string Source { get; init; }

    /// <summary>The other provider whose list holds it; null for <see cref="ShieldingSources.Own"/>.</summary>
    [NotPersonalData("a company name")]
    public string? ProviderName { get; init; }

    /// <summary>The received list it came with; null for own requests.</summary>
    [NotPersonalData]
    public Guid? ReceivedListId { get; init; }

    /// <summary>When the subscriber asked (own) or the list was received (other provider).</summary>
    [NotPersonalData]
    public Instant RequestedAt { get; init; }

    /// <summary>First day of the first billing period in which it is masked.</summary>
    [NotPersonalData]
    public LocalDate EffectiveFrom { get; init; }

    /// <summary>When the shielding was ended (the subscriber's wish, or a newer list from the provider); null while it runs.</summary>
    [NotPersonalData]
    public Instant? EndedAt { get; private set; }

    /// <summary>First day of the first billing period in which it is no longer masked; null while it runs.</summary>
    [NotPersonalData]
    public LocalDate? EffectiveUntil { get; private set; }

    /// <summary>
    /// The start of <see cref="EffectiveUntil"/> in Amsterdam, i.e. the end of the last billing period in which the number
    /// was masked: the retention anchor (<c>shielding_ended</c>) as an instant, which the sweep compares in SQL.
    /// </summary>
    [NotPersonalData]
    public Instant? MaskedUntil { get; private set; }

    /// <summary>Ends the shielding: masked on bills of periods before <paramref name="effectiveUntil"/>, not from it.</summary>
    public void End(Instant endedAt, LocalDate effectiveUntil)
    {
        EndedAt ??= endedAt;
        EffectiveUntil = effectiveUntil;
        MaskedUntil = RetentionCalendar.StartOf(effectiveUntil);
    }

    /// <summary>Whether the number is masked on bills of the billing period that starts on <paramref name="firstDay"/>.</summary>
    public bool ShieldedIn(LocalDate firstDay) => EffectiveFrom <= firstDay && (EffectiveUntil is null || EffectiveUntil > firstDay);
}

internal sealed class ShieldedNumberConfiguration : IEntityTypeConfiguration<ShieldedNumber>
{
    public void Configure(EntityTypeBuilder<ShieldedNumber> builder)
    {
        builder.ToTable("shielded_numbers");
        builder.HasKey(n => n.Id);
        builder.Property(n => n.Id).ValueGeneratedNever();
        builder.Property(n => n.Number).HasMaxLength(32);
        builder.Property(n => n.Source).HasMaxLength(20);
        builder.Property(n => n.ProviderName).HasMaxLength(100);
        builder.HasIndex(n => n.Number);
        builder.HasIndex(n => new { n.Source, n.ProviderName });
    }
}

/// <summary>A list of shielded numbers received from another provider (SHD-2), replacing its previous list as of <see cref="EffectiveFrom"/>.</summary>
internal sealed class ShieldingReceivedList
{
    [NotPersonalData]
    public Guid Id { get; init; } = Guid.CreateVersion7();

    [NotPersonalData("a company name")]
    public required string ProviderName { get; init; }

    [NotPersonalData]
    public Instant ReceivedAt { get; init; }

    /// <summary>First day of the billing period from which this list applies (and the previous one stops).</summary>
    [NotPersonalData]
    public LocalDate EffectiveFrom { get; init; }

    [NotPersonalData("the file's name as given")]
    public required string FileName { get; init; }

    /// <summary>SHA-256 of the file, lower-case hex: what exactly was applied.</summary>
    [NotPersonalData]
    public required string Sha256 { get; init; }

    [NotPersonalData]
    public int NumberCount { get; init; }

    [NotPersonalData("who imported it")]
    public required string ImportedBy { get; init; }

    /// <summary>
    /// The start of the billing period from which the provider's next list replaced this one; null while it is the latest.
    /// The record's retention anchor (<c>shielding_ended</c>), like its numbers'.
    /// </summary>
    [NotPersonalData]
    public Instant? ReplacedFrom { get; set; }
}

internal sealed class ShieldingReceivedListConfiguration : IEntityTypeConfiguration<ShieldingReceivedList>
{
    public void Configure(EntityTypeBuilder<ShieldingReceivedList> builder)
    {
        builder.ToTable("shielding_received_lists");
        builder.HasKey(l => l.Id);
        builder.Property(l => l.Id).ValueGeneratedNever();
        builder.Property(l => l.ProviderName).HasMaxLength(100);
        builder.Property(l => l.FileName).HasMaxLength(260);
        builder.Property(l => l.Sha256).HasMaxLength(64);
        builder.Property(l => l.ImportedBy).HasMaxLength(200);
        builder.HasIndex(l => new { l.ProviderName, l.ReceivedAt });
    }
}

/// <summary>The record of one outgoing list (SHD-2): what was sent to whom and when.</summary>
internal sealed class ShieldingSend
{
    [NotPersonalData]
    public Guid Id { get; init; } = Guid.CreateVersion7();

    /// <summary>The receiving provider.</summary>
    [NotPersonalData("a company name")]
    public required string ProviderName { get; init; }

    [NotPersonalData]
    public Instant SentAt { get; init; }

    [NotPersonalData]
    public int NumberCount { get; init; }

    /// <summary>SHA-256 of the file sent, lower-case hex: with the register's history it proves exactly what went out.</summary>
    [NotPersonalData]
    public required string Sha256 { get; init; }

    [NotPersonalData("who produced it")]
    public required string SentBy { get; init; }
}

internal sealed class ShieldingSendConfiguration : IEntityTypeConfiguration<ShieldingSend>
{
    public void Configure(EntityTypeBuilder<ShieldingSend> builder)
    {
        builder.ToTable("shielding_sends");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).ValueGeneratedNever();
        builder.Property(s => s.ProviderName).HasMaxLength(100);
        builder.Property(s => s.Sha256).HasMaxLength(64);
        builder.Property(s => s.SentBy).HasMaxLength(200);
        builder.HasIndex(s => new { s.ProviderName, s.SentAt });
    }
}
