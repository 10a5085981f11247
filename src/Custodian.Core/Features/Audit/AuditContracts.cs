using Custodian.Core.Persistence;

namespace Custodian.Core.Features.Audit;

/// <summary>
/// The audit trail's write side, as every feature calls it. An event is appended in the SAME transaction as the
/// change it records: call <see cref="AppendAsync"/> inside <c>db.Database.BeginTransactionAsync()</c>, before the
/// commit. If the event cannot be written the transaction fails and so does the action (fail closed). Reads of personal
/// data are events too (<c>subject.viewed</c>), committed before the data is returned: through the read audit group
/// commit (<see cref="ReadAuditBatcher"/>, via <c>StoreTransactions.ReadAsync</c> or <see cref="ReadAuditBatcher.AppendAsync"/>).
/// <para>
/// Append as the LAST step before the commit: the append locks the log's single head row until the transaction ends
/// (that is what keeps the sequence gap-free), so every other audited transaction waits for yours to finish. Use the
/// default isolation level (READ COMMITTED on PostgreSQL); under SERIALIZABLE a concurrent append raises a
/// serialization failure that the caller would have to retry. Keyed hashes of identifiers: <see cref="AuditHasher"/>.
/// </para>
/// </summary>
internal interface IAuditTrail
{
    /// <summary>Appends one event to the chain. Throws when <paramref name="db"/> has no open transaction.</summary>
    Task AppendAsync(CustodianDbContext db, AuditEntry entry, CancellationToken ct);
}

/// <summary>
/// One audited action. No personal data goes in here: objects are referenced by id; where an identifier must be
/// recorded (a searched phone number), pass it through <see cref="AuditHasher.HashIdentifier"/>, never in clear.
/// </summary>
/// <param name="Action">Stable dotted name, never renamed: <c>subject.viewed</c>, <c>usage.imported</c>, <c>contact.created</c>.</param>
/// <param name="Actor">Who did it.</param>
/// <param name="OrganizationId">The tenant whose data it concerns; null for provider-wide actions.</param>
/// <param name="Objects">What it concerns, by type and id.</param>
/// <param name="Reason">Why (a purpose or ticket reference) where a person looks data up; null otherwise.</param>
/// <param name="Details">Small non-personal facts (counts, file hashes, register version).</param>
internal sealed record AuditEntry(
    string Action,
    AuditActor Actor,
    Guid? OrganizationId,
    IReadOnlyList<AuditObject> Objects,
    string? Reason = null,
    IReadOnlyDictionary<string, string>? Details = null);

internal enum AuditActorKind
{
    User,
    ApiKey,
    System,
    Cli,
}

/// <param name="Kind">A person, an API key, a background job or an operator command.</param>
/// <param name="Id">A stable id of the actor (user id, API key id, job name, "cli:&lt;command&gt;").</param>
internal sealed record AuditActor(AuditActorKind Kind, string Id);

internal sealed record AuditObject(string Type, string Id);
