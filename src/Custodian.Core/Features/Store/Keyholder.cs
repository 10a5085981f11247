using Custodian.Core.Features.Subjects;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Custodian.Core.Features.Store;

/// <summary>A keyholder of a 24/7 alarm service: who the alarm centre calls.</summary>
internal sealed class Keyholder : TenantRecord, IServiceRecord
{
    [NotPersonalData]
    public Guid ServiceId { get; set; }

    [PersonalData("alarm.keyholders")]
    public string Name { get; set; } = string.Empty;

    /// <summary>E.164.</summary>
    [PersonalData("alarm.keyholders")]
    public string Phone { get; set; } = string.Empty;

    [PersonalData("alarm.keyholders")]
    public string? Email { get; set; }


    public override IEnumerable<SubjectKey> SubjectKeys() => Keys(
        SubjectKey.Of(SubjectIdentifierKind.Name, Name),
        SubjectKey.Of(SubjectIdentifierKind.Phone, Phone),
        SubjectKey.Of(SubjectIdentifierKind.Email, Email));
}

internal sealed class KeyholderConfiguration : IEntityTypeConfiguration<Keyholder>
{
    public void Configure(EntityTypeBuilder<Keyholder> builder)
    {
        builder.ToTable("keyholders");
        builder.HasService();
        builder.Property(k => k.Name).HasMaxLength(200);
        builder.Property(k => k.Phone).HasMaxLength(32);
        builder.Property(k => k.Email).HasMaxLength(320);
    }
}
