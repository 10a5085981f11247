using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Subjects;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;

namespace Custodian.Core.Features.Store;

/// <summary>A mobile subscription of a mobile service: SIM (ICCID), handset (IMEI) and phone number.</summary>
internal sealed class MobileSubscription : TenantRecord, IServiceRecord
{
    [NotPersonalData]
    public Guid ServiceId { get; set; }

    [PersonalData("mobile.sim_and_notifications")]
    public string Iccid { get; set; } = string.Empty;

    /// <summary>Null until the handset is known.</summary>
    [PersonalData("mobile.sim_and_notifications")]
    public string? Imei { get; set; }

    /// <summary>E.164.</summary>
    [PersonalData("mobile.sim_and_notifications")]
    public string PhoneNumber { get; set; } = string.Empty;


    public override IEnumerable<SubjectKey> SubjectKeys() => Keys(
        SubjectKey.Of(SubjectIdentifierKind.Iccid, Iccid),
        SubjectKey.Of(SubjectIdentifierKind.Imei, Imei),
        SubjectKey.Of(SubjectIdentifierKind.Phone, PhoneNumber));
}

internal sealed class MobileSubscriptionConfiguration : IEntityTypeConfiguration<MobileSubscription>
{
    public void Configure(EntityTypeBuilder<MobileSubscription> builder)
    {
        builder.ToTable("mobile_subscriptions");
        builder.HasService();
        builder.Property(s => s.Iccid).HasMaxLength(22);
        builder.Property(s => s.Imei).HasMaxLength(15);
        builder.Property(s => s.PhoneNumber).HasMaxLength(32);
    }
}

/// <summary>
/// A roaming (border-crossing) or bundle notification sent to a subscription. Found by the look-up through its
/// subscription, whose identifiers it shares.
/// </summary>
internal sealed class MobileNotification : TenantRecord
{
    public static readonly IReadOnlyList<string> Kinds = ["roaming", "bundle"];

    [NotPersonalData]
    public Guid SubscriptionId { get; set; }

    /// <summary>One of <see cref="Kinds"/>; a roaming message says the user crossed a border.</summary>
    [PersonalData("mobile.sim_and_notifications")]
    public string Kind { get; set; } = string.Empty;

    [PersonalData("mobile.sim_and_notifications")]
    public Instant SentAt { get; set; }

    [PersonalData("mobile.sim_and_notifications")]
    public string Text { get; set; } = string.Empty;

}

internal sealed class MobileNotificationConfiguration : IEntityTypeConfiguration<MobileNotification>
{
    public void Configure(EntityTypeBuilder<MobileNotification> builder)
    {
        builder.ToTable("mobile_notifications");
        builder.HasKey(n => n.Id);
        builder.Property(n => n.Id).ValueGeneratedNever();
        builder.HasOne<Organization>().WithMany().HasForeignKey(n => n.OrganizationId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<MobileSubscription>().WithMany().HasForeignKey(n => n.SubscriptionId).OnDelete(DeleteBehavior.Restrict);
        builder.Property(n => n.Kind).HasMaxLength(20);
        builder.Property(n => n.Text).HasMaxLength(2000);
        builder.HasIndex(n => new { n.SubscriptionId, n.SentAt });
        builder.HasIndex(n => new { n.OrganizationId, n.CreatedAt });
    }
}
