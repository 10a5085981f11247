using Custodian.Core.Features.Organizations;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Custodian.Core.Features.Store;

/// <summary>An address where services are delivered. The postcode follows the Dutch rules when the country is NL.</summary>
internal sealed class DeliveryAddress : TenantRecord
{
    [PersonalData("general.delivery_address")]
    public string Street { get; set; } = string.Empty;

    [PersonalData("general.delivery_address")]
    public string HouseNumber { get; set; } = string.Empty;

    /// <summary>Canonical <c>1234 AB</c> for NL.</summary>
    [PersonalData("general.delivery_address")]
    public string Postcode { get; set; } = string.Empty;

    [PersonalData("general.delivery_address")]
    public string City { get; set; } = string.Empty;

    /// <summary>ISO 3166-1 alpha-2, upper case.</summary>
    [PersonalData("general.delivery_address")]
    public string Country { get; set; } = string.Empty;

}

internal sealed class DeliveryAddressConfiguration : IEntityTypeConfiguration<DeliveryAddress>
{
    public void Configure(EntityTypeBuilder<DeliveryAddress> builder)
    {
        builder.ToTable("delivery_addresses");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Id).ValueGeneratedNever();
        builder.HasOne<Organization>().WithMany().HasForeignKey(a => a.OrganizationId).OnDelete(DeleteBehavior.Restrict);
        builder.Property(a => a.Street).HasMaxLength(200);
        builder.Property(a => a.HouseNumber).HasMaxLength(20);
        builder.Property(a => a.Postcode).HasMaxLength(20);
        builder.Property(a => a.City).HasMaxLength(100);
        builder.Property(a => a.Country).HasMaxLength(2);
        builder.HasIndex(a => new { a.OrganizationId, a.CreatedAt });
    }
}
