using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;

namespace Custodian.Core.Persistence;

/// <summary>
/// A named lease so that exactly one node runs a scheduled job at a time. Only <see cref="JobLeases"/> writes these rows.
/// </summary>
internal sealed class JobLease
{
    public required string Name { get; init; }

    /// <summary>Who holds (or last held) the lease, e.g. <c>host-a:pid-123</c>.</summary>
    public required string Holder { get; init; }

    /// <summary>The lease is free once the current time is at or past this instant.</summary>
    public required Instant LeaseUntil { get; init; }
}

internal sealed class JobLeaseConfiguration : IEntityTypeConfiguration<JobLease>
{
    public void Configure(EntityTypeBuilder<JobLease> builder)
    {
        builder.HasKey(l => l.Name);
        builder.Property(l => l.Name).HasMaxLength(200);
        builder.Property(l => l.Holder).HasMaxLength(200);
    }
}
