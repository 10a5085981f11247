using System.Text;
using Custodian.Core.Common;
using Custodian.Core.Persistence;
using NodaTime;

namespace Custodian.Core.Features.Audit;

/// <summary>
/// Appends events to the audit Merkle tree inside the caller's transaction (security.md §2.3). Per append: lock the head
/// row, build the event with the next sequence number, hash its canonical bytes into a leaf, extend the stored compact
/// range, store the event with the new root, move the head, and make a signed checkpoint when one is due. Any failure
/// throws and leaves the caller's transaction to roll back: no change without its audit event (fail closed).
/// </summary>
internal sealed class AuditTrail(TimeProvider time, AuditCheckpoints checkpoints) : IAuditTrail
{
    public const string FailPointBeforeInsert = "audit.append.before_insert";
    public const string FailPointAfterInsert = "audit.append.after_insert";
    public const string FailPointBeforeCommit = "audit.append.before_commit";

    public Task AppendAsync(CustodianDbContext db, AuditEntry entry, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(entry);
        AuditStore.RequireTransaction(db);
        return AppendPreparedAsync(db, [Prepare(entry)], ct);
    }

    /// <summary>
    /// Appends several validated entries (<see cref="Prepare"/>) in the caller's transaction, in list order: the group
    /// commit of read audits (<see cref="ReadAuditBatcher"/>). The result is exactly what one <see cref="AppendAsync"/> per
    /// entry would store: each event gets the next position, its own clock reading, the root of the tree it completes, and
    /// a checkpoint is made after the same event a single append would make it after. Only the head row is written once.
    /// </summary>
    internal async Task AppendPreparedAsync(CustodianDbContext db, IReadOnlyList<PreparedAuditEntry> entries, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(entries);
        AuditStore.RequireTransaction(db);
        if (entries.Count == 0)
        {
            return;
        }

        var locked = await AuditStore.LockHeadAsync(db, ct);
        var head = locked;
        var range = CompactRange.Restore(head.Size, head.Frontier);
        foreach (var prepared in entries)
        {
            var now = Instant.FromDateTimeOffset(time.GetUtcNow());
            var occurredAt = AuditCanonical.TruncateToMicroseconds(now);
            var draft = new AuditEvent
            {
                Seq = range.Size + 1,
                Id = Guid.CreateVersion7(occurredAt.ToDateTimeOffset()),
                OccurredAt = occurredAt,
                OrganizationId = prepared.OrganizationId,
                ActorKind = prepared.ActorKind,
                ActorId = prepared.ActorId,
                Action = prepared.Action,
                Objects = prepared.Objects,
                Reason = prepared.Reason,
                Details = prepared.Details,
                LeafHash = [],
                TreeRoot = [],
            };
            var leaf = AuditCanonical.LeafHash(draft);
            range.Append(leaf);
            var stored = new AuditEvent
            {
                Seq = draft.Seq,
                Id = draft.Id,
                OccurredAt = draft.OccurredAt,
                OrganizationId = draft.OrganizationId,
                ActorKind = draft.ActorKind,
                ActorId = draft.ActorId,
                Action = draft.Action,
                Objects = draft.Objects,
                Reason = draft.Reason,
                Details = draft.Details,
                LeafHash = leaf,
                TreeRoot = range.Root(),
            };

            // Crash-test points at each write boundary (L-10); the caller's commit is the last boundary.
            FailPoints.Hit(FailPointBeforeInsert);
            await AuditStore.InsertEventAsync(db, stored, ct);
            FailPoints.Hit(FailPointAfterInsert);
            if (checkpoints.IsDue(head, range.Size, now))
            {
                var made = await checkpoints.CreateLockedAsync(db, head, range.Size, stored.TreeRoot, now, ct);
                // The head as a single append would have left it, so the next entry's "due" is decided the same way.
                head = new AuditHead
                {
                    Id = head.Id,
                    Size = range.Size,
                    Frontier = head.Frontier,
                    CheckpointCount = made.Number,
                    LastCheckpointSize = made.Size,
                    LastCheckpointAt = made.CreatedAt,
                };
            }
        }

        await AuditStore.UpdateHeadAsync(db, locked.Size, range.Size, range.Pack(), ct);
        FailPoints.Hit(FailPointBeforeCommit);
    }

    /// <summary>
    /// Validates and normalises an entry (NFC, so one text has one stored form and one hash). Invalid entries are bugs
    /// in the calling feature: they throw before anything is written (for a batched read, in the caller, not the batch).
    /// </summary>
    internal static PreparedAuditEntry Prepare(AuditEntry entry)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(entry.Action);
        ArgumentNullException.ThrowIfNull(entry.Actor);
        ArgumentException.ThrowIfNullOrWhiteSpace(entry.Actor.Id);
        ArgumentNullException.ThrowIfNull(entry.Objects);
        var actorKind = AuditCanonical.ActorKindName(entry.Actor.Kind);

        var objects = entry.Objects.Select(o => new AuditObject(Nfc(o.Type, "objects.type"), Nfc(o.Id, "objects.id"))).ToList();
        var details = (entry.Details ?? new Dictionary<string, string>())
            .Select(d => new KeyValuePair<string, string>(Nfc(d.Key, "details.key"), Nfc(d.Value, "details.value")))
            .ToList();
        if (details.Select(d => d.Key).Distinct(StringComparer.Ordinal).Count() != details.Count)
        {
            throw new ArgumentException("Audit details have two keys that are equal after NFC normalisation.", nameof(entry));
        }

        return new PreparedAuditEntry(
            entry.OrganizationId,
            actorKind,
            Nfc(entry.Actor.Id, "actor.id"),
            Nfc(entry.Action, "action"),
            AuditCanonical.ObjectsJson(objects),
            entry.Reason is null ? null : Nfc(entry.Reason, "reason"),
            AuditCanonical.DetailsJson(details));
    }

    private static string Nfc(string value, string name)
    {
        ArgumentNullException.ThrowIfNull(value, name);
        AuditCanonical.RequireValidText(value, name);
        return value.Normalize(NormalizationForm.FormC);
    }
}

/// <summary>An entry as <see cref="AuditTrail.Prepare"/> validated and normalised it: the stored texts, ready to hash.</summary>
internal sealed record PreparedAuditEntry(Guid? OrganizationId, string ActorKind, string ActorId, string Action, string Objects, string? Reason, string Details);
