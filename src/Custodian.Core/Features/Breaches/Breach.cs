using Custodian.Core.Features.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;

namespace Custodian.Core.Features.Breaches;

/// <summary>Why the people concerned are not told (GDPR 34(3)); <see cref="None"/> while they are, or not decided.</summary>
internal enum SubjectNoticeExemption
{
    None,

    /// <summary>34(3)(a): the data was unintelligible to anyone not authorised (encryption).</summary>
    Encrypted,

    /// <summary>34(3)(b): later measures mean the high risk is no longer likely.</summary>
    Measures,

    /// <summary>34(3)(c): individual notice would take disproportionate effort; a public announcement instead.</summary>
    Disproportionate,
}

/// <summary>
/// One personal-data breach (GDPR 33(5), Tw 11.3a, Regulation 611/2013 Art. 2): every breach is documented here,
/// notified or not. Changed only through <see cref="BreachCommands"/>, each change audited. The texts describe the
/// breach, never the people in it: they go to the AP as they are and are shown to auditors.
/// </summary>
internal sealed class Breach
{
    public const int MaxTextLength = 4000;
    public const int MaxShortTextLength = 300;

    [NotPersonalData]
    public Guid Id { get; init; } = Guid.CreateVersion7();

    /// <summary>A short reference for people and the AP (<c>BR-2026-0001</c>), unique.</summary>
    [NotPersonalData("case reference")]
    public string Reference { get; init; } = string.Empty;

    [NotPersonalData("documented as free of personal data: a title of the incident")]
    public string Title { get; set; } = string.Empty;

    /// <summary>When the provider detected it: the 24-hour clock of Regulation 611/2013 Art. 2(2) runs from here.</summary>
    [NotPersonalData("incident time")]
    public Instant DetectedAt { get; set; }

    /// <summary>When the provider became aware it is a personal-data breach: the 72-hour clock of GDPR 33(1) runs from here.</summary>
    [NotPersonalData("incident time")]
    public Instant AwareAt { get; set; }

    /// <summary>When the initial notice went to the AP; null: not (yet) reported.</summary>
    [NotPersonalData("incident time")]
    public Instant? InitialReportAt { get; set; }

    /// <summary>When the complete notice went to the AP (611/2013 Art. 2(3): within three days of the initial one).</summary>
    [NotPersonalData("incident time")]
    public Instant? CompleteReportAt { get; set; }

    /// <summary>A decision that the breach need not be notified (GDPR 33(1): unlikely to result in a risk), with why.</summary>
    [NotPersonalData("documented as free of personal data")]
    public string? NotNotifiedReason { get; set; }

    [NotPersonalData("documented as free of personal data: what happened")]
    public string Nature { get; set; } = string.Empty;

    /// <summary>Register category ids concerned.</summary>
    [NotPersonalData("register category ids")]
    public List<string> Categories { get; set; } = [];

    [NotPersonalData("an approximate count")]
    public int? ApproximatePeople { get; set; }

    [NotPersonalData("an approximate count")]
    public int? ApproximateRecords { get; set; }

    [NotPersonalData("documented as free of personal data")]
    public string LikelyConsequences { get; set; } = string.Empty;

    [NotPersonalData("documented as free of personal data")]
    public string MeasuresTaken { get; set; } = string.Empty;

    [NotPersonalData("documented as free of personal data")]
    public string MeasuresProposed { get; set; } = string.Empty;

    /// <summary>Whether the people concerned are (or will be) told (GDPR 34, Tw 11.3a(2)).</summary>
    [NotPersonalData("a decision")]
    public bool SubjectsInformed { get; set; }

    [NotPersonalData("a decision")]
    public SubjectNoticeExemption SubjectsNotInformedBecause { get; set; }

    /// <summary>The DPO or other contact point (33(3)(b)): a function and a role address, not a private one.</summary>
    [NotPersonalData("documented as a function and role address")]
    public string ContactPoint { get; set; } = string.Empty;

    /// <summary>Client organisations whose records are concerned (their controllers are told where the provider is processor, 33(2)).</summary>
    [NotPersonalData("tenant ids")]
    public List<Guid> OrganizationIds { get; set; } = [];

    /// <summary>Why a notice came after its clock (GDPR 33(1) last sentence); required once a clock is missed.</summary>
    [NotPersonalData("documented as free of personal data")]
    public string? LateReasons { get; set; }

    [NotPersonalData("lifecycle")]
    public Instant RecordedAt { get; init; }

    /// <summary>Closed: handled to the end (notified or decided not to); closed breaches leave the dashboard.</summary>
    [NotPersonalData("lifecycle")]
    public Instant? ClosedAt { get; set; }

    [NotPersonalData("concurrency token")]
    public int Version { get; set; }

    public bool IsOpen => ClosedAt is null;
}

internal sealed class BreachConfiguration : IEntityTypeConfiguration<Breach>
{
    public void Configure(EntityTypeBuilder<Breach> builder)
    {
        builder.ToTable("breaches");
        builder.HasKey(b => b.Id);
        builder.Property(b => b.Id).ValueGeneratedNever();
        builder.Property(b => b.Reference).HasMaxLength(20);
        builder.HasIndex(b => b.Reference).IsUnique();
        builder.Property(b => b.Title).HasMaxLength(Breach.MaxShortTextLength);
        builder.Property(b => b.NotNotifiedReason).HasMaxLength(Breach.MaxTextLength);
        builder.Property(b => b.Nature).HasMaxLength(Breach.MaxTextLength);
        builder.Property(b => b.LikelyConsequences).HasMaxLength(Breach.MaxTextLength);
        builder.Property(b => b.MeasuresTaken).HasMaxLength(Breach.MaxTextLength);
        builder.Property(b => b.MeasuresProposed).HasMaxLength(Breach.MaxTextLength);
        builder.Property(b => b.ContactPoint).HasMaxLength(Breach.MaxShortTextLength);
        builder.Property(b => b.LateReasons).HasMaxLength(Breach.MaxTextLength);
        builder.Property(b => b.SubjectsNotInformedBecause).HasConversion<string>().HasMaxLength(20);

        // Ids without spaces: one space-separated text column keeps the schema the same on both engines (as legal_holds).
        builder.Property(b => b.Categories)
            .HasConversion(
                c => string.Join(' ', c),
                s => s.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList(),
                new ValueComparer<List<string>>((a, b) => a!.SequenceEqual(b!), c => c.Aggregate(0, (h, s) => HashCode.Combine(h, s.GetHashCode(StringComparison.Ordinal))), c => c.ToList()))
            .HasMaxLength(4000);
        builder.Property(b => b.OrganizationIds)
            .HasConversion(
                c => string.Join(' ', c),
                s => s.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(Guid.Parse).ToList(),
                new ValueComparer<List<Guid>>((a, b) => a!.SequenceEqual(b!), c => c.Aggregate(0, (h, g) => HashCode.Combine(h, g)), c => c.ToList()))
            .HasMaxLength(4000);
        builder.Property(b => b.Version).IsConcurrencyToken();
        builder.HasIndex(b => b.ClosedAt);
        builder.Ignore(b => b.IsOpen);
    }
}
