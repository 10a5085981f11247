using Custodian.Core.Features.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;

namespace Custodian.Core.Features.Consent;

/// <summary>
/// One consent in the ledger (CON-1, Art. 7(1)): who, for which register purpose, which text (version and hash), by which
/// channel, when given and, once withdrawn, when and by which channel. Append-only: a row is never deleted or changed
/// except that its withdrawal is filled in once; giving consent again after a withdrawal is a new row, so the history
/// proves what was true at any moment (a withdrawal does not affect earlier lawful processing, Art. 7(3)).
/// </summary>
/// <remarks>
/// The person is an identifier in the store's look-up form (<see cref="Subjects.SubjectKey"/>: kind and index value),
/// the same key <c>subject_identifiers</c> uses, so a verified request's identifiers find these rows. No BSN, no name.
/// The ledger is the provider's own evidence (the provider is controller of the consent purposes); it is kept while
/// the consent is current and as evidence for two years after its withdrawal (register retention, swept). The access
/// answer and an erasure find the entries through <see cref="Subjects.SubjectRecordLoader"/> like any store record.
/// </remarks>
internal sealed class ConsentEntry
{
    [NotPersonalData]
    public Guid Id { get; init; } = Guid.CreateVersion7();

    /// <summary>A <see cref="Subjects.SubjectKey.KindName"/>: <c>phone</c>, <c>email</c>, ...</summary>
    [NotPersonalData("the kind of the identifier")]
    public required string SubjectKind { get; init; }

    /// <summary>The identifier in index form.</summary>
    [PersonalData(ConsentPurposes.LedgerCategory)]
    public required string SubjectValue { get; init; }

    /// <summary>The client organisation the consent was given in (an employee's app account); null when none applies.</summary>
    [NotPersonalData]
    public Guid? OrganizationId { get; init; }

    /// <summary>The register purpose (<c>purposes[].id</c>) whose basis is consent.</summary>
    /// <remarks>Personal data with the entry: what this person agreed to, shown in their access answer (CON-1).</remarks>
    [PersonalData(ConsentPurposes.LedgerCategory)]
    public required string Purpose { get; init; }

    [PersonalData(ConsentPurposes.LedgerCategory)]
    public required string TextVersion { get; init; }

    /// <summary>SHA-256 of the exact text shown (UTF-8, lower-case hex); the text itself is in <see cref="ConsentText"/>.</summary>
    [NotPersonalData]
    public required string TextHash { get; init; }

    /// <summary>A <see cref="ConsentChannels"/> value.</summary>
    [PersonalData(ConsentPurposes.LedgerCategory)]
    public required string Channel { get; init; }

    [PersonalData(ConsentPurposes.LedgerCategory)]
    public Instant GivenAt { get; init; }

    [PersonalData(ConsentPurposes.LedgerCategory)]
    public Instant? WithdrawnAt { get; set; }

    [PersonalData(ConsentPurposes.LedgerCategory)]
    public string? WithdrawnChannel { get; set; }

    /// <summary>The data-subject request that withdrew it, when a <c>withdraw_consent</c> request did (no foreign key, as for other request tables).</summary>
    [NotPersonalData]
    public Guid? WithdrawnByRequestId { get; set; }

    public bool IsCurrent => WithdrawnAt is null;
}

internal sealed class ConsentEntryConfiguration : IEntityTypeConfiguration<ConsentEntry>
{
    public void Configure(EntityTypeBuilder<ConsentEntry> builder)
    {
        builder.ToTable("consent_entries");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Id).ValueGeneratedNever();
        builder.Property(e => e.SubjectKind).HasMaxLength(10);
        builder.Property(e => e.SubjectValue).HasMaxLength(320);
        builder.Property(e => e.Purpose).HasMaxLength(100);
        builder.Property(e => e.TextVersion).HasMaxLength(100);
        builder.Property(e => e.TextHash).HasMaxLength(64);
        builder.Property(e => e.Channel).HasMaxLength(10);
        builder.Property(e => e.WithdrawnChannel).HasMaxLength(10);
        builder.Ignore(e => e.IsCurrent);
        builder.HasIndex(e => new { e.SubjectKind, e.SubjectValue, e.Purpose });
        builder.HasOne<ConsentText>().WithMany().HasForeignKey(e => new { e.Purpose, e.TextVersion }).HasPrincipalKey(t => new { t.Purpose, t.Version }).OnDelete(DeleteBehavior.Restrict);
    }
}

/// <summary>
/// The exact text of a consent request, stored once per purpose and version (CON-1: "the text or version shown"). A
/// version's text never changes: a different text under a known version is refused (<c>consent.version_text_mismatch</c>).
/// </summary>
internal sealed class ConsentText
{
    [NotPersonalData]
    public Guid Id { get; init; } = Guid.CreateVersion7();

    [NotPersonalData]
    public required string Purpose { get; init; }

    [NotPersonalData]
    public required string Version { get; init; }

    /// <summary>The text exactly as shown (no personal data: the same for everyone).</summary>
    [NotPersonalData]
    public required string Text { get; init; }

    [NotPersonalData]
    public required string TextHash { get; init; }

    [NotPersonalData]
    public Instant FirstSeenAt { get; init; }
}

internal sealed class ConsentTextConfiguration : IEntityTypeConfiguration<ConsentText>
{
    public void Configure(EntityTypeBuilder<ConsentText> builder)
    {
        builder.ToTable("consent_texts");
        builder.HasKey(t => t.Id);
        builder.Property(t => t.Id).ValueGeneratedNever();
        builder.Property(t => t.Purpose).HasMaxLength(100);
        builder.Property(t => t.Version).HasMaxLength(100);
        builder.Property(t => t.Text).HasMaxLength(20000);
        builder.Property(t => t.TextHash).HasMaxLength(64);
        builder.HasAlternateKey(t => new { t.Purpose, t.Version });
    }
}
