using Custodian.Core.Features.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;

namespace Custodian.Core.Features.Requests;

/// <summary>
/// A one-time code sent for one request (VerificationCodes). Only an HMAC of (request id, code) is
/// stored, so the table gives away no code and a code of one request never fits another.
/// </summary>
internal sealed class RequestVerificationCode
{
    [NotPersonalData]
    public Guid Id { get; init; } = Guid.CreateVersion7();

    [NotPersonalData]
    public required Guid RequestId { get; init; }

    [NotPersonalData("keyed hash of a one-time code")]
    public required byte[] CodeHash { get; init; }

    [NotPersonalData]
    public required Instant CreatedAt { get; init; }

    [NotPersonalData]
    public required Instant ExpiresAt { get; init; }

    [NotPersonalData]
    public int FailedAttempts { get; set; }

    /// <summary>Set once, by the one conditional update that accepted the code.</summary>
    [NotPersonalData]
    public Instant? ConsumedAt { get; set; }

    /// <summary>Set when the code was locked after too many wrong attempts, or replaced by a newer code.</summary>
    [NotPersonalData]
    public Instant? InvalidatedAt { get; set; }
}

internal sealed class RequestVerificationCodeConfiguration : IEntityTypeConfiguration<RequestVerificationCode>
{
    public void Configure(EntityTypeBuilder<RequestVerificationCode> builder)
    {
        builder.ToTable("request_verification_codes");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Id).ValueGeneratedNever();
        builder.HasOne<DataSubjectRequest>().WithMany().HasForeignKey(c => c.RequestId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(c => c.CodeHash).HasMaxLength(32);
        builder.HasIndex(c => new { c.RequestId, c.CreatedAt });
    }
}

/// <summary>
/// A requester's session on one request after verification: the token is 32 random bytes given to the requester
/// once; only its SHA-256 is stored (a database reader cannot use it). Lifetime: one hour.
/// </summary>
internal sealed class RequestSession
{
    [NotPersonalData("SHA-256 of a bearer token")]
    public required byte[] TokenHash { get; init; }

    [NotPersonalData]
    public required Guid RequestId { get; init; }

    [NotPersonalData]
    public required Instant CreatedAt { get; init; }

    [NotPersonalData]
    public required Instant ExpiresAt { get; init; }
}

internal sealed class RequestSessionConfiguration : IEntityTypeConfiguration<RequestSession>
{
    public void Configure(EntityTypeBuilder<RequestSession> builder)
    {
        builder.ToTable("request_sessions");
        builder.HasKey(s => s.TokenHash);
        builder.Property(s => s.TokenHash).HasMaxLength(32);
        builder.HasOne<DataSubjectRequest>().WithMany().HasForeignKey(s => s.RequestId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(s => s.RequestId);
    }
}

/// <summary>
/// One counted event for the intake's rate limits, in the database so that limits hold across nodes. The key is a
/// keyed hash (never the IP address or identifier in clear).
/// </summary>
internal sealed class RequestRateEvent
{
    [NotPersonalData]
    public Guid Id { get; init; } = Guid.CreateVersion7();

    /// <summary>One of the rate-limit scopes: <c>client</c>, <c>subject</c>, <c>address</c>.</summary>
    [NotPersonalData]
    public required string Scope { get; init; }

    [NotPersonalData("keyed hash of an IP address or identifier")]
    public required string KeyHash { get; init; }

    [NotPersonalData]
    public required Instant At { get; init; }
}

internal sealed class RequestRateEventConfiguration : IEntityTypeConfiguration<RequestRateEvent>
{
    public void Configure(EntityTypeBuilder<RequestRateEvent> builder)
    {
        builder.ToTable("request_rate_events");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Id).ValueGeneratedNever();
        builder.Property(e => e.Scope).HasMaxLength(10);
        builder.Property(e => e.KeyHash).HasMaxLength(80);
        builder.HasIndex(e => new { e.Scope, e.KeyHash, e.At });
    }
}
