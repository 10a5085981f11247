using System.Globalization;
using Custodian.Core.Common;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Identifiers;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Core.Features.Retention;

/// <summary>The sweep's steps for the records in the EF model (everything but the month-partitioned events).</summary>
internal sealed partial class RetentionSweeper
{
    /// <summary>
    /// The catalogue's EF targets in the order the sweep removes them: rows that others point to go after those that
    /// point to them (attachments before their tickets, notifications before their subscriptions), and the billing
    /// name, a field of the organisation row, last.
    /// </summary>
    internal static IReadOnlyList<RetentionTarget> RecordTargets =>
    [
        .. RetentionTargets.All
            .Where(t => t is InstantAnchoredTarget or DateAnchoredTarget)
            .OrderBy(t => t.Name is "support_ticket_attachments" or "mobile_notifications" ? 0 : t.Removal == RetentionRemoval.EraseFields ? 2 : 1),
    ];

    /// <summary>
    /// Deletes, in batches, the records of one target that are expired at the sweep's cutoff and not held. Each batch:
    /// the rows (their look-up index entries go with them in the same SaveChanges), their blob rows, the data keys no
    /// remaining blob uses, and one audit event per organisation, in one transaction; the blob contents are removed
    /// after the commit (a crash in between leaves orphans for the orphan sweep, unreadable already: their keys are gone).
    /// Held records are skipped for this sweep (kept in memory: a resumed sweep meets them again and skips them again).
    /// </summary>
    private async Task DeleteExpiredRecordsAsync(
        CustodianDbContext db, RetentionSweepRun run, RetentionTarget target, ISweepProgress? progress, CancellationToken ct)
    {
        var held = new List<Guid>();
        var heldOrganizations = new Dictionary<Guid, Guid>();
        var contents = Task.CompletedTask;

        // Most targets hold nothing on most days: one cheap query instead of the slices and their due queries.
        if (!await AnyRowsAsync(db, target, ct))
        {
            run.SetKept(target.Name, target.Category, []);
            return;
        }

        while (true)
        {
            await RenewLeaseOrThrowAsync(db, ct);
            var (slices, _) = await RetentionSlices.ForAsync(db, register, run.Cutoff, ct);
            var mine = slices.Where(s => s.Target.Name == target.Name).ToList();
            var due = new List<(Guid Id, RetentionSlice Slice)>();
            foreach (var slice in mine)
            {
                var ids = await slice.DueIds(db).Where(id => !held.Contains(id)).Take(BatchSize).ToListAsync(ct);
                due.AddRange(ids.Select(id => (id, slice)));
            }

            if (due.Count == 0)
            {
                await contents;
                run.SetKept(target.Name, target.Category, heldOrganizations.Values.GroupBy(o => o).Select(g => (g.Key, (long)g.Count())));
                await db.SaveChangesAsync(ct);
                return;
            }

            var storeKeys = new List<string>();
            await using (var tx = await db.Database.BeginTransactionAsync(ct))
            {
                var holds = await LegalHolds.ActiveAtAsync(db, Now(), ct);
                var anchors = await AnchorsAsync(db, target, [.. due.Select(d => d.Id)], ct);
                var sliceOf = due.GroupBy(d => d.Id).ToDictionary(g => g.Key, g => g.First().Slice);
                var gone = new List<(Guid Id, Guid OrganizationId)>();
                var lateness = new Dictionary<Guid, Duration>();
                var blobIds = new List<Guid>();
                var setBased = target.Removal == RetentionRemoval.DeleteRows && typeof(TenantRecord).IsAssignableFrom(target.Entities[0]) && !holds.AnyFor(target.Category);

                // No hold can keep a record of this category: no record needs to be looked at, so the batch is a few
                // set-based statements (the records still due among the ids, their index rows, the records) instead of
                // loading, tracking and deleting 10,000 entities one by one. With a hold in force, every record is
                // checked against it (below).
                var entities = setBased ? [] : await LoadAsync(db, target.Entities[0], [.. due.Select(d => d.Id)], ct);
                if (setBased)
                {
                    var deleted = await DeleteSetBasedAsync(db, target.Entities[0], due, ct);
                    foreach (var (id, organizationId, blobId) in deleted)
                    {
                        if (blobId is { } b)
                        {
                            blobIds.Add(b);
                        }

                        gone.Add((id, organizationId));
                        if (anchors.TryGetValue(id, out var anchorDay))
                        {
                            var late = run.Cutoff - sliceOf[id].Schedule.Expiry(anchorDay);
                            lateness[organizationId] = lateness.TryGetValue(organizationId, out var seen) && seen > late ? seen : late;
                        }
                    }
                }

                foreach (var entity in entities)
                {
                    var (id, organizationId) = Identity(entity);
                    if (holds.Covers(target.Category, organizationId, RecordTime(entity), HoldIdentifiersOf(entity)))
                    {
                        held.Add(id);
                        heldOrganizations[id] = organizationId;
                        continue;
                    }

                    if (target.Removal == RetentionRemoval.EraseFields && entity is Organization organization)
                    {
                        organization.BillingCompanyName = string.Empty;
                    }
                    else
                    {
                        if (entity is IContentRecord content)
                        {
                            blobIds.Add(content.ContentBlobId);
                        }

                        db.Remove(entity);
                    }

                    gone.Add((id, organizationId));
                    var slice = sliceOf[id];
                    if (anchors.TryGetValue(id, out var anchorDay))
                    {
                        var late = run.Cutoff - slice.Schedule.Expiry(anchorDay);
                        lateness[organizationId] = lateness.TryGetValue(organizationId, out var seen) && seen > late ? seen : late;
                    }
                }

                await db.SaveChangesAsync(ct);
                FailPoints.Hit("retention.records.deleted");
                storeKeys = await DeleteBlobsAsync(db, blobIds, ct);
                foreach (var group in gone.GroupBy(g => g.OrganizationId))
                {
                    run.Count(target.Category, group.Key, group.Count(), lateness.GetValueOrDefault(group.Key, Duration.Zero));
                    await audit.AppendAsync(db, new AuditEntry(
                        target.Removal == RetentionRemoval.EraseFields ? "retention.erased" : "retention.deleted",
                        Actor,
                        group.Key,
                        [new AuditObject("retention_sweep", run.Id.ToString()), .. group.Select(g => new AuditObject(RecordTypeOf(target), g.Id.ToString()))],
                        Details: new Dictionary<string, string>
                        {
                            ["category"] = target.Category,
                            ["target"] = target.Name,
                            ["count"] = group.Count().ToString(CultureInfo.InvariantCulture),
                            ["cutoff"] = InstantPattern.ExtendedIso.Format(run.Cutoff),
                        }), ct);
                }

                if (gone.Count > 0)
                {
                    run.AuditLastSeq = await AuditStore.SizeAsync(db, ct);
                }

                FailPoints.Hit("retention.records.audited");
                run.Cursor = target.Name;
                run.Batches++;
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);

                // Forget the batch's records (the context lives for the whole sweep), but keep tracking the run itself.
                foreach (var entry in db.ChangeTracker.Entries().Where(e => !ReferenceEquals(e.Entity, run)).ToList())
                {
                    entry.State = EntityState.Detached;
                }

                FailPoints.Hit("retention.records.committed");
                progress?.Deleted(run.Step!, gone.Count);
            }

            // The rows are gone and the keys destroyed; now the ciphertext, the whole batch at once (the store flushes
            // each folder once, after all its unlinks). A failure or crash here leaves orphans that the blob orphan
            // sweep removes (and that no key can decrypt any more).
            // While the next batch works in the database (the previous batch's removals are awaited first, so at most
            // one batch of files is pending, and all are removed before the step ends).
            await contents;
            var keys = storeKeys;
            contents = keys.Count == 0 ? Task.CompletedTask : Task.Run(() => blobs.DeleteManyAsync(keys, ct), ct);
        }
    }

    /// <summary>
    /// Deletes the blob rows and destroys the data keys that no remaining blob uses (crypto-shredding), in the open
    /// transaction. Returns the store keys of the contents to delete after the commit.
    /// </summary>
    private async Task<List<string>> DeleteBlobsAsync(CustodianDbContext db, List<Guid> blobIds, CancellationToken ct)
    {
        if (blobIds.Count == 0)
        {
            return [];
        }

        var rows = await db.Set<BlobRecord>().AsNoTracking().Where(b => EF.Parameter(blobIds).Contains(b.Id)).Select(b => new { b.StoreKey, b.DataKeyId }).ToListAsync(ct);
        await db.Set<BlobRecord>().Where(b => EF.Parameter(blobIds).Contains(b.Id)).ExecuteDeleteAsync(ct);
        var keyIds = rows.Select(r => r.DataKeyId).Distinct().ToList();
        var now = Now();
        await db.Set<DataKey>()
            .Where(k => EF.Parameter(keyIds).Contains(k.Id) && k.DestroyedAt == null && !db.Set<BlobRecord>().Any(b => b.DataKeyId == k.Id))
            .ExecuteUpdateAsync(u => u.SetProperty(k => k.WrappedKey, (byte[]?)null).SetProperty(k => k.DestroyedAt, now), ct);
        return [.. rows.Select(r => r.StoreKey)];
    }

    private static Task<bool> AnyRowsAsync(CustodianDbContext db, RetentionTarget target, CancellationToken ct) => target switch
    {
        InstantAnchoredTarget t => t.Rows(db).AnyAsync(ct),
        DateAnchoredTarget t => t.Rows(db).AnyAsync(ct),
        _ => Task.FromResult(true),
    };

    /// <summary>The anchor day of each record (for lateness); records without one are not in the result.</summary>
    private static async Task<Dictionary<Guid, LocalDate>> AnchorsAsync(CustodianDbContext db, RetentionTarget target, List<Guid> ids, CancellationToken ct)
    {
        switch (target)
        {
            case InstantAnchoredTarget t:
                var instants = await t.Rows(db).Where(r => EF.Parameter(ids).Contains(r.Id) && r.Anchor != null).Select(r => new { r.Id, r.Anchor }).ToListAsync(ct);
                return instants.ToDictionary(r => r.Id, r => RetentionCalendar.DayOf(r.Anchor!.Value));
            case DateAnchoredTarget t:
                var days = await t.Rows(db).Where(r => EF.Parameter(ids).Contains(r.Id) && r.Anchor != null).Select(r => new { r.Id, r.Anchor }).ToListAsync(ct);
                return days.ToDictionary(r => r.Id, r => r.Anchor!.Value);
            default:
                return [];
        }
    }

    /// <summary>
    /// Deletes the records among <paramref name="due"/> that are still due in this transaction (each slice's condition
    /// again: a ticket reopened since the ids were read stays), with their look-up index rows, by set-based statements.
    /// Returns what went: id, organisation and content blob (for content records).
    /// </summary>
    private static Task<List<(Guid Id, Guid OrganizationId, Guid? BlobId)>> DeleteSetBasedAsync(
        CustodianDbContext db, Type entity, List<(Guid Id, RetentionSlice Slice)> due, CancellationToken ct) =>
        (Task<List<(Guid, Guid, Guid?)>>)typeof(RetentionSweeper).GetMethod(nameof(DeleteRecordsSetBasedAsync), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(entity)
            .Invoke(null, [db, due, ct])!;

    // EF.Parameter on every id list of a batch: EF 10 would otherwise send 10,000 ids as 10,000 SQL parameters (a new
    // statement to build and prepare each time, ~0.4 s per query here); as one JSON array parameter it is one statement.
    private static async Task<List<(Guid Id, Guid OrganizationId, Guid? BlobId)>> DeleteRecordsSetBasedAsync<T>(
        CustodianDbContext db, List<(Guid Id, RetentionSlice Slice)> due, CancellationToken ct)
        where T : TenantRecord
    {
        var ids = new List<Guid>(due.Count);
        foreach (var slice in due.GroupBy(d => d.Slice))
        {
            var candidates = slice.Select(d => d.Id).ToList();
            ids.AddRange(await slice.Key.DueIds(db).Where(id => EF.Parameter(candidates).Contains(id)).ToListAsync(ct));
        }

        if (ids.Count == 0)
        {
            return [];
        }

        var rows = db.Set<T>().IgnoreQueryFilters().Where(r => EF.Parameter(ids).Contains(r.Id));
        var gone = typeof(IContentRecord).IsAssignableFrom(typeof(T))
            ? (await rows.Select(r => new { r.Id, r.OrganizationId, Blob = EF.Property<Guid>(r, nameof(IContentRecord.ContentBlobId)) }).ToListAsync(ct))
                .Select(r => (r.Id, r.OrganizationId, (Guid?)r.Blob)).ToList()
            : (await rows.Select(r => new { r.Id, r.OrganizationId }).ToListAsync(ct))
                .Select(r => (r.Id, r.OrganizationId, (Guid?)null)).ToList();
        if (typeof(ISubjectRecord).IsAssignableFrom(typeof(T)))
        {
            // What SaveChanges' SubjectIndex.Sync does for a tracked deletion, as one statement.
            var recordType = RecordTypes.NameOf(typeof(T));
            await db.SubjectIdentifiers.IgnoreQueryFilters().Where(s => s.EntityType == recordType && EF.Parameter(ids).Contains(s.EntityId)).ExecuteDeleteAsync(ct);
        }

        await rows.ExecuteDeleteAsync(ct);
        return gone;
    }

    private static Task<List<object>> LoadAsync(CustodianDbContext db, Type entity, List<Guid> ids, CancellationToken ct) =>
        entity == typeof(Organization)
            ? db.Organizations.Where(o => ids.Contains(o.Id)).Cast<object>().ToListAsync(ct)
            : entity == typeof(Consent.ConsentEntry)
            ? db.Set<Consent.ConsentEntry>().Where(e => ids.Contains(e.Id)).Cast<object>().ToListAsync(ct)
            : entity == typeof(Shielding.ShieldedNumber)
            ? db.Set<Shielding.ShieldedNumber>().Where(e => ids.Contains(e.Id)).Cast<object>().ToListAsync(ct)
            : entity == typeof(Shielding.ShieldingReceivedList)
            ? db.Set<Shielding.ShieldingReceivedList>().Where(e => ids.Contains(e.Id)).Cast<object>().ToListAsync(ct)
            : entity == typeof(Shielding.ShieldingSend)
            ? db.Set<Shielding.ShieldingSend>().Where(e => ids.Contains(e.Id)).Cast<object>().ToListAsync(ct)
            : (Task<List<object>>)typeof(RetentionSweeper).GetMethod(nameof(LoadRecordsAsync), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                .MakeGenericMethod(entity)
                .Invoke(null, [db, ids, ct])!;

    private static async Task<List<object>> LoadRecordsAsync<T>(CustodianDbContext db, List<Guid> ids, CancellationToken ct)
        where T : TenantRecord =>
        [.. await db.Set<T>().Where(r => ids.Contains(r.Id)).ToListAsync(ct)];

    private static (Guid Id, Guid OrganizationId) Identity(object entity) => entity switch
    {
        TenantRecord r => (r.Id, r.OrganizationId),
        Organization o => (o.Id, o.Id),
        Consent.ConsentEntry e => (e.Id, RetentionTargets.Provider),
        Shielding.ShieldedNumber n => (n.Id, RetentionTargets.Provider),
        Shielding.ShieldingReceivedList l => (l.Id, RetentionTargets.Provider),
        Shielding.ShieldingSend s => (s.Id, RetentionTargets.Provider),
        _ => throw new InvalidOperationException($"no identity for {entity.GetType().Name}"),
    };

    /// <summary>A record's own time, which a hold's time window is about: when the call was, when the ticket was opened, else when the record was stored.</summary>
    internal static Instant RecordTime(object entity) => entity switch
    {
        SupportCallRecording r => r.CalledAt,
        CustomerCallRecording r => r.CalledAt,
        SupportTicket t => t.OpenedAt,
        TenantRecord r => r.CreatedAt,
        Organization o => o.CreatedAt,
        Consent.ConsentEntry e => e.GivenAt,
        Shielding.ShieldedNumber n => n.RequestedAt,
        Shielding.ShieldingReceivedList l => l.ReceivedAt,
        Shielding.ShieldingSend s => s.SentAt,
        _ => throw new InvalidOperationException($"no record time for {entity.GetType().Name}"),
    };

    internal static HashSet<(IdentifierKind Kind, string Value)> HoldIdentifiersOf(object entity)
    {
        var found = new HashSet<(IdentifierKind, string)>();
        if (entity is ISubjectRecord record)
        {
            foreach (var key in record.SubjectKeys())
            {
                var kind = HoldIdentifiers.KindOf(key.Kind); // names: a hold names identifiers, not names
                if (kind is { } k)
                {
                    found.Add((k, key.Value));
                }
            }
        }

        return found;
    }

    /// <summary>The object type the audit events name; the provider's own records use the names their features audit them under.</summary>
    private static string RecordTypeOf(RetentionTarget target) => target.Entities[0] switch
    {
        var t when t == typeof(Organization) => "organization",
        var t when t == typeof(Consent.ConsentEntry) => "consent_entry",
        var t when t == typeof(Shielding.ShieldedNumber) => "shielded_number",
        var t when t == typeof(Shielding.ShieldingReceivedList) => "shielding_received_list",
        var t when t == typeof(Shielding.ShieldingSend) => "shielding_send",
        var t => RecordTypes.NameOf(t),
    };
}
