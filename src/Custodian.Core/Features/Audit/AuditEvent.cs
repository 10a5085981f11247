using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;

namespace Custodian.Core.Features.Audit;

/// <summary>
/// One stored audit event: a leaf of the audit Merkle tree. Rows are written only by <see cref="AuditTrail"/> and never
/// changed (database triggers refuse UPDATE and DELETE). Every field except the two hashes is part of the leaf's
/// canonical bytes (<see cref="AuditCanonical"/>), so changing any of them is detected by <see cref="AuditVerifier"/>.
/// </summary>
internal sealed class AuditEvent
{
    /// <summary>Position in the log, 1-based, gap-free; the tree has <c>Seq</c> leaves once this event is in.</summary>
    public required long Seq { get; init; }

    public required Guid Id { get; init; }

    /// <summary>When it happened, truncated to whole microseconds (the finest both engines store exactly).</summary>
    public required Instant OccurredAt { get; init; }

    public Guid? OrganizationId { get; init; }

    /// <summary><see cref="AuditCanonical.ActorKindName"/> of the actor kind (<c>user</c>, <c>api_key</c>, <c>system</c>, <c>cli</c>).</summary>
    public required string ActorKind { get; init; }

    public required string ActorId { get; init; }

    public required string Action { get; init; }

    /// <summary>Canonical JSON array of <c>{"id":..,"type":..}</c>.</summary>
    public required string Objects { get; init; }

    public string? Reason { get; init; }

    /// <summary>Canonical JSON object of string values, keys sorted.</summary>
    public required string Details { get; init; }

    /// <summary>SHA-256(0x00 ‖ canonical bytes), RFC 6962 leaf hash.</summary>
    public required byte[] LeafHash { get; init; }

    /// <summary>The tree root once this event is in (tree size <see cref="Seq"/>): lets the verifier name the first divergence.</summary>
    public required byte[] TreeRoot { get; init; }
}

internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> builder)
    {
        builder.ToTable("audit_events");
        builder.HasKey(e => e.Seq);
        builder.Property(e => e.Seq).ValueGeneratedNever();
        builder.HasIndex(e => e.Id).IsUnique();
        builder.HasIndex(e => new { e.OrganizationId, e.Seq });

        // The audit page's filters (AuditSearch), newest first: each walks its index backwards from a seq, so a page
        // costs the page, not the log, whatever the log's size.
        builder.HasIndex(e => new { e.Action, e.Seq });
        builder.HasIndex(e => new { e.ActorId, e.Seq });
        builder.HasIndex(e => e.OccurredAt);
        builder.Property(e => e.ActorKind).HasMaxLength(20);
        builder.Property(e => e.ActorId).HasMaxLength(200);
        builder.Property(e => e.Action).HasMaxLength(100);
        builder.Property(e => e.Reason).HasMaxLength(1000);
        builder.Property(e => e.LeafHash).HasMaxLength(MerkleTree.HashLength);
        builder.Property(e => e.TreeRoot).HasMaxLength(MerkleTree.HashLength);
    }
}

/// <summary>
/// One object an event names (<see cref="AuditEvent.Objects"/>), as its own row so that "every event about this hold"
/// or "when was this record deleted" is an index walk, not a scan of the objects JSON (issue 5 §2). Derived from the
/// event in the same transaction (<see cref="AuditStore.InsertEventAsync"/>) and outside the Merkle leaf: it is an
/// index, and append-only like the events (triggers), so it cannot be edited to hide an event from the page without a
/// trigger being dropped; the verifier never reads it.
/// </summary>
internal sealed class AuditEventObject
{
    public required string Type { get; init; }

    public required string Id { get; init; }

    public required long Seq { get; init; }
}

internal sealed class AuditEventObjectConfiguration : IEntityTypeConfiguration<AuditEventObject>
{
    public void Configure(EntityTypeBuilder<AuditEventObject> builder)
    {
        builder.ToTable("audit_event_objects");

        // Type and id (the audit page's object filter) walk the key backwards from a seq; an id alone has its own index.
        builder.HasKey(o => new { o.Type, o.Id, o.Seq });
        builder.HasIndex(o => new { o.Id, o.Seq });
        builder.Property(o => o.Type).HasMaxLength(100);
        builder.Property(o => o.Id).HasMaxLength(200);
    }
}

/// <summary>
/// The single row (<c>id = 1</c>) that every appender locks: the current tree size and compact range, and when the last
/// checkpoint was made. Seeded by the migration. Holding its lock is what makes the sequence gap-free and the tree
/// consistent under concurrent appenders on PostgreSQL (SQLite has one writer anyway).
/// </summary>
internal sealed class AuditHead
{
    public const int SingletonId = 1;

    public required int Id { get; init; }

    public required long Size { get; init; }

    /// <summary><see cref="CompactRange.Pack"/> of the tree of <see cref="Size"/> leaves.</summary>
    public required byte[] Frontier { get; init; }

    public required long CheckpointCount { get; init; }

    public required long LastCheckpointSize { get; init; }

    public Instant? LastCheckpointAt { get; init; }
}

internal sealed class AuditHeadConfiguration : IEntityTypeConfiguration<AuditHead>
{
    public void Configure(EntityTypeBuilder<AuditHead> builder)
    {
        builder.ToTable("audit_head");
        builder.HasKey(h => h.Id);
        builder.Property(h => h.Id).ValueGeneratedNever();
        builder.HasData(new AuditHead
        {
            Id = AuditHead.SingletonId,
            Size = 0,
            Frontier = [],
            CheckpointCount = 0,
            LastCheckpointSize = 0,
            LastCheckpointAt = null,
        });
    }
}

/// <summary>
/// A signed checkpoint (C2SP tlog-checkpoint note) as made; append-only like the events. The copy that matters for
/// tamper evidence is the one exported out of the system (<c>custodian audit checkpoint --output</c>).
/// </summary>
internal sealed class AuditCheckpoint
{
    /// <summary>1-based, in order of creation; sizes never decrease along it.</summary>
    public required long Number { get; init; }

    public required long Size { get; init; }

    public required byte[] RootHash { get; init; }

    /// <summary>The full signed note text, exactly as signed and exported.</summary>
    public required string Note { get; init; }

    public required Instant CreatedAt { get; init; }
}

internal sealed class AuditCheckpointConfiguration : IEntityTypeConfiguration<AuditCheckpoint>
{
    public void Configure(EntityTypeBuilder<AuditCheckpoint> builder)
    {
        builder.ToTable("audit_checkpoints");
        builder.HasKey(c => c.Number);
        builder.Property(c => c.Number).ValueGeneratedNever();
        builder.Property(c => c.RootHash).HasMaxLength(MerkleTree.HashLength);
        builder.Property(c => c.Note).HasMaxLength(4000);
    }
}
