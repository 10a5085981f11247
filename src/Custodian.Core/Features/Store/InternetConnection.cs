using Custodian.Core.Features.Subjects;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Custodian.Core.Features.Store;

/// <summary>An internet connection: the connection's ServiceId and LineId at the wholesale network, and its public IP.</summary>
internal sealed class InternetConnection : TenantRecord, IServiceRecord
{
    [NotPersonalData]
    public Guid ServiceId { get; set; }

    /// <summary>The "ServiceId verbinding" of the register (the wholesale network's id), not <see cref="ServiceId"/>.</summary>
    [PersonalData("internet.connection")]
    public string ConnectionServiceId { get; set; } = string.Empty;

    [PersonalData("internet.connection")]
    public string LineId { get; set; } = string.Empty;

    /// <summary>Canonical form (<c>PublicIpAddress</c>).</summary>
    [PersonalData("internet.connection")]
    public string? PublicIp { get; set; }


    public override IEnumerable<SubjectKey> SubjectKeys() => Keys(SubjectKey.Of(SubjectIdentifierKind.Ip, PublicIp));
}

internal sealed class InternetConnectionConfiguration : IEntityTypeConfiguration<InternetConnection>
{
    public void Configure(EntityTypeBuilder<InternetConnection> builder)
    {
        builder.ToTable("internet_connections");
        builder.HasService();
        builder.Property(c => c.ConnectionServiceId).HasMaxLength(100);
        builder.Property(c => c.LineId).HasMaxLength(100);
        builder.Property(c => c.PublicIp).HasMaxLength(45);
    }
}
