using Custodian.Core.Features.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;

namespace Custodian.Core.Persistence;

/// <summary>
/// One element of the ASP.NET Core data-protection key ring (cookies, antiforgery tokens, portal sessions), kept in the
/// database so that every <c>serve</c> node of one deployment reads and writes the same ring (issue 8 §3). The XML is
/// the element as the data-protection system hands it over: the key material inside is already encrypted under the
/// master key (<c>MasterKeyXmlEncryptor</c>), so this table alone gives nobody a key.
/// </summary>
internal sealed class DataProtectionKeyRow
{
    /// <summary>The data-protection system's friendly name (<c>key-&lt;guid&gt;</c>): unique, so storing twice is harmless.</summary>
    [NotPersonalData("the key's name")]
    public required string Name { get; init; }

    /// <summary>The key element; its secret is encrypted under the master key.</summary>
    [NotPersonalData("a data-protection key, encrypted")]
    public required string Xml { get; init; }

    [NotPersonalData("when the key was stored")]
    public required Instant StoredAt { get; init; }
}

internal sealed class DataProtectionKeyRowConfiguration : IEntityTypeConfiguration<DataProtectionKeyRow>
{
    public void Configure(EntityTypeBuilder<DataProtectionKeyRow> builder)
    {
        builder.ToTable("data_protection_keys");
        builder.HasKey(k => k.Name);
        builder.Property(k => k.Name).HasMaxLength(200);
    }
}
