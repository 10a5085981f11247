using Custodian.Core.Features.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;

namespace Custodian.Core.Features.Audit;

/// <summary>
/// The outcome of one run of <see cref="AuditVerifier"/> (<c>custodian audit verify</c>, the audit page's button), so
/// the dashboard can say when the chain was last checked and whether it was intact. A plain table beside the log, not
/// part of the chain: a verification changes nothing, and an attacker who could forge this row could also skip it,
/// so it is a reminder to operators, not evidence (the evidence is re-running the verifier). No personal data.
/// </summary>
internal sealed class AuditVerificationRecord
{
    [NotPersonalData]
    public Guid Id { get; init; } = Guid.CreateVersion7();

    [NotPersonalData]
    public required Instant VerifiedAt { get; init; }

    /// <summary>Events the verifier scanned (the log's size when intact).</summary>
    [NotPersonalData]
    public required long EventCount { get; init; }

    [NotPersonalData]
    public required int CheckpointCount { get; init; }

    /// <summary>Whether an exported checkpoint held outside the system was compared as well.</summary>
    [NotPersonalData]
    public required bool WithExternalCheckpoint { get; init; }

    [NotPersonalData]
    public required bool Intact { get; init; }

    [NotPersonalData]
    public required int ProblemCount { get; init; }

    /// <summary>The first problem's code (<c>audit.event_altered</c>), null when intact.</summary>
    [NotPersonalData]
    public string? FirstProblemCode { get; init; }

    /// <summary>The first problem's position, when it has one.</summary>
    [NotPersonalData]
    public long? FirstProblemSeq { get; init; }

    /// <summary><c>user</c>, <c>cli</c>, <c>system</c> or <c>api_key</c> (<see cref="AuditCanonical.ActorKindName"/>).</summary>
    [NotPersonalData]
    public required string ActorKind { get; init; }

    [NotPersonalData("the actor's stable id (user id, command)")]
    public required string ActorId { get; init; }
}

internal sealed class AuditVerificationRecordConfiguration : IEntityTypeConfiguration<AuditVerificationRecord>
{
    public void Configure(EntityTypeBuilder<AuditVerificationRecord> builder)
    {
        builder.ToTable("audit_verifications");
        builder.HasKey(v => v.Id);
        builder.Property(v => v.Id).ValueGeneratedNever();
        builder.Property(v => v.FirstProblemCode).HasMaxLength(100);
        builder.Property(v => v.ActorKind).HasMaxLength(20);
        builder.Property(v => v.ActorId).HasMaxLength(200);
        builder.HasIndex(v => v.VerifiedAt);
    }
}
