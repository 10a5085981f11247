using System.Globalization;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Retention;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Store;

/// <summary>What a content download hands the endpoint: the record, and its decrypted content to stream (dispose it).</summary>
internal sealed record ContentRead(IContentRecord Record, Stream Content);

/// <summary>
/// The store's records with encrypted content: ticket attachments, support-line recordings and customers' own call
/// recordings. A create validates the metadata, resolves the owner (tenant filter: another tenant's ticket is "not
/// found"), then streams the checked content into the blob store under the record's data key, and adds the record,
/// its blob row, its look-up index rows and its audit event in one short transaction. If anything fails the
/// transaction rolls back; the content written so far is an orphan for the blob sweep (<see cref="EncryptedBlobs.SweepOrphansAsync"/>).
/// </summary>
/// <remarks>
/// The content streams before the transaction, not inside it (see <c>CreateAsync</c>): the rows still commit only
/// with their content, which is durable before its row, and a slow upload does not hold SQLite's write lock.
/// </remarks>
internal sealed class StoreContentCommands(
    CustodianDbContext db, StoreTransactions transactions, StoreCommands store, EncryptedBlobs blobs, TimeProvider time)
{
    private Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());

    public Task<StoreResult<SupportTicketAttachment>> AttachAsync(
        StoreCaller caller, Guid ticketId, UploadContent content, Func<SupportTicketAttachment, CancellationToken, Task>? beforeCommit, CancellationToken ct) =>
        CreateAsync(
            caller,
            async c =>
            {
                var organizationId = await db.SupportTickets.AsNoTracking().Where(t => t.Id == ticketId).Select(t => (Guid?)t.OrganizationId).FirstOrDefaultAsync(c);
                if (organizationId is null)
                {
                    return StoreErrors.NotFound("support_ticket");
                }

                return new SupportTicketAttachment { OrganizationId = organizationId.Value, TicketId = ticketId, CreatedAt = Now };
            },
            content,
            beforeCommit,
            ct);

    public Task<StoreResult<SupportCallRecording>> CreateSupportCallRecordingAsync(
        StoreCaller caller, SupportCallRecordingInput input, UploadContent content, Func<SupportCallRecording, CancellationToken, Task>? beforeCommit, CancellationToken ct) =>
        CreateAsync(
            caller,
            async c =>
            {
                var v = store.NewValidator();
                var apply = input.Validate(v);
                var organizationId = await store.ResolveOwnerAsync(caller, input, v, c);
                if (input.ParsedTicketId is { } ticketId && organizationId is { } owner
                    && !await db.SupportTickets.AnyAsync(t => t.Id == ticketId && t.OrganizationId == owner, c))
                {
                    // Through the tenant filter: another organisation's ticket is as unknown as a missing one.
                    v.Add(UploadHeaders.TicketId, "support_ticket.not_found", "There is no support ticket with this id in the recording's organisation.");
                }

                if (!v.IsValid || apply is null || organizationId is null)
                {
                    return HeaderErrors(v);
                }

                var recording = new SupportCallRecording { OrganizationId = organizationId.Value, CreatedAt = Now };
                apply(recording);
                return recording;
            },
            content,
            beforeCommit,
            ct);

    public Task<StoreResult<CustomerCallRecording>> CreateCustomerCallRecordingAsync(
        StoreCaller caller, CustomerCallRecordingInput input, UploadContent content, Func<CustomerCallRecording, CancellationToken, Task>? beforeCommit, CancellationToken ct) =>
        CreateAsync(
            caller,
            async c =>
            {
                var v = store.NewValidator();
                var apply = input.Validate(v);
                var organizationId = await store.ResolveOwnerAsync(caller, input, v, c);
                if (!v.IsValid || apply is null || organizationId is null)
                {
                    return HeaderErrors(v);
                }

                var enabled = await db.Organizations.Where(o => o.Id == organizationId).Select(o => o.CallRecordingEnabled).FirstOrDefaultAsync(c);
                if (!enabled)
                {
                    return new ConflictError(
                        "customer_call_recording.feature_not_enabled",
                        "This organisation does not have the call-recording feature ('callRecordingEnabled' is false), so its call recordings are not accepted.");
                }

                var recording = new CustomerCallRecording { OrganizationId = organizationId.Value, CreatedAt = Now };
                apply(recording);
                return recording;
            },
            content,
            beforeCommit,
            ct);

    /// <summary>A page of one ticket's attachments (404 for a ticket the caller cannot see).</summary>
    public async Task<StoreResult<IReadOnlyList<SupportTicketAttachment>>> ListAttachmentsAsync(
        StoreCaller caller, Guid ticketId, Guid? after, int limit, CancellationToken ct)
    {
        limit = Math.Clamp(limit, 1, StoreCommands.MaxPageSize);
        var page = await transactions.ReadAsync(
            async c =>
            {
                if (!await db.SupportTickets.AnyAsync(t => t.Id == ticketId, c))
                {
                    return null;
                }

                var query = db.Set<SupportTicketAttachment>().AsNoTracking().Where(a => a.TicketId == ticketId);
                if (after is { } a)
                {
                    query = query.Where(r => r.Id.CompareTo(a) > 0);
                }

                return (IReadOnlyList<SupportTicketAttachment>)await query.OrderBy(r => r.Id).Take(limit).ToListAsync(c);
            },
            p => p is null || p.Count == 0
                ? null
                : new AuditEntry(
                    "support_ticket_attachment.listed",
                    caller.Actor,
                    caller.TenantId,
                    [new AuditObject("support_ticket", ticketId.ToString()), .. p.Select(r => new AuditObject(r.RecordType, r.Id.ToString()))]),
            ct);
        return page is null ? StoreErrors.NotFound("support_ticket") : StoreResult<IReadOnlyList<SupportTicketAttachment>>.Success(page);
    }

    /// <summary>
    /// Opens a record's decrypted content for streaming. The <c>&lt;type&gt;.content_viewed</c> event is appended and
    /// committed before this returns, after the content was found readable: if the event cannot be written, nothing is
    /// returned (fail closed). A record whose data key was destroyed gives 410 <c>&lt;type&gt;.content_erased</c>.
    /// </summary>
    public async Task<StoreResult<ContentRead>> OpenContentAsync<T>(StoreCaller caller, Guid id, CancellationToken ct)
        where T : TenantRecord, IContentRecord
    {
        var type = RecordTypes.NameOf(typeof(T));
        // No transaction: the look-ups need not be atomic with the event (nothing is changed), only the event must be
        // durable before the content goes out (StoreTransactions.ReadAsync says why).
        var record = await db.Set<T>().AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, ct);
        if (record is null)
        {
            return StoreErrors.NotFound(type);
        }

        if (await ProcessingRestrictions.RestrictsAsync(db, record, Now, ct))
        {
            return ProcessingRestrictions.Error(type);
        }

        Stream content;
        try
        {
            content = await blobs.OpenReadAsync(db, record.ContentBlobId, ct);
        }
        catch (BlobUnreadableException ex) when (ex.Code == BlobUnreadableCodes.KeyDestroyed)
        {
            return new GoneError($"{type}.content_erased", "The content of this record was erased (its encryption key was destroyed); it cannot be returned.");
        }

        try
        {
            await transactions.RecordReadAsync(StoreCommands.Audit(caller, $"{type}.content_viewed", record.OrganizationId, record), ct);
        }
        catch
        {
            await content.DisposeAsync();
            throw;
        }

        return new ContentRead(record, content);
    }

    /// <summary>
    /// Validate, stream, then commit briefly. The content arrives at the client's pace, so no transaction is open while
    /// it streams: on SQLite a transaction holds the database's one write lock, and a slow upload would stop every
    /// other writer. So: <paramref name="prepare"/> validates and resolves the owner (reads); the blob store stages the
    /// encrypted content (creating the owner's data key first, a short write of its own); then one short transaction
    /// checks <paramref name="prepare"/> again (the ticket, the owner or the feature flag may have changed meanwhile),
    /// adds the blob row, the record, its audit event and the idempotency record, and commits. Content of a failed
    /// create is an orphan for <see cref="EncryptedBlobs.SweepOrphansAsync"/>.
    /// </summary>
    private async Task<StoreResult<T>> CreateAsync<T>(
        StoreCaller caller,
        Func<CancellationToken, Task<StoreResult<T>>> prepare,
        UploadContent content,
        Func<T, CancellationToken, Task>? beforeCommit,
        CancellationToken ct)
        where T : TenantRecord, IContentRecord
    {
        var prepared = await prepare(ct);
        if (!prepared.IsSuccess)
        {
            return prepared;
        }

        var record = prepared.Value;
        var committed = false;
        try
        {
            var staged = await blobs.StageAsync(db, record.OrganizationId, record.ContentKeyOwner, content, content.Type.MediaType, ct);
            var result = await StoreCommands.Guard(() => transactions.WriteAsync<T>(
                async c =>
                {
                    var check = await prepare(c);
                    if (!check.IsSuccess)
                    {
                        return check;
                    }

                    if (check.Value.OrganizationId != record.OrganizationId)
                    {
                        return new ConflictError($"{record.RecordType}.owner_changed", "The record's organisation changed while the content arrived; nothing was stored. Send it again.");
                    }

                    if (!await EncryptedBlobs.AddStagedAsync(db, staged, c))
                    {
                        return new ConflictError($"{record.RecordType}.owner_erased", "The data this content belongs to was erased while the content arrived; nothing was stored.");
                    }

                    record.ContentBlobId = staged.Record.Id;
                    record.MediaType = staged.Record.MediaType;
                    record.ContentLength = staged.Record.Size;
                    db.Add(record);
                    return record;
                },
                r => new AuditEntry(
                    $"{r.RecordType}.created",
                    caller.Actor,
                    r.OrganizationId,
                    [new AuditObject(r.RecordType, r.Id.ToString()), new AuditObject("blob", r.ContentBlobId.ToString())],
                    Details: new Dictionary<string, string>
                    {
                        ["media_type"] = r.MediaType,
                        ["bytes"] = r.ContentLength.ToString(CultureInfo.InvariantCulture),
                    }),
                beforeCommit,
                ct));
            committed = result.IsSuccess;
            return result;
        }
        finally
        {
            // A recording's data key is its own (owner = the record's id): when the record was not stored, nobody
            // else can be using the key, so it does not stay behind without content. A ticket's key is shared; it stays.
            // (Also when the content failed part-way, e.g. too large: the key was made before it streamed.)
            if (!committed && record.ContentKeyOwner.Id == record.Id)
            {
                await EncryptedBlobs.RemoveUnusedDataKeysAsync(db, record.OrganizationId, record.ContentKeyOwner, CancellationToken.None);
            }
        }
    }

    /// <summary>Metadata arrives in headers: problems name the header, also for the owner resolved by the shared store code.</summary>
    private static ValidationError HeaderErrors(FieldValidator v) =>
        new([.. v.Errors.Select(e => e.Field == "organization" ? e with { Field = UploadHeaders.Organization } : e)]);
}
