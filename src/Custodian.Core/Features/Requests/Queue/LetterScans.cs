using System.Globalization;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Requests.IdCopies;
using Custodian.Core.Features.Store;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Requests.Queue;

/// <summary>
/// Scans of letters that staff enter as requests. Checked by content (the ID-copy screening's sniffing: PDF, JPEG or
/// PNG, whatever the name says) and size; unlike an ID copy a letter is NOT refused for a readable BSN and not
/// re-encoded: it is the evidence of what the requester wrote and when, kept as received, encrypted.
/// </summary>
internal sealed class LetterScans(EncryptedBlobs blobs, IBlobStore store, IAuditTrail audit, TimeProvider time)
{
    public const long MaxBytes = 10 * 1024 * 1024;

    /// <summary>Blobs of requests belong to the provider, not to a client organisation (as the request answers').</summary>
    public static readonly Guid ProviderTenant = Guid.Empty;

    public const string MediaTypePrefix = "application/x-custodian-letter-scan+";

    /// <summary>The content's type (<c>pdf</c>, <c>jpeg</c>, <c>png</c>), or an error to show on the form's scan field.</summary>
    public static StoreResult<string> Check(ReadOnlySpan<byte> content)
    {
        if (content.Length == 0)
        {
            return new ValidationError([new FieldError("scan", "request.scan_empty", "The scan is empty.")]);
        }

        if (content.Length > MaxBytes)
        {
            return new ContentTooLargeError(MaxBytes);
        }

        return ImageHeaders.Sniff(content) switch
        {
            UploadKind.Pdf => "pdf",
            UploadKind.Jpeg => "jpeg",
            UploadKind.Png => "png",
            _ => new UnsupportedContentError("request.scan_type", "The scan must be a PDF, JPEG or PNG file."),
        };
    }

    /// <summary>
    /// Stores a checked scan for <paramref name="requestId"/>: encrypts and writes the content first (no transaction
    /// held while the disk works), then the blob row, the attachment row and the audit event in one transaction.
    /// </summary>
    public async Task<RequestAttachment> StoreAsync(
        CustodianDbContext db, Guid requestId, byte[] content, string contentType, Guid staffId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(content);
        var attachmentId = Guid.CreateVersion7();
        var owner = DataKeyOwner.Subject(attachmentId);
        var staged = await blobs.StageAsync(db, ProviderTenant, owner, new MemoryStream(content, writable: false), MediaTypePrefix + contentType, ct);
        try
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            if (!await EncryptedBlobs.AddStagedAsync(db, staged, ct))
            {
                throw new InvalidOperationException("the letter scan's own data key was destroyed while it was being stored");
            }

            var attachment = new RequestAttachment
            {
                Id = attachmentId,
                RequestId = requestId,
                BlobId = staged.Record.Id,
                Kind = RequestAttachment.LetterScanKind,
                ContentType = contentType,
                UploadedAt = Instant.FromDateTimeOffset(time.GetUtcNow()),
                UploadedBy = staffId,
            };
            db.Add(attachment);
            await db.SaveChangesAsync(ct);
            await audit.AppendAsync(
                db,
                new AuditEntry(
                    "request.letter_scan_stored",
                    new AuditActor(AuditActorKind.User, staffId.ToString()),
                    null,
                    [new AuditObject("request", requestId.ToString()), new AuditObject("request_attachment", attachmentId.ToString())],
                    Details: new Dictionary<string, string>
                    {
                        ["type"] = contentType,
                        ["bytes"] = content.Length.ToString(CultureInfo.InvariantCulture),
                    }),
                ct);
            await tx.CommitAsync(ct);
            return attachment;
        }
        catch
        {
            db.ChangeTracker.Clear();
            await store.DeleteAsync(staged.Record.StoreKey, CancellationToken.None);
            await EncryptedBlobs.RemoveUnusedDataKeysAsync(db, ProviderTenant, owner, CancellationToken.None);
            throw;
        }
    }

    /// <summary>The attachments of a request (metadata only).</summary>
    public static Task<List<RequestAttachment>> ListAsync(CustodianDbContext db, Guid requestId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Set<RequestAttachment>().AsNoTracking().Where(a => a.RequestId == requestId).OrderBy(a => a.UploadedAt).ToListAsync(ct);
    }

    /// <summary>The decrypted content of one attachment.</summary>
    public Task<Stream> OpenAsync(CustodianDbContext db, RequestAttachment attachment, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(attachment);
        return blobs.OpenReadAsync(db, attachment.BlobId, ct);
    }

    /// <summary>
    /// Destroys the attachments of a request with their data keys: whoever deletes a request calls this first (the
    /// rows would cascade, but the key and the encrypted content must go too).
    /// </summary>
    public async Task<int> DeleteForRequestAsync(CustodianDbContext db, Guid requestId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var items = await db.Set<RequestAttachment>()
            .Where(a => a.RequestId == requestId)
            .Join(db.Set<BlobRecord>(), a => a.BlobId, b => b.Id, (a, b) => new { Attachment = a, b.DataKeyId })
            .ToListAsync(ct);
        foreach (var item in items)
        {
            await blobs.DestroyDataKeyAsync(db, item.DataKeyId, ct);
            await blobs.DeleteAsync(db, item.Attachment.BlobId, ct);
            db.Remove(item.Attachment);
        }

        await db.SaveChangesAsync(ct);
        return items.Count;
    }
}
