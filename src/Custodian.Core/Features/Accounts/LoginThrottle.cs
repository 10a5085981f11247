using Custodian.Core.Features.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;

namespace Custodian.Core.Features.Accounts;

/// <summary>
/// Failed logins per login NAME, whether or not an account of that name exists: an unknown name is throttled and
/// locked exactly like a real one, so neither the answer nor the lockout tells an attacker which names exist (ASVS
/// 6.3.8). Keyed by an HMAC of the normalised name (someone typing a password into the name field leaves no readable
/// trace). A successful login or <c>custodian user unlock</c> deletes the row.
/// </summary>
internal sealed class LoginThrottle
{
    /// <summary>Lower-case hex HMAC-SHA256 of the normalised login name under a key derived from the master key.</summary>
    [NotPersonalData("keyed hash of a login name")]
    public required string NameKey { get; init; }

    /// <summary>Consecutive failures (password or code) since the last success.</summary>
    [NotPersonalData]
    public int Failures { get; set; }

    [NotPersonalData]
    public Instant? LockedUntil { get; set; }

    [NotPersonalData]
    public required Instant LastFailureAt { get; set; }
}

internal sealed class LoginThrottleConfiguration : IEntityTypeConfiguration<LoginThrottle>
{
    public void Configure(EntityTypeBuilder<LoginThrottle> builder)
    {
        builder.ToTable("login_throttles");
        builder.HasKey(t => t.NameKey);
        builder.Property(t => t.NameKey).HasMaxLength(64);
    }
}
