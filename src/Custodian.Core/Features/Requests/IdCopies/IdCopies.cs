using System.Globalization;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Requests.IdCopies;

/// <summary>The verifier's view of a copy: its pages as re-encoded PNGs (serve with <c>no-store</c>, as an attachment).</summary>
internal sealed record IdCopyView(Guid CopyId, Guid RequestId, Instant UploadedAt, IReadOnlyList<IdCopyPage> Pages);

/// <summary>What staff confirmed while looking at the copy (security.md §4.5 item 7); stored with the decision.</summary>
internal sealed record IdCopyConfirmations(bool WatermarkPresent, bool PhotoCovered);

/// <summary>
/// Storage of screened ID copies (security.md §4.5, §1.3 item 6): stored encrypted under a data key of their own,
/// shown only to the verifying staff member (every view audited <c>request.id_copy_viewed</c>), and destroyed with their
/// key when the verification decision is made (<c>request.id_copy_destroyed</c>), after which only the
/// <see cref="IdVerificationDecision"/> (who, when, how) remains.
/// </summary>
internal sealed class IdCopies(EncryptedBlobs blobs, IBlobStore store, IAuditTrail audit, ReadAuditBatcher reads, TimeProvider time)
{
    public const string MediaType = "application/x-custodian-id-copy";

    /// <summary>
    /// Stores an accepted copy for <paramref name="requestId"/> and audits <c>request.id_copy_received</c>. Encrypts and
    /// writes the content before the transaction (a slow disk does not hold the write lock), then adds blob row, copy row
    /// and audit event in one transaction. Returns the copy's id.
    /// </summary>
    public async Task<Guid> StoreAsync(
        CustodianDbContext db, Guid requestId, Guid organizationId, IdCopyScreeningResult.Accepted copy, AuditActor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(copy);
        ArgumentNullException.ThrowIfNull(actor);
        var copyId = Guid.NewGuid();
        var owner = DataKeyOwner.IdCopy(copyId);
        var staged = await blobs.StageAsync(db, organizationId, owner, new MemoryStream(IdCopyPages.Pack(copy.Pages)), MediaType, ct);
        try
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            if (!await EncryptedBlobs.AddStagedAsync(db, staged, ct))
            {
                throw new InvalidOperationException("the ID copy's own data key was destroyed while it was being stored");
            }

            db.Set<IdCopy>().Add(new IdCopy
            {
                Id = copyId,
                RequestId = requestId,
                OrganizationId = organizationId,
                PageCount = copy.PageCount,
                SourceType = copy.SourceType,
                UploadedAt = Now(),
                BlobId = staged.Record.Id,
            });
            await audit.AppendAsync(
                db,
                new AuditEntry(
                    "request.id_copy_received",
                    actor,
                    organizationId,
                    [new AuditObject("request", requestId.ToString()), new AuditObject("id_copy", copyId.ToString())],
                    Details: new Dictionary<string, string>
                    {
                        ["pages"] = copy.PageCount.ToString(CultureInfo.InvariantCulture),
                        ["source_type"] = copy.SourceType,
                    }),
                ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            return copyId;
        }
        catch
        {
            // The content is an orphan for the blob sweep; the key made for this copy alone is removed now.
            db.ChangeTracker.Clear();
            await store.DeleteAsync(staged.Record.StoreKey, CancellationToken.None);
            await EncryptedBlobs.RemoveUnusedDataKeysAsync(db, organizationId, owner, CancellationToken.None);
            throw;
        }
    }

    /// <summary>The copies waiting for a decision on <paramref name="requestId"/> (ids and dates only, no content).</summary>
    public static Task<List<IdCopy>> ListAsync(CustodianDbContext db, Guid requestId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Set<IdCopy>().AsNoTracking().Where(c => c.RequestId == requestId).OrderBy(c => c.UploadedAt).ToListAsync(ct);
    }

    /// <summary>
    /// Decrypts a copy for the verifying staff member, after <c>request.id_copy_viewed</c> is committed through the read
    /// audit group commit (no view without its audit entry: this throws when the event is not durable). Null when the copy does not exist (or was destroyed) in the
    /// context's tenant scope. The caller checks that <paramref name="staffActor"/> may verify this request.
    /// </summary>
    public async Task<IdCopyView?> OpenForVerifierAsync(CustodianDbContext db, Guid copyId, AuditActor staffActor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(staffActor);
        var copy = await db.Set<IdCopy>().AsNoTracking().SingleOrDefaultAsync(c => c.Id == copyId, ct);
        if (copy is null)
        {
            return null;
        }

        await reads.AppendAsync(
            new AuditEntry(
                "request.id_copy_viewed",
                staffActor,
                copy.OrganizationId,
                [new AuditObject("request", copy.RequestId.ToString()), new AuditObject("id_copy", copy.Id.ToString())]),
            ct);

        await using var plaintext = await blobs.OpenReadAsync(db, copy.BlobId, ct);
        using var buffer = new MemoryStream();
        await plaintext.CopyToAsync(buffer, ct);
        return new IdCopyView(copy.Id, copy.RequestId, copy.UploadedAt, IdCopyPages.Unpack(buffer.ToArray()));
    }

    /// <summary>
    /// Records the verification decision on <paramref name="requestId"/> and destroys every copy of it: blob rows, copy
    /// rows and their data keys in one transaction with the decision row and a <c>request.id_copy_destroyed</c> event;
    /// the encrypted contents (already unreadable without their keys) are deleted from the store after the commit.
    /// Returns the decision, which is all that remains.
    /// </summary>
    /// <param name="db">A context whose scope includes <paramref name="organizationId"/>; no transaction open.</param>
    /// <param name="requestId">The request whose copies are destroyed.</param>
    /// <param name="organizationId">The tenant the request is handled in.</param>
    /// <param name="decidedBy">The staff member who decided.</param>
    /// <param name="decision">Verified or refused.</param>
    /// <param name="method">How identity was checked, e.g. <c>id_copy</c> (a short stable word).</param>
    /// <param name="confirmations">What staff confirmed about the copy (watermark, photo covered).</param>
    /// <param name="ct">Cancels before the commit.</param>
    public async Task<IdVerificationDecision> DestroyAsync(
        CustodianDbContext db,
        Guid requestId,
        Guid organizationId,
        AuditActor decidedBy,
        IdVerificationOutcome decision,
        string method,
        IdCopyConfirmations confirmations,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(decidedBy);
        ArgumentException.ThrowIfNullOrWhiteSpace(method);
        ArgumentNullException.ThrowIfNull(confirmations);

        var storeKeys = new List<string>();
        IdVerificationDecision result;
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            var copies = await db.Set<IdCopy>()
                .Where(c => c.RequestId == requestId && c.OrganizationId == organizationId)
                .Join(db.Set<BlobRecord>(), c => c.BlobId, b => b.Id, (c, b) => new { Copy = c, b.StoreKey, b.DataKeyId })
                .ToListAsync(ct);

            foreach (var c in copies)
            {
                await db.Set<IdCopy>().Where(x => x.Id == c.Copy.Id).ExecuteDeleteAsync(ct);
                await blobs.DeleteAsync(db, c.Copy.BlobId, ct); // in a transaction: the row only; content below
                await blobs.DestroyDataKeyAsync(db, c.DataKeyId, ct);
                storeKeys.Add(c.StoreKey);
            }

            result = new IdVerificationDecision
            {
                Id = Guid.NewGuid(),
                RequestId = requestId,
                OrganizationId = organizationId,
                Outcome = decision,
                Method = method,
                DecidedBy = decidedBy.Id,
                DecidedAt = Now(),
                WatermarkConfirmed = confirmations.WatermarkPresent,
                PhotoCoveredConfirmed = confirmations.PhotoCovered,
                CopiesDestroyed = copies.Count,
            };
            db.Set<IdVerificationDecision>().Add(result);
            await audit.AppendAsync(
                db,
                new AuditEntry(
                    "request.id_copy_destroyed",
                    decidedBy,
                    organizationId,
                    [new AuditObject("request", requestId.ToString()), .. copies.Select(c => new AuditObject("id_copy", c.Copy.Id.ToString()))],
                    Details: new Dictionary<string, string>
                    {
                        ["decision"] = decision.ToString().ToLowerInvariant(),
                        ["method"] = method,
                        ["copies"] = copies.Count.ToString(CultureInfo.InvariantCulture),
                        ["watermark_confirmed"] = confirmations.WatermarkPresent ? "true" : "false",
                        ["photo_covered_confirmed"] = confirmations.PhotoCovered ? "true" : "false",
                    }),
                ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }

        // After the commit (a rollback must still find its content); a failure here leaves an unreadable orphan for the sweep.
        foreach (var key in storeKeys)
        {
            await store.DeleteAsync(key, ct);
        }

        return result;
    }

    private Instant Now() => Instant.FromDateTimeOffset(time.GetUtcNow());
}
