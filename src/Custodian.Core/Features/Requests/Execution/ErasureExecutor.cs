using System.Globalization;
using Custodian.Core.Common;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using NodaTime;

namespace Custodian.Core.Features.Requests.Execution;

/// <summary>A part of a request to execute: one category, and for a client part the organisation (null: every organisation's records).</summary>
internal sealed record ExecutionPart(string Category, Guid? OrganizationId);

/// <summary>Records kept for one reason (<see cref="KeptReasons"/>), and until when (null: not known yet).</summary>
internal sealed record KeptRecords(string Reason, long Count, Instant? Until);

/// <summary>The outcome for one category: how many were erased, what was kept and why, and whom to tell (Art. 19).</summary>
internal sealed record ErasureCategoryResult(string Category, long Erased, IReadOnlyList<KeptRecords> Kept, IReadOnlyList<RecipientToNotify> Recipients);

internal sealed record ErasureResult(Guid RequestId, IReadOnlyList<ErasureCategoryResult> Categories);

/// <summary>
/// Executes an erasure (Art. 17) for one part of a request: every record of the person in the part is erased, or kept
/// by <see cref="ErasureRules"/> with its reason. One transaction with its audit event; removal as the retention sweep
/// removes (tracked deletes, so <c>SaveChanges</c> drops the look-up index rows; blob rows deleted and data keys no
/// remaining blob uses destroyed; the billing name erased as a field), and the blob contents after the commit (a crash
/// in between leaves unreadable orphans for <see cref="EncryptedBlobs.SweepOrphansAsync"/>). Idempotent: a second run
/// finds only the kept records and changes nothing.
/// </summary>
internal sealed class ErasureExecutor(ProcessingRegister register, IAuditTrail audit, EncryptedBlobs blobs, IBlobStore store, TimeProvider time)
{
    public const string UnknownCategory = "request.unknown_category";

    private Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());

    /// <summary>Fail point (issue 8 §4): the person's records are deleted and audited, the transaction not yet committed.</summary>
    public const string FailPointDeleted = "request.erasure.deleted";

    /// <param name="db">The context (the caller's; the erasure opens its own transaction on it).</param>
    /// <param name="requestId">The request.</param>
    /// <param name="subjectKeys">The person.</param>
    /// <param name="part">The category and, for a client part, its organisation.</param>
    /// <param name="caller">Who executes.</param>
    /// <param name="beforeCommit">
    /// Adds the caller's record of the execution (the workflow's part state) to the erasure's own transaction, so a crash
    /// cannot leave records deleted and the part pending: a retry would erase nothing and audit a second, empty erasure.
    /// </param>
    /// <param name="ct">Cancellation.</param>
    public Task<StoreResult<ErasureResult>> ExecuteAsync(
        CustodianDbContext db, Guid requestId, IReadOnlyList<SubjectKey> subjectKeys, ExecutionPart part, StoreCaller caller, CancellationToken ct,
        Func<ErasureResult, CancellationToken, Task>? beforeCommit = null)
    {
        ArgumentNullException.ThrowIfNull(part);
        return EraseAsync(db, requestId, subjectKeys, [part.Category], part.OrganizationId, caller, "request.erasure_executed", beforeCommit, ct);
    }

    /// <summary>
    /// The erasure of <paramref name="categories"/> (the objection reuses it). <paramref name="beforeCommit"/> adds rows of
    /// the caller's own in the same transaction.
    /// </summary>
    internal async Task<StoreResult<ErasureResult>> EraseAsync(
        CustodianDbContext db,
        Guid requestId,
        IReadOnlyList<SubjectKey> subjectKeys,
        IReadOnlyList<string> categories,
        Guid? organizationId,
        StoreCaller caller,
        string action,
        Func<ErasureResult, CancellationToken, Task>? beforeCommit,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        if (categories.FirstOrDefault(c => !register.Categories.Any(k => k.Id == c)) is { } unknown)
        {
            return new NotFoundError(UnknownCategory, $"The register has no category '{unknown}'.");
        }

        var now = Now;
        List<string> contents;
        ErasureResult result;
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            try
            {
                var all = await PersonRecords.LoadAsync(db, subjectKeys, track: true, withEvents: true, withConsentLedger: true, ct);
                var records = all.Where(r => categories.Contains(r.Category) && (organizationId is null || r.OrganizationId == organizationId)).ToList();
                var context = await ContextAsync(db, records, ct);
                var decisions = Decide(records, context, now);

                var blobIds = new List<Guid>();
                var events = new List<PersonRecord>();
                var erased = new List<PersonRecord>();
                foreach (var record in records.Where(r => decisions[r] is null))
                {
                    switch (record.Record)
                    {
                        case Organization o:
                            if (o.BillingCompanyName.Length == 0)
                            {
                                continue; // erased before: nothing to do again
                            }

                            o.BillingCompanyName = string.Empty;
                            break;
                        case TenantRecord r:
                            if (r is IContentRecord content)
                            {
                                blobIds.Add(content.ContentBlobId);
                            }

                            db.Remove(r);
                            break;
                        case UsageRecord or TrafficRecord:
                            events.Add(record);
                            break;
                        case Consent.ConsentEntry entry:
                            db.Remove(entry); // only past its retention (ErasureRules): the ledger keeps it as proof until then
                            break;
                        default:
                            throw new InvalidOperationException($"{record.Record.GetType().Name} cannot be erased here.");
                    }

                    erased.Add(record);
                }

                await db.SaveChangesAsync(ct);
                await DeleteEventsAsync(db, tx.GetDbTransaction(), events, ct);
                contents = await DeleteBlobsAsync(db, blobIds, ct);

                var lines = new List<ErasureCategoryResult>();
                foreach (var category in categories)
                {
                    var mine = records.Where(r => r.Category == category).ToList();
                    var gone = erased.Count(r => r.Category == category);
                    var kept = mine.Where(r => decisions[r] is not null).Select(r => decisions[r]!)
                        .GroupBy(d => d.Reason, StringComparer.Ordinal)
                        .OrderBy(g => g.Key, StringComparer.Ordinal)
                        .Select(g => new KeptRecords(g.Key, g.Count(), g.Any(d => d.Until is null) ? null : g.Max(d => d.Until)))
                        .ToList();
                    var recipients = gone > 0
                        ? await RecipientNotices.AddAsync(db, register, requestId, "erasure", category, organizationId, now, ct)
                        : [];
                    lines.Add(new ErasureCategoryResult(category, gone, kept, recipients));
                }

                result = new ErasureResult(requestId, lines);
                await db.SaveChangesAsync(ct);
                await audit.AppendAsync(db, Audit(requestId, caller, action, organizationId, result, erased), ct);
                if (beforeCommit is not null)
                {
                    await beforeCommit(result, ct);
                }

                await db.SaveChangesAsync(ct);
                FailPoints.Hit(FailPointDeleted);
                await tx.CommitAsync(ct);
            }
            finally
            {
                db.ChangeTracker.Clear();
            }
        }

        if (contents.Count > 0)
        {
            await store.DeleteManyAsync(contents, ct);
        }

        // Records in sealed SQLite months were deleted in that month's file too, which commits after the main file;
        // this repeats those deletes (nothing when they landed) and forgets the remembered ids.
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await EventRetention.FinishFileErasuresAsync(db.Database.GetDbConnection(), ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }

        return result;
    }

    /// <summary>
    /// Each record's decision; a child (a subscription's notification, a ticket's attachment) goes with its parent, and a
    /// parent stays when a hold keeps one of its children (the child could not stay without it).
    /// </summary>
    private Dictionary<PersonRecord, KeepDecision?> Decide(List<PersonRecord> records, ErasureContext context, Instant now)
    {
        var decisions = records.ToDictionary(r => r, r => ErasureRules.Decide(r, register.Category(r.Category), context, now));
        Guid? ParentOf(PersonRecord r) => r.Record switch
        {
            MobileNotification n => n.SubscriptionId,
            SupportTicketAttachment a => a.TicketId,
            _ => null,
        };
        var parents = records.Where(r => r.Record is MobileSubscription or SupportTicket).ToDictionary(r => ((TenantRecord)r.Record).Id);
        foreach (var child in records.Where(r => ParentOf(r) is not null && decisions[r] is not null))
        {
            if (parents.TryGetValue(ParentOf(child)!.Value, out var parent) && decisions[parent] is null)
            {
                decisions[parent] = decisions[child];
            }
        }

        foreach (var child in records.Where(r => ParentOf(r) is not null))
        {
            if (parents.TryGetValue(ParentOf(child)!.Value, out var parent))
            {
                decisions[child] = decisions[parent];
            }
        }

        return decisions;
    }

    private static async Task<ErasureContext> ContextAsync(CustodianDbContext db, List<PersonRecord> records, CancellationToken ct)
    {
        // As LegalHolds.ActiveAtAsync: every hold whatever the context's tenant scope (a hold missed would be an erasure
        // the law forbids); nothing about them leaves this class but a reason code.
        var holds = await db.Set<LegalHold>().IgnoreQueryFilters().AsNoTracking().Where(h => h.ReleasedAt == null).ToListAsync(ct);
        var organizations = records.Select(r => r.OrganizationId).Distinct().ToList();
        var services = await db.Services.IgnoreQueryFilters().AsNoTracking()
            .Where(s => organizations.Contains(s.OrganizationId))
            .Select(s => new { s.Id, s.OrganizationId, s.EndDate })
            .ToListAsync(ct);
        return new ErasureContext(
            [.. holds.Where(h => h.StopsDeletion)],
            services.ToDictionary(s => s.Id, s => s.EndDate),
            services.GroupBy(s => s.OrganizationId).ToDictionary(g => g.Key, g => (IReadOnlyList<LocalDate?>)[.. g.Select(s => s.EndDate)]));
    }

    /// <summary>
    /// Usage and traffic records live outside the EF model (month tables, no subject-index rows: they are found by their
    /// own identifier columns): deleted by id in this transaction, with the month totals (<see cref="EventRetention.DeleteRecordsAsync"/>).
    /// </summary>
    private static async Task DeleteEventsAsync(CustodianDbContext db, System.Data.Common.DbTransaction transaction, List<PersonRecord> events, CancellationToken ct)
    {
        if (events.Count == 0)
        {
            return;
        }

        var sql = new EventRetention(db.Database.GetDbConnection(), transaction);
        foreach (var table in EventTable.All)
        {
            var ids = events.Where(r => r.Record.GetType() == table.RecordType).Select(r => EventRecordId.Of(r.Record)).ToList();
            if (ids.Count > 0)
            {
                await sql.DeleteRecordsAsync(table, ids, ct);
            }
        }
    }

    /// <summary>Deletes the blob rows and destroys the data keys no remaining blob uses; returns the contents to remove after the commit.</summary>
    private async Task<List<string>> DeleteBlobsAsync(CustodianDbContext db, List<Guid> blobIds, CancellationToken ct)
    {
        if (blobIds.Count == 0)
        {
            return [];
        }

        var rows = await db.Set<BlobRecord>().AsNoTracking().Where(b => blobIds.Contains(b.Id)).Select(b => new { b.Id, b.StoreKey, b.DataKeyId }).ToListAsync(ct);
        foreach (var row in rows)
        {
            await blobs.DeleteAsync(db, row.Id, ct);
        }

        foreach (var key in rows.Select(r => r.DataKeyId).Distinct())
        {
            if (!await db.Set<BlobRecord>().AnyAsync(b => b.DataKeyId == key, ct))
            {
                await blobs.DestroyDataKeyAsync(db, key, ct);
            }
        }

        return [.. rows.Select(r => r.StoreKey)];
    }

    private static AuditEntry Audit(Guid requestId, StoreCaller caller, string action, Guid? organizationId, ErasureResult result, List<PersonRecord> erased)
    {
        var details = new Dictionary<string, string>();
        foreach (var line in result.Categories)
        {
            details[$"{line.Category}.erased"] = line.Erased.ToString(CultureInfo.InvariantCulture);
            foreach (var kept in line.Kept)
            {
                details[$"{line.Category}.kept.{kept.Reason}"] = kept.Count.ToString(CultureInfo.InvariantCulture);
            }
        }

        return new AuditEntry(
            action,
            caller.Actor,
            organizationId ?? caller.TenantId,
            [new AuditObject("request", requestId.ToString()), .. erased.Select(r => Reference(r.Record))],
            Details: details);
    }

    internal static AuditObject Reference(object record) => record switch
    {
        TenantRecord r => new AuditObject(r.RecordType, r.Id.ToString()),
        Organization o => new AuditObject(o.RecordType, o.Id.ToString()),
        UsageRecord u => new AuditObject("usage_record", $"{u.ImportBatchId}/{u.RecordKey}"),
        TrafficRecord t => new AuditObject("traffic_record", $"{t.ImportBatchId}/{t.RecordKey}"),
        Consent.ConsentEntry e => new AuditObject("consent_entry", e.Id.ToString()),
        _ => throw new InvalidOperationException($"Unexpected record {record.GetType().Name}."),
    };
}
