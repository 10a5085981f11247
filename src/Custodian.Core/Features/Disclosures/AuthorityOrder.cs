using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;

namespace Custodian.Core.Features.Disclosures;

/// <summary>
/// One authority order in the register (domain.md AUT-4). Secret (Tw 13.5(1)): only callers with
/// <c>disclosures:manage</c> see it (<see cref="AuthorityOrders"/>); it is no tenant's record (every order is the
/// provider's), so it has no organisation and no tenant filter, and nothing of it reaches a person's answer: its
/// targets are not in the subject index and its hold is an authority hold (<see cref="HoldBases.IsAuthority"/>), except
/// for an 11.11 nuisance-call disclosure, which is no secret order (<see cref="AuthorityOrderTypes.HoldBasisFor"/>).
/// Changed only through <see cref="AuthorityOrders"/>, each change with its audit event.
/// </summary>
internal sealed class AuthorityOrder
{
    public const int MaxReferenceLength = 100;
    public const int MaxNoteLength = 500;

    [NotPersonalData]
    public Guid Id { get; init; } = Guid.CreateVersion7();

    /// <summary>The order's number (vorderingsnummer) as the authority wrote it.</summary>
    [NotPersonalData("the authority's order number; secret under Tw 13.5, shown only to disclosures:manage")]
    public string Reference { get; init; } = string.Empty;

    [NotPersonalData("the legal basis")]
    public AuthorityOrderType Type { get; init; }

    [NotPersonalData("the kind of authority")]
    public IssuingAuthority IssuedBy { get; init; }

    /// <summary>The examining magistrate's (RC) authorisation reference; required for interception.</summary>
    [NotPersonalData("a court's reference")]
    public string? JudgeAuthorisation { get; init; }

    [NotPersonalData("order lifecycle")]
    public Instant ReceivedAt { get; init; }

    /// <summary>When the provider complied (data released, tap or hold in place); null: not yet.</summary>
    [NotPersonalData("order lifecycle")]
    public Instant? CompliedAt { get; set; }

    /// <summary>The records the order covers have their own time in [<see cref="PeriodFrom"/>, <see cref="PeriodUntil"/>).</summary>
    [NotPersonalData("time window of the covered records")]
    public Instant PeriodFrom { get; init; }

    [NotPersonalData("time window of the covered records")]
    public Instant PeriodUntil { get; init; }

    /// <summary>Register category ids the order asks for (never empty).</summary>
    [NotPersonalData("register category ids")]
    public List<string> Categories { get; init; } = [];

    public List<AuthorityOrderTarget> Targets { get; init; } = [];

    /// <summary>The legal hold registering the order placed on its scope (same transaction).</summary>
    [NotPersonalData]
    public Guid LegalHoldId { get; init; }

    [NotPersonalData("order lifecycle")]
    public Instant RegisteredAt { get; init; }

    [NotPersonalData("the kind of actor")]
    public AuditActorKind RegisteredByKind { get; init; }

    /// <summary>The registering actor (user id, API key id): may not release the order's data (four eyes).</summary>
    [NotPersonalData("user id or API key id")]
    public string RegisteredById { get; init; } = string.Empty;

    /// <summary>The reimbursable administrative and staff costs claimed (Tw 13.6(2)), in euro.</summary>
    [NotPersonalData("an amount")]
    public decimal? CostAmount { get; set; }

    [NotPersonalData("documented as free of personal data")]
    public string? CostNote { get; set; }

    public AuthorityOrderGroup Group => AuthorityOrderTypes.GroupOf(Type);

    public bool NeedsLegalReview => AuthorityOrderTypes.NeedsLegalReview(Type, JudgeAuthorisation);

    /// <summary>Tw 11.11 (AUT-6): the subscriber whose data this order discloses must be informed.</summary>
    public bool MustInformDisclosedSubscriber => AuthorityOrderTypes.MustInformDisclosedSubscriber(Type);

    /// <summary>
    /// Whether "without delay" (Tw 13.4: onverwijld) is not met at <paramref name="now"/>: complied later than
    /// <paramref name="limit"/> after receipt, or not complied and that long has passed.
    /// </summary>
    public bool IsLate(Instant now, Duration limit) => (CompliedAt ?? now) - ReceivedAt > limit;
}

/// <summary>One identifier an order names, canonical (<see cref="Subjects.SubjectKey.Normalize"/>).</summary>
internal sealed class AuthorityOrderTarget
{
    [NotPersonalData]
    public Guid Id { get; init; } = Guid.CreateVersion7();

    [NotPersonalData]
    public Guid OrderId { get; init; }

    /// <summary>A <see cref="Subjects.SubjectKey.KindName"/> word except <c>name</c>: phone, email, imei, iccid, mac, ip.</summary>
    [NotPersonalData("the kind of the value")]
    public string Kind { get; init; } = string.Empty;

    /// <summary>
    /// The identifier, canonical. It is personal data of the target, kept under the order's legal obligation (Tw 13.5)
    /// and deliberately outside the register's categories and the subject index: it must never reach the target's
    /// access answer (ACC-5), which finds records only through those.
    /// </summary>
    [NotPersonalData("an order's target, kept secret under Tw 13.5; outside the subject index by design")]
    public string Value { get; init; } = string.Empty;
}

internal sealed class AuthorityOrderConfiguration : IEntityTypeConfiguration<AuthorityOrder>
{
    public void Configure(EntityTypeBuilder<AuthorityOrder> builder)
    {
        builder.ToTable("authority_orders");
        builder.HasKey(o => o.Id);
        builder.Property(o => o.Id).ValueGeneratedNever();
        builder.Property(o => o.Reference).HasMaxLength(AuthorityOrder.MaxReferenceLength);
        builder.Property(o => o.Type).HasConversion(t => AuthorityOrderTypes.Name(t), s => AuthorityOrderTypes.ParseType(s)).HasMaxLength(40);
        builder.Property(o => o.IssuedBy).HasConversion(a => AuthorityOrderTypes.Name(a), s => AuthorityOrderTypes.ParseAuthority(s)).HasMaxLength(40);
        builder.Property(o => o.JudgeAuthorisation).HasMaxLength(AuthorityOrder.MaxReferenceLength);
        builder.Property(o => o.Categories)
            .HasConversion(
                c => string.Join(' ', c),
                s => s.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList(),
                new ValueComparer<List<string>>((a, b) => a!.SequenceEqual(b!), c => c.Aggregate(0, (h, s) => HashCode.Combine(h, s.GetHashCode(StringComparison.Ordinal))), c => c.ToList()))
            .HasMaxLength(4000);
        builder.HasOne<LegalHold>().WithMany().HasForeignKey(o => o.LegalHoldId).OnDelete(DeleteBehavior.Restrict);
        builder.Property(o => o.RegisteredByKind).HasConversion<string>().HasMaxLength(20);
        builder.Property(o => o.RegisteredById).HasMaxLength(100);
        builder.Property(o => o.CostAmount).HasPrecision(12, 2);
        builder.Property(o => o.CostNote).HasMaxLength(AuthorityOrder.MaxNoteLength);
        builder.HasIndex(o => o.ReceivedAt);
        builder.Ignore(o => o.Group);
        builder.Ignore(o => o.NeedsLegalReview);
        builder.Ignore(o => o.MustInformDisclosedSubscriber);
        builder.OwnsMany(o => o.Targets, t =>
        {
            t.ToTable("authority_order_targets");
            t.WithOwner().HasForeignKey(x => x.OrderId);
            t.HasKey(x => x.Id);
            t.Property(x => x.Id).ValueGeneratedNever();
            t.Property(x => x.Kind).HasMaxLength(10);
            t.Property(x => x.Value).HasMaxLength(320);
        });
    }
}
