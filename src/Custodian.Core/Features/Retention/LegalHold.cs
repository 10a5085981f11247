using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Store;
using Custodian.Core.Identifiers;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using NodaTime;

namespace Custodian.Core.Features.Retention;

/// <summary>
/// A legal hold or Art. 18 restriction: while it is active (<see cref="IsActiveAt"/>) the sweep deletes none of the
/// records in its scope (<see cref="HoldScope"/>). Placed, extended and released only through
/// <see cref="LegalHoldCommands"/>, each change with its audit event.
/// </summary>
/// <remarks>
/// Not <c>ITenantOwned</c>: a provider-wide hold has no organisation (<see cref="OrganizationId"/> null), which the
/// interface cannot express. <c>CustodianDbContext</c> gives it the same kind of central filter instead (a tenant sees
/// only holds of its own organisation, never provider-wide ones) and refuses to write one outside the context's scope.
/// The secrecy of authority holds is not tenancy and is applied by the commands (<see cref="HoldBases.IsAuthority"/>).
/// </remarks>
internal sealed class LegalHold
{
    public const int MaxReasonLength = 500;
    public const int MaxReferenceLength = 100;

    [NotPersonalData]
    public Guid Id { get; init; } = Guid.CreateVersion7();

    [NotPersonalData("the legal basis of the hold")]
    public HoldBasis Basis { get; init; }

    /// <summary>Set exactly for <see cref="HoldBasis.RestrictionArt18"/>.</summary>
    [NotPersonalData("the Art. 18 ground, not the person")]
    public RestrictionGround? Ground { get; init; }

    /// <summary>
    /// Why, in words, WITHOUT personal data: the caller is told so, and the audit trail records only its keyed hash.
    /// Name the case, not the person ("claim of customer in ticket T-123", not a name).
    /// </summary>
    [NotPersonalData("documented as free of personal data; reaches the audit trail only as a keyed hash")]
    public string Reason { get; init; } = string.Empty;

    /// <summary>The order's or case's number (e.g. the public prosecutor's reference).</summary>
    [NotPersonalData("case or order number")]
    public string? Reference { get; init; }

    /// <summary>The organisation whose records are held; null: every organisation (provider keys only, needs identifiers).</summary>
    [NotPersonalData("the tenant the hold applies to")]
    public Guid? OrganizationId { get; init; }

    /// <summary>Register category ids the hold covers; empty: every category.</summary>
    [NotPersonalData("register category ids")]
    public List<string> Categories { get; init; } = [];

    /// <summary>Records whose own time is at or after this are held (with <see cref="RecordsUntil"/>: [from, until)).</summary>
    [NotPersonalData("time window of the held records")]
    public Instant? RecordsFrom { get; init; }

    [NotPersonalData("time window of the held records")]
    public Instant? RecordsUntil { get; init; }

    /// <summary>Records holding any of these are held; empty: every record of the organisation in scope.</summary>
    public List<LegalHoldIdentifier> Identifiers { get; init; } = [];

    [NotPersonalData("hold lifecycle")]
    public Instant StartsAt { get; init; }

    /// <summary>Exclusive; null: until released (never for a 126ni order).</summary>
    [NotPersonalData("hold lifecycle")]
    public Instant? EndsAt { get; set; }

    [NotPersonalData("hold lifecycle")]
    public int ExtensionCount { get; set; }

    [NotPersonalData("hold lifecycle")]
    public Instant PlacedAt { get; init; }

    [NotPersonalData("the kind of actor (api_key, user, cli)")]
    public AuditActorKind PlacedByKind { get; init; }

    [NotPersonalData("API key id, user id or command")]
    public string PlacedById { get; init; } = string.Empty;

    /// <summary>
    /// The tenancy of the key that placed the hold: its organisation, or null for the provider. Only a caller of the same
    /// tenancy may extend or release it (issue 4 §2: nobody releases a hold they had no right to place).
    /// </summary>
    [NotPersonalData("the tenancy of the placing key")]
    public Guid? PlacedByOrganizationId { get; init; }

    [NotPersonalData("hold lifecycle")]
    public Instant? ReleasedAt { get; set; }

    [NotPersonalData("the kind of actor that released it")]
    public AuditActorKind? ReleasedByKind { get; set; }

    [NotPersonalData("API key id, user id or command")]
    public string? ReleasedById { get; set; }

    /// <summary>As <see cref="Reason"/>: documented as free of personal data, audited by hash only.</summary>
    [NotPersonalData("documented as free of personal data; reaches the audit trail only as a keyed hash")]
    public string? ReleaseReason { get; set; }

    /// <summary>Optimistic concurrency: two extensions at once must not both pass the 126ni "once" check.</summary>
    [NotPersonalData("concurrency token")]
    public int Version { get; set; }

    public bool IsReleased => ReleasedAt is not null;

    /// <summary>Active: started, not ended, not released at <paramref name="at"/>.</summary>
    public bool IsActiveAt(Instant at) =>
        StartsAt <= at && (EndsAt is null || at < EndsAt) && (ReleasedAt is null || at < ReleasedAt);

    /// <summary>Whether the hold stops deletion at all (every basis does; a restriction depending on its ground).</summary>
    public bool StopsDeletion => Basis != HoldBasis.RestrictionArt18 || Ground is not { } g || HoldBases.StopsDeletion(g);

    public HoldScope Scope() => new(
        Id,
        OrganizationId,
        Categories,
        RecordsFrom,
        RecordsUntil,
        Identifiers.Select(i => (i.IdentifierKind, i.Value)).ToHashSet());
}

/// <summary>
/// One identifier a hold names, in <see cref="HoldIdentifiers.MatchForm"/>. Stored with its hold (an owned collection,
/// so it is always loaded with it and filtered with it).
/// </summary>
internal sealed class LegalHoldIdentifier
{
    [NotPersonalData]
    public Guid Id { get; init; } = Guid.CreateVersion7();

    [NotPersonalData]
    public Guid LegalHoldId { get; init; }

    /// <summary>A <see cref="HoldIdentifiers.KindNames"/> word: <c>phone</c>, <c>email</c>, ...</summary>
    [NotPersonalData("index: the kind of the value")]
    public string Kind { get; init; } = string.Empty;

    /// <summary>
    /// A copy of an identifier the held records contain, in comparison form, following the <c>SubjectIdentifier</c>
    /// convention for index copies. Unlike that index it does not die with the records: it lives as long as the hold
    /// row (it is what keeps them). Whether the register needs its own category for data kept under a legal obligation
    /// is open (see the report of issue 4 §2).
    /// </summary>
    [NotPersonalData("index copy of identifiers the held records contain; kept with the hold")]
    public string Value { get; init; } = string.Empty;

    public IdentifierKind IdentifierKind => HoldIdentifiers.ParseKind(Kind) ?? throw new InvalidOperationException($"Stored hold identifier kind '{Kind}' is unknown.");
}

internal sealed class LegalHoldConfiguration : IEntityTypeConfiguration<LegalHold>
{
    public void Configure(EntityTypeBuilder<LegalHold> builder)
    {
        builder.ToTable("legal_holds");
        builder.HasKey(h => h.Id);
        builder.Property(h => h.Id).ValueGeneratedNever();
        builder.Property(h => h.Basis).HasConversion(b => HoldBases.Name(b), s => HoldBases.ParseBasis(s)).HasMaxLength(40);
        builder.Property(h => h.Ground)
            .HasConversion(new ValueConverter<RestrictionGround, string>(g => HoldBases.Name(g), s => HoldBases.ParseGround(s)))
            .HasMaxLength(40);
        builder.Property(h => h.Reason).HasMaxLength(LegalHold.MaxReasonLength);
        builder.Property(h => h.Reference).HasMaxLength(LegalHold.MaxReferenceLength);
        builder.HasOne<Organization>().WithMany().HasForeignKey(h => h.OrganizationId).OnDelete(DeleteBehavior.Restrict);

        // Category ids are dotted words without spaces: one space-separated text column keeps the schema the same on
        // both engines (a primitive collection would be an array on PostgreSQL and JSON on SQLite).
        builder.Property(h => h.Categories)
            .HasConversion(
                c => string.Join(' ', c),
                s => s.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList(),
                new ValueComparer<List<string>>((a, b) => a!.SequenceEqual(b!), c => c.Aggregate(0, (h, s) => HashCode.Combine(h, s.GetHashCode(StringComparison.Ordinal))), c => c.ToList()))
            .HasMaxLength(4000);
        builder.Property(h => h.PlacedByKind).HasConversion<string>().HasMaxLength(20);
        builder.Property(h => h.PlacedById).HasMaxLength(100);
        builder.Property(h => h.ReleasedByKind).HasConversion<string>().HasMaxLength(20);
        builder.Property(h => h.ReleasedById).HasMaxLength(100);
        builder.Property(h => h.ReleaseReason).HasMaxLength(LegalHold.MaxReasonLength);
        builder.Property(h => h.Version).IsConcurrencyToken();
        builder.HasIndex(h => h.ReleasedAt);

        // Every audit page view of a reader without holds:lawful looks up the authority-basis holds (AuditSearch): a
        // few among many, so by index rather than a scan of every hold.
        builder.HasIndex(h => h.Basis);
        builder.Ignore(h => h.IsReleased);
        builder.Ignore(h => h.StopsDeletion);

        builder.OwnsMany(h => h.Identifiers, i =>
        {
            i.ToTable("legal_hold_identifiers");
            i.WithOwner().HasForeignKey(x => x.LegalHoldId);
            i.HasKey(x => x.Id);
            i.Property(x => x.Id).ValueGeneratedNever();
            i.Property(x => x.Kind).HasMaxLength(10);
            i.Property(x => x.Value).HasMaxLength(320);
            i.Ignore(x => x.IdentifierKind);
            i.HasIndex(x => new { x.Kind, x.Value });
        });
    }
}
