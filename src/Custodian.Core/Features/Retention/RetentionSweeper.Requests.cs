using System.Globalization;
using Custodian.Core.Common;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Disclosures.Emergency;
using Custodian.Core.Features.Requests;
using Custodian.Core.Features.Requests.Answers;
using Custodian.Core.Features.Requests.Execution;
using Custodian.Core.Features.Requests.IdCopies;
using Custodian.Core.Features.Requests.Queue;
using Custodian.Core.Identifiers;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Core.Features.Retention;

/// <summary>
/// The sweep's steps for data-subject requests (<c>general.privacy_requests</c>): the housekeeping that makes every
/// request close and removes short-lived secrets and answer files as they expire, and the deletion of closed requests
/// with everything attached once their rule has run out.
/// </summary>
internal sealed partial class RetentionSweeper
{
    /// <summary>The housekeeping step's name; it runs before the record steps, so a request it closes counts from then on.</summary>
    public const string RequestHousekeepingStep = "requests.housekeeping";

    private static readonly AuditActor RequestActor = new(AuditActorKind.System, "job:retention-sweep");

    /// <summary>Requests deleted per transaction: each carries a dozen child tables, so batches are smaller than for plain rows.</summary>
    private int RequestBatchSize => Math.Min(BatchSize, 500);

    /// <summary>
    /// At the sweep's cutoff: unverified requests past <see cref="RequestHousekeepingOptions.UnverifiedLapse"/> lapse (closed,
    /// timeline event <c>lapsed</c>); delivered or refused requests with no answer still available close; answer files
    /// past their expiry are shredded (blob row, data key, download links; the answer's metadata row stays with the
    /// request); expired verification codes, sessions and download links and rate-limit counters past their window go.
    /// Every condition is the state at the cutoff, so a repeated step (after a crash) does nothing twice.
    /// </summary>
    private async Task RunRequestHousekeepingAsync(CustodianDbContext db, RetentionSweepRun run, ISweepProgress? progress, CancellationToken ct)
    {
        await RenewLeaseOrThrowAsync(db, ct);
        var at = run.Cutoff;
        var lapseBefore = RequestHousekeeping.LapseReceivedBefore(at, (housekeeping ?? RequestHousekeepingOptions.Default).UnverifiedLapse);
        var storeKeys = new List<string>();
        long changed = 0;
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            // Requests that never close must not live forever: an unverified one lapses, a handled one closes once its
            // answers are gone (nothing further can happen to it; the requester can no longer download anything).
            var lapsing = await db.Set<DataSubjectRequest>()
                .Where(r => r.State == RequestState.AwaitingVerification && r.ReceivedOn < lapseBefore)
                .ToListAsync(ct);
            var finished = await db.Set<DataSubjectRequest>()
                .Where(r => (r.State == RequestState.Delivered || r.State == RequestState.Refused)
                    && !db.Set<RequestAnswer>().Any(a => a.RequestId == r.Id && a.ExpiresAt > at))
                .ToListAsync(ct);
            foreach (var (request, kind) in lapsing.Select(r => (r, RequestEventKinds.Lapsed)).Concat(finished.Select(r => (r, RequestEventKinds.Closed))))
            {
                request.MoveTo(RequestState.Closed);
                request.ClosedAt = at;
                db.Add(new RequestEvent { RequestId = request.Id, At = at, Kind = kind, Actor = RequestEventKinds.SystemActor });
                await audit.AppendAsync(db, new AuditEntry(
                    kind == RequestEventKinds.Lapsed ? "request.lapsed" : "request.closed",
                    RequestActor,
                    null,
                    [new AuditObject("request", request.Id.ToString()), new AuditObject("retention_sweep", run.Id.ToString())]), ct);
            }

            // The old values of rectifications are kept only while the request is open (REC-1).
            var closedIds = lapsing.Concat(finished).Select(r => r.Id).ToList();
            await db.SaveChangesAsync(ct);
            await db.Set<RequestRectification>().IgnoreQueryFilters()
                .Where(r => EF.Parameter(closedIds).Contains(r.RequestId) && r.OldValue != null)
                .ExecuteUpdateAsync(u => u.SetProperty(r => r.OldValue, (string?)null).SetProperty(r => r.OldValuePurgedAt, at), ct);

            // Answer files are copies of the person's data: shredded when the answer expires (its download links can
            // no longer open it from then on), the metadata row stays as the record that an answer was given.
            var expiredAnswers = await db.Set<RequestAnswer>().Where(a => a.ExpiresAt <= at && a.ContentDeletedAt == null).ToListAsync(ct);
            var answerIds = expiredAnswers.Select(a => a.Id).ToList();
            foreach (var answer in expiredAnswers)
            {
                answer.ContentDeletedAt = at;
            }

            await db.SaveChangesAsync(ct);
            storeKeys.AddRange(await DeleteBlobsAsync(db, [.. expiredAnswers.Select(a => a.BlobId)], ct));

            // An ID copy lives only until the identity decision; a request that ended another way (refused, lapsed,
            // closed through the API) must not keep one waiting for a year: it goes with its key once the request ended.
            var staleCopies = await db.Set<IdCopy>().IgnoreQueryFilters()
                .Where(c => db.Set<DataSubjectRequest>().Any(r => r.Id == c.RequestId
                    && (r.State == RequestState.Closed || r.State == RequestState.Refused || r.State == RequestState.Delivered)))
                .Select(c => new { c.Id, c.BlobId })
                .ToListAsync(ct);
            var staleCopyIds = staleCopies.Select(c => c.Id).ToList();
            await db.Set<IdCopy>().IgnoreQueryFilters().Where(c => EF.Parameter(staleCopyIds).Contains(c.Id)).ExecuteDeleteAsync(ct);
            storeKeys.AddRange(await DeleteBlobsAsync(db, [.. staleCopies.Select(c => c.BlobId)], ct));

            // Short-lived secrets, gone at expiry (they protect nothing afterwards and are no record of anything).
            var secrets = await db.Set<RequestAnswerDownload>().Where(d => d.ExpiresAt <= at || EF.Parameter(answerIds).Contains(d.AnswerId)).ExecuteDeleteAsync(ct);
            secrets += await db.Set<RequestVerificationCode>().Where(c => c.ExpiresAt <= at).ExecuteDeleteAsync(ct);
            secrets += await db.Set<RequestSession>().Where(s => s.ExpiresAt <= at).ExecuteDeleteAsync(ct);
            secrets += await db.Set<RequestMandateToken>().Where(t => t.ExpiresAt <= at).ExecuteDeleteAsync(ct);
            var rateBefore = at - RequestRateLimits.Day;
            secrets += await db.Set<RequestRateEvent>().Where(e => e.At <= rateBefore).ExecuteDeleteAsync(ct);

            // The 112 disclosure log holds no personal data (a keyed hash and record ids), so it has no register
            // category; its own rule (kept for the yearly statistics, EmergencyDisclosureLog) is applied here.
            var emergencyLog = await EmergencyDisclosureLog.PurgeAsync(db, at, ct);

            changed = closedIds.Count + expiredAnswers.Count + staleCopies.Count + secrets + emergencyLog;
            if (changed > 0)
            {
                await audit.AppendAsync(db, new AuditEntry(
                    "retention.requests_housekeeping",
                    RequestActor,
                    null,
                    [new AuditObject("retention_sweep", run.Id.ToString())],
                    Details: new Dictionary<string, string>
                    {
                        ["lapsed"] = lapsing.Count.ToString(CultureInfo.InvariantCulture),
                        ["closed"] = finished.Count.ToString(CultureInfo.InvariantCulture),
                        ["answers_shredded"] = expiredAnswers.Count.ToString(CultureInfo.InvariantCulture),
                        ["id_copies_destroyed"] = staleCopies.Count.ToString(CultureInfo.InvariantCulture),
                        ["expired_secrets_deleted"] = secrets.ToString(CultureInfo.InvariantCulture),
                        ["emergency_disclosures_deleted"] = emergencyLog.ToString(CultureInfo.InvariantCulture),
                        ["cutoff"] = InstantPattern.ExtendedIso.Format(at),
                    }), ct);
                run.AuditLastSeq = await AuditStore.SizeAsync(db, ct);
                run.Cursor = RequestHousekeepingStep;
                run.Batches++;
            }

            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }

        DetachAllBut(db, run);
        if (storeKeys.Count > 0)
        {
            await blobs.DeleteManyAsync(storeKeys, ct);
        }

        progress?.Deleted(RequestHousekeepingStep, changed);
    }

    /// <summary>
    /// Deletes, in batches, the closed requests whose rule has run out at the cutoff and that no hold keeps (a hold on
    /// the identifier the request was filed under, or a provider-wide hold on the category), each with everything
    /// attached, in one transaction with its audit event; the blob contents after the commit.
    /// </summary>
    private async Task DeleteExpiredRequestsAsync(CustodianDbContext db, RetentionSweepRun run, RetentionTarget target, ISweepProgress? progress, CancellationToken ct)
    {
        var held = new List<Guid>();
        if (!await AnyRowsAsync(db, target, ct))
        {
            run.SetKept(target.Name, target.Category, []);
            return;
        }

        while (true)
        {
            await RenewLeaseOrThrowAsync(db, ct);
            var (slices, _) = await RetentionSlices.ForAsync(db, register, run.Cutoff, ct);
            if (slices.FirstOrDefault(s => s.Target.Name == target.Name) is not { } slice)
            {
                return;
            }

            var ids = await slice.DueIds(db).Where(id => !held.Contains(id)).Take(RequestBatchSize).ToListAsync(ct);
            if (ids.Count == 0)
            {
                run.SetKept(target.Name, target.Category, held.Count == 0 ? [] : [(RetentionTargets.Provider, (long)held.Count)]);
                await db.SaveChangesAsync(ct);
                return;
            }

            List<string> storeKeys;
            int deleted;
            await using (var tx = await db.Database.BeginTransactionAsync(ct))
            {
                var holds = await LegalHolds.ActiveAtAsync(db, Now(), ct);
                var bound = slice.Cutoff.AnchorBefore;
                var requests = await db.Set<DataSubjectRequest>().AsNoTracking()
                    .Where(r => EF.Parameter(ids).Contains(r.Id) && r.ClosedAt < bound)
                    .Select(r => new { r.Id, r.IdentifierKind, r.IdentifierValue, r.ReceivedAt, r.ClosedAt })
                    .ToListAsync(ct);
                var gone = new List<Guid>();
                var lateness = Duration.Zero;
                foreach (var request in requests)
                {
                    var identifiers = new HashSet<(IdentifierKind, string)>();
                    if (HoldIdentifiers.KindOf(request.IdentifierKind) is { } kind)
                    {
                        identifiers.Add((kind, request.IdentifierValue));
                    }

                    if (holds.Covers(target.Category, RetentionTargets.Provider, request.ReceivedAt, identifiers))
                    {
                        held.Add(request.Id);
                        continue;
                    }

                    gone.Add(request.Id);
                    var late = run.Cutoff - slice.Schedule.Expiry(RetentionCalendar.DayOf(request.ClosedAt!.Value));
                    lateness = late > lateness ? late : lateness;
                }

                storeKeys = await DeleteRequestsAsync(db, gone, ct);
                FailPoints.Hit("retention.records.deleted");
                deleted = gone.Count;
                if (deleted > 0)
                {
                    run.Count(target.Category, RetentionTargets.Provider, deleted, lateness);
                    await audit.AppendAsync(db, new AuditEntry(
                        "retention.deleted",
                        Actor,
                        null,
                        [new AuditObject("retention_sweep", run.Id.ToString()), .. gone.Select(id => new AuditObject("request", id.ToString()))],
                        Details: new Dictionary<string, string>
                        {
                            ["category"] = target.Category,
                            ["target"] = target.Name,
                            ["count"] = deleted.ToString(CultureInfo.InvariantCulture),
                            ["cutoff"] = InstantPattern.ExtendedIso.Format(run.Cutoff),
                        }), ct);
                    run.AuditLastSeq = await AuditStore.SizeAsync(db, ct);
                }

                FailPoints.Hit("retention.records.audited");
                run.Cursor = target.Name;
                run.Batches++;
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
            }

            DetachAllBut(db, run);
            FailPoints.Hit("retention.records.committed");
            progress?.Deleted(run.Step!, deleted);
            if (storeKeys.Count > 0)
            {
                await blobs.DeleteManyAsync(storeKeys, ct);
            }
        }
    }

    /// <summary>
    /// Deletes the requests and every row attached to them (set-based, in the open transaction), their blobs and the
    /// data keys no remaining blob uses. Returns the store keys of the contents to delete after the commit.
    /// </summary>
    private async Task<List<string>> DeleteRequestsAsync(CustodianDbContext db, List<Guid> ids, CancellationToken ct)
    {
        if (ids.Count == 0)
        {
            return [];
        }

        var answerIds = await db.Set<RequestAnswer>().Where(a => EF.Parameter(ids).Contains(a.RequestId)).Select(a => a.Id).ToListAsync(ct);
        var blobIds = await db.Set<RequestAttachment>().Where(a => EF.Parameter(ids).Contains(a.RequestId)).Select(a => a.BlobId).ToListAsync(ct);
        blobIds.AddRange(await db.Set<RequestAnswer>().Where(a => EF.Parameter(ids).Contains(a.RequestId)).Select(a => a.BlobId).ToListAsync(ct));
        blobIds.AddRange(await db.Set<IdCopy>().IgnoreQueryFilters().Where(c => EF.Parameter(ids).Contains(c.RequestId)).Select(c => c.BlobId).ToListAsync(ct));

        await db.Set<RequestAnswerDownload>().Where(d => EF.Parameter(answerIds).Contains(d.AnswerId)).ExecuteDeleteAsync(ct);
        await db.Set<RequestAnswer>().Where(a => EF.Parameter(ids).Contains(a.RequestId)).ExecuteDeleteAsync(ct);
        await db.Set<RequestAttachment>().Where(a => EF.Parameter(ids).Contains(a.RequestId)).ExecuteDeleteAsync(ct);
        await db.Set<IdCopy>().IgnoreQueryFilters().Where(c => EF.Parameter(ids).Contains(c.RequestId)).ExecuteDeleteAsync(ct);
        await db.Set<IdVerificationDecision>().IgnoreQueryFilters().Where(d => EF.Parameter(ids).Contains(d.RequestId)).ExecuteDeleteAsync(ct);
        await db.Set<Requests.Workflow.RequestPart>().IgnoreQueryFilters().Where(x => EF.Parameter(ids).Contains(x.RequestId)).ExecuteDeleteAsync(ct);
        await db.Set<RequestRecipientNotice>().Where(x => EF.Parameter(ids).Contains(x.RequestId)).ExecuteDeleteAsync(ct);
        await db.Set<RequestRectification>().IgnoreQueryFilters().Where(x => EF.Parameter(ids).Contains(x.RequestId)).ExecuteDeleteAsync(ct);
        await db.Set<RequestRestriction>().Where(x => EF.Parameter(ids).Contains(x.RequestId)).ExecuteDeleteAsync(ct);
        await db.Set<RequestObjectionGrounds>().Where(x => EF.Parameter(ids).Contains(x.RequestId)).ExecuteDeleteAsync(ct);
        await db.Set<RequestEvent>().Where(x => EF.Parameter(ids).Contains(x.RequestId)).ExecuteDeleteAsync(ct);
        await db.Set<RequestVerificationCode>().Where(x => EF.Parameter(ids).Contains(x.RequestId)).ExecuteDeleteAsync(ct);
        await db.Set<RequestSession>().Where(x => EF.Parameter(ids).Contains(x.RequestId)).ExecuteDeleteAsync(ct);
        await db.Set<RequestMandateToken>().Where(x => EF.Parameter(ids).Contains(x.RequestId)).ExecuteDeleteAsync(ct);
        await db.Set<Mail.OutgoingMessage>().Where(x => x.RequestId != null && EF.Parameter(ids).Contains(x.RequestId.Value)).ExecuteDeleteAsync(ct);
        await db.Set<DataSubjectRequest>().Where(r => EF.Parameter(ids).Contains(r.Id)).ExecuteDeleteAsync(ct);
        return await DeleteBlobsAsync(db, blobIds, ct);
    }

    private static void DetachAllBut(CustodianDbContext db, RetentionSweepRun run)
    {
        foreach (var entry in db.ChangeTracker.Entries().Where(e => !ReferenceEquals(e.Entity, run)).ToList())
        {
            entry.State = EntityState.Detached;
        }
    }
}
