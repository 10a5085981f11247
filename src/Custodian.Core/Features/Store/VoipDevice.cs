using Custodian.Core.Features.Subjects;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Custodian.Core.Features.Store;

/// <summary>A VoIP handset of a VoIP service: its IP address (often private) and MAC address.</summary>
internal sealed class VoipDevice : TenantRecord, IServiceRecord
{
    [NotPersonalData]
    public Guid ServiceId { get; set; }

    [PersonalData("voip.devices_and_contacts")]
    public string? DeviceIp { get; set; }

    /// <summary>Canonical <c>AA:BB:CC:DD:EE:FF</c>.</summary>
    [PersonalData("voip.devices_and_contacts")]
    public string MacAddress { get; set; } = string.Empty;


    public override IEnumerable<SubjectKey> SubjectKeys() => Keys(
        SubjectKey.Of(SubjectIdentifierKind.Ip, DeviceIp),
        SubjectKey.Of(SubjectIdentifierKind.Mac, MacAddress));
}

internal sealed class VoipDeviceConfiguration : IEntityTypeConfiguration<VoipDevice>
{
    public void Configure(EntityTypeBuilder<VoipDevice> builder)
    {
        builder.ToTable("voip_devices");
        builder.HasService();
        builder.Property(d => d.DeviceIp).HasMaxLength(45);
        builder.Property(d => d.MacAddress).HasMaxLength(17);
    }
}

/// <summary>A contact in a VoIP service's phone book (a correspondent of the user).</summary>
internal sealed class VoipContact : TenantRecord, IServiceRecord
{
    [NotPersonalData]
    public Guid ServiceId { get; set; }

    [PersonalData("voip.devices_and_contacts")]
    public string Name { get; set; } = string.Empty;

    /// <summary>E.164.</summary>
    [PersonalData("voip.devices_and_contacts")]
    public string Phone { get; set; } = string.Empty;


    public override IEnumerable<SubjectKey> SubjectKeys() => Keys(
        SubjectKey.Of(SubjectIdentifierKind.Name, Name),
        SubjectKey.Of(SubjectIdentifierKind.Phone, Phone));
}

internal sealed class VoipContactConfiguration : IEntityTypeConfiguration<VoipContact>
{
    public void Configure(EntityTypeBuilder<VoipContact> builder)
    {
        builder.ToTable("voip_contacts");
        builder.HasService();
        builder.Property(c => c.Name).HasMaxLength(200);
        builder.Property(c => c.Phone).HasMaxLength(32);
    }
}
