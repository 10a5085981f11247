using Custodian.Core.Features.Organizations;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;

namespace Custodian.Core.Features.Store;

/// <summary>
/// A service the client organisation takes (internet, VoIP, mobile, alarm). Its <see cref="EndDate"/> starts the
/// "until the end of the service" retention clock of every record that belongs to it.
/// </summary>
internal sealed class Service : TenantRecord
{
    public static readonly IReadOnlyList<string> Kinds = ["internet", "voip", "mobile", "alarm"];

    /// <summary>One of <see cref="Kinds"/>.</summary>
    [NotPersonalData("contract data")]
    public string Kind { get; set; } = string.Empty;

    /// <summary>The provider's contract reference; unique within the organisation.</summary>
    [NotPersonalData("contract data")]
    public string Reference { get; set; } = string.Empty;

    [NotPersonalData("contract data")]
    public LocalDate StartDate { get; set; }

    /// <summary>The last day of the service; null while it runs.</summary>
    [NotPersonalData("contract data; anchors retention")]
    public LocalDate? EndDate { get; set; }

}

internal sealed class ServiceConfiguration : IEntityTypeConfiguration<Service>
{
    public void Configure(EntityTypeBuilder<Service> builder)
    {
        builder.ToTable("services");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).ValueGeneratedNever();
        builder.HasOne<Organization>().WithMany().HasForeignKey(s => s.OrganizationId).OnDelete(DeleteBehavior.Restrict);
        builder.Property(s => s.Kind).HasMaxLength(20);
        builder.Property(s => s.Reference).HasMaxLength(100);
        builder.HasIndex(s => new { s.OrganizationId, s.Reference }).IsUnique();
        builder.HasIndex(s => s.EndDate);
    }
}

/// <summary>A record that belongs to one service; its organisation is always the service's.</summary>
internal interface IServiceRecord
{
    Guid ServiceId { get; set; }

    Guid OrganizationId { get; set; }
}

internal static class ServiceRecordConfiguration
{
    public static void HasService<T>(this EntityTypeBuilder<T> builder)
        where T : TenantRecord, IServiceRecord
    {
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).ValueGeneratedNever();
        builder.HasOne<Organization>().WithMany().HasForeignKey(r => r.OrganizationId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Service>().WithMany().HasForeignKey(r => r.ServiceId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(r => new { r.OrganizationId, r.CreatedAt });
    }
}
