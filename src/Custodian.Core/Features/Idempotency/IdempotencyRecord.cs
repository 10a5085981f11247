using Custodian.Core.Features.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;

namespace Custodian.Core.Features.Idempotency;

/// <summary>
/// The first answer to a create sent with an <c>Idempotency-Key</c>, stored in the same transaction as the create, so
/// that a retry gets the same answer and nothing is created twice. Keys are per API key.
/// </summary>
internal sealed class IdempotencyRecord
{
    [NotPersonalData]
    public Guid Id { get; init; } = Guid.CreateVersion7();

    [NotPersonalData]
    public required Guid ApiKeyId { get; init; }

    [NotPersonalData("chosen by the client system")]
    public required string Key { get; init; }

    /// <summary>Hex SHA-256 of method, path and body: the same key with another request is refused.</summary>
    [NotPersonalData]
    public required string RequestHash { get; init; }

    [NotPersonalData]
    public required int StatusCode { get; init; }

    /// <summary>
    /// The JSON answer as first sent. It repeats the created record's fields, so it is a short-lived copy of personal
    /// data: records older than <see cref="IdempotencyRecords.ReplayWindow"/> are deleted by the hourly
    /// <see cref="IdempotencyPurge"/> (and on the next keyed create), far inside every category's retention period.
    /// </summary>
    [NotPersonalData("transient replay copy of an answer, deleted after the replay window")]
    public required string ResponseBody { get; init; }

    [NotPersonalData]
    public string? Location { get; init; }

    [NotPersonalData]
    public required Instant CreatedAt { get; init; }
}

internal sealed class IdempotencyRecordConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> builder)
    {
        builder.ToTable("idempotency_records");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).ValueGeneratedNever();
        builder.Property(r => r.Key).HasMaxLength(200);
        builder.Property(r => r.RequestHash).HasMaxLength(64);
        builder.Property(r => r.Location).HasMaxLength(300);
        builder.HasIndex(r => new { r.ApiKeyId, r.Key }).IsUnique();
        builder.HasIndex(r => r.CreatedAt);
    }
}
