using System.Security.Cryptography;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Blobs;

/// <summary>
/// Encrypted blobs (attachments, recordings): content in the <see cref="IBlobStore"/>, encrypted (<see cref="BlobCipher"/>)
/// under the data key of the subject or organization it belongs to; the row (<see cref="BlobRecord"/>) in the database.
/// <para>
/// Crash safety (security.md §3): content is written (durably) before its row, so a crash leaves at worst an orphan
/// file, never a row that points at nothing; deletion removes the row before the content; <see cref="SweepOrphansAsync"/>
/// removes what a crash or a rolled-back transaction left behind. Crypto-shredding (security.md §4.8):
/// <see cref="DestroyDataKeyAsync"/> removes the only (wrapped) copy of a data key, after which no copy of the
/// owner's content, in the store or in any backup of it, can be decrypted. A database backup still holds the wrapped
/// copy; it becomes useless once the key-encryption key that wrapped it is destroyed (<see cref="KeyRotation"/>: at most
/// the rotation interval plus the KEK retention later), because that key lives only in the key store, outside the database.
/// </para>
/// </summary>
internal sealed class EncryptedBlobs(IBlobStore store, KeyEncryptionKeys keks, TimeProvider time)
{
    /// <summary>Orphans younger than this are left alone: their row may still be on its way (an open transaction).</summary>
    public static readonly Duration MinimumSweepGrace = Duration.FromMinutes(10);

    /// <summary>A sensible grace for the scheduled sweep: far longer than any transaction.</summary>
    public static readonly Duration DefaultSweepGrace = Duration.FromHours(24);

    /// <summary>Plaintext bytes per chunk for new blobs (tests use small ones to get many chunks).</summary>
    public int ChunkSize { get; init; } = BlobCipher.DefaultChunkSize;

    /// <summary>How many store keys the orphan sweep looks up in the database per query.</summary>
    public int SweepBatchSize { get; init; } = 500;

    /// <summary>
    /// Encrypts <paramref name="plaintext"/> (read to its end, not disposed) under <paramref name="owner"/>'s data key
    /// (created on first use), stores it, then adds its row and saves <paramref name="db"/>, together with any other
    /// pending changes of the context, in the caller's transaction if one is open. Memory use does not grow with size.
    /// The owner is a subject of the organization, or <see cref="DataKeyOwner.Organization"/> of that same organization.
    /// </summary>
    public async Task<BlobRecord> PutAsync(
        CustodianDbContext db, Guid organizationId, DataKeyOwner owner, Stream plaintext, string mediaType, CancellationToken ct)
    {
        var staged = await StageAsync(db, organizationId, owner, plaintext, mediaType, ct);
        if (!await AddStagedAsync(db, staged, ct))
        {
            throw new BlobUnreadableException(
                BlobUnreadableCodes.KeyDestroyed, $"data key {staged.Record.DataKeyId} was destroyed while the content was stored.");
        }

        return staged.Record;
    }

    /// <summary>
    /// The first half of <see cref="PutAsync"/>, for callers that must not hold a transaction while a slow client
    /// sends the content (on SQLite a transaction holds the one write lock): finds or creates the owner's data key
    /// (creating it is one short write of its own when no transaction is open), then encrypts and stores the content
    /// durably. Nothing refers to the content until <see cref="AddStagedAsync"/> adds its row; if that never happens
    /// the content is an orphan for <see cref="SweepOrphansAsync"/>.
    /// </summary>
    public async Task<StagedBlob> StageAsync(
        CustodianDbContext db, Guid organizationId, DataKeyOwner owner, Stream plaintext, string mediaType, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(plaintext);
        ArgumentException.ThrowIfNullOrWhiteSpace(mediaType);
        if (mediaType.Length > 255)
        {
            throw new ArgumentException("a media type is at most 255 characters", nameof(mediaType));
        }

        if (owner.Kind == DataKeyOwnerKind.Organization && owner.Id != organizationId)
        {
            throw new ArgumentException("an organization-owned blob must belong to that same organization", nameof(owner));
        }

        var key = await GetOrCreateDataKeyAsync(db, organizationId, owner, ct);
        var dataKey = Unwrap(key, blobId: null);
        try
        {
            var blobId = Guid.NewGuid();
            var storeKey = BlobStoreKeys.NewKey();
            await using var encrypting = new BlobEncryptingStream(plaintext, dataKey, key.Id, blobId, ChunkSize);
            CryptographicOperations.ZeroMemory(dataKey);

            // Content first: once PutAsync returns it is durable under its final name.
            await store.PutAsync(storeKey, encrypting, ct);

            return new StagedBlob(
                new BlobRecord
                {
                    Id = blobId,
                    OrganizationId = organizationId,
                    DataKeyId = key.Id,
                    StoreKey = storeKey,
                    Size = encrypting.PlaintextLength,
                    StoredSize = encrypting.CiphertextLength,
                    CiphertextSha256 = encrypting.Sha256,
                    MediaType = mediaType,
                    CreatedAt = Now(),
                });
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>
    /// The second half of <see cref="PutAsync"/>: adds the staged content's row and saves <paramref name="db"/> (in the
    /// caller's transaction if one is open). False, and nothing added, when the data key was destroyed (the owner
    /// erased) after the content was staged: content of an erased owner must not get a row.
    /// </summary>
    public static async Task<bool> AddStagedAsync(CustodianDbContext db, StagedBlob staged, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(staged);
        if (!await db.Set<DataKey>().AnyAsync(k => k.Id == staged.Record.DataKeyId && k.DestroyedAt == null, ct))
        {
            return false;
        }

        // If this fails the content is an orphan for the sweep; it is not deleted here, because a failed commit
        // acknowledgement can hide a row that did get written.
        db.Set<BlobRecord>().Add(staged.Record);
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>
    /// Deletes staged content whose row the caller knows was never committed (its transaction failed before the commit,
    /// e.g. on a constraint): not after a failed commit, whose row may exist. Best effort: what is left is an orphan for
    /// <see cref="SweepOrphansAsync"/>.
    /// </summary>
    public async Task DiscardStagedAsync(StagedBlob staged, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(staged);
        try
        {
            await store.DeleteAsync(staged.Record.StoreKey, ct);
        }
        catch (IOException)
        {
            // Left for the orphan sweep.
        }
    }

    /// <summary>
    /// Removes <paramref name="owner"/>'s data keys that no blob refers to: for an owner no one else can be using (the
    /// record being created is itself the owner) whose create failed after <see cref="StageAsync"/> made its key.
    /// </summary>
    public static Task<int> RemoveUnusedDataKeysAsync(CustodianDbContext db, Guid organizationId, DataKeyOwner owner, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Set<DataKey>()
            .Where(k => k.OrganizationId == organizationId && k.OwnerKind == owner.Kind && k.OwnerId == owner.Id
                && !db.Set<BlobRecord>().Any(b => b.DataKeyId == k.Id))
            .ExecuteDeleteAsync(ct);
    }

    /// <summary>
    /// Opens a blob's plaintext for reading. Throws <see cref="BlobUnreadableException"/> when it cannot be read
    /// (<see cref="BlobUnreadableCodes"/>: not found, key destroyed, key unusable, content missing, tampered). Damage
    /// past the first chunk is reported by the read that reaches it: treat the content as valid only once it was read
    /// to its end without an exception. Does not check the tenant: the caller has already done so for the row.
    /// </summary>
    public async Task<Stream> OpenReadAsync(CustodianDbContext db, Guid blobId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var row = await db.Set<BlobRecord>().AsNoTracking()
            .Where(b => b.Id == blobId)
            .Join(db.Set<DataKey>(), b => b.DataKeyId, k => k.Id, (b, k) => new { Blob = b, Key = k })
            .SingleOrDefaultAsync(ct)
            ?? throw new BlobUnreadableException(BlobUnreadableCodes.NotFound, $"blob {blobId} does not exist.");

        var dataKey = Unwrap(row.Key, blobId);
        try
        {
            var ciphertext = await store.OpenReadAsync(row.Blob.StoreKey, ct)
                ?? throw new BlobUnreadableException(
                    BlobUnreadableCodes.ContentMissing, $"blob {blobId} is unreadable: the content store has no content for it.");
            return await BlobDecryptingStream.OpenAsync(ciphertext, dataKey, row.Key.Id, blobId, row.Blob.CiphertextSha256, ct);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>The owner's live data key in the organization, or null if it has none (never had one, or it was destroyed).</summary>
    public static Task<DataKey?> FindLiveDataKeyAsync(CustodianDbContext db, Guid organizationId, DataKeyOwner owner, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Set<DataKey>().AsNoTracking()
            .SingleOrDefaultAsync(
                k => k.OrganizationId == organizationId && k.OwnerKind == owner.Kind && k.OwnerId == owner.Id && k.DestroyedAt == null,
                ct);
    }

    /// <summary>
    /// Crypto-shreds a data key: removes its wrapped bytes and sets <c>destroyed_at</c>, in the caller's transaction
    /// (where the caller also appends the audit event). Once committed, every blob under the key is unreadable for good
    /// with the live database. Copies of the wrapped key in database backups stay unwrappable until their key-encryption
    /// key is destroyed by <see cref="KeyRotation.DestroyRetiredAsync"/>. Blob rows and contents are left for the caller to delete.
    /// </summary>
    public async Task<DataKeyDestruction> DestroyDataKeyAsync(CustodianDbContext db, Guid dataKeyId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var now = Now();
        var destroyed = await db.Set<DataKey>()
            .Where(k => k.Id == dataKeyId && k.DestroyedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(k => k.WrappedKey, (byte[]?)null).SetProperty(k => k.DestroyedAt, now), ct);
        if (destroyed == 1)
        {
            return DataKeyDestruction.Destroyed;
        }

        return await db.Set<DataKey>().AnyAsync(k => k.Id == dataKeyId, ct)
            ? DataKeyDestruction.AlreadyDestroyed
            : DataKeyDestruction.NotFound;
    }

    /// <summary>
    /// Deletes a blob: the row first, then the content. Inside an open transaction only the row is deleted (a rollback
    /// must find its content still there); the content is then removed by the next <see cref="SweepOrphansAsync"/>,
    /// and the result says so.
    /// </summary>
    public async Task<BlobDeletion> DeleteAsync(CustodianDbContext db, Guid blobId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var storeKey = await db.Set<BlobRecord>().Where(b => b.Id == blobId).Select(b => b.StoreKey).SingleOrDefaultAsync(ct);
        if (storeKey is null || await db.Set<BlobRecord>().Where(b => b.Id == blobId).ExecuteDeleteAsync(ct) == 0)
        {
            return BlobDeletion.NotFound;
        }

        if (db.Database.CurrentTransaction is not null)
        {
            return BlobDeletion.RowDeletedContentLeftForSweep;
        }

        await store.DeleteAsync(storeKey, ct);
        return BlobDeletion.Deleted;
    }

    /// <summary>
    /// Removes content that no row refers to and that is older than <paramref name="grace"/> (at least
    /// <see cref="MinimumSweepGrace"/>, longer than any transaction that stores a blob), and writes that never completed.
    /// Safe to run at any time and on several nodes; run it under a job lease to avoid duplicate work.
    /// </summary>
    public async Task<OrphanSweepResult> SweepOrphansAsync(CustodianDbContext db, Duration grace, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (grace < MinimumSweepGrace)
        {
            throw new ArgumentOutOfRangeException(nameof(grace), grace, $"the grace period must be at least {MinimumSweepGrace}");
        }

        var cutoff = time.GetUtcNow() - grace.ToTimeSpan();
        var examined = 0;
        var removed = 0;
        var batch = new List<string>(Math.Max(1, SweepBatchSize));
        await foreach (var entry in store.ListAsync(ct))
        {
            examined++;
            if (entry.LastModified < cutoff)
            {
                batch.Add(entry.Key);
                if (batch.Count >= SweepBatchSize)
                {
                    removed += await RemoveUnreferencedAsync(db, batch, ct);
                    batch.Clear();
                }
            }
        }

        removed += await RemoveUnreferencedAsync(db, batch, ct);
        var incomplete = await store.RemoveIncompleteWritesAsync(cutoff, ct);
        return new OrphanSweepResult(examined, removed, incomplete);
    }

    private async Task<int> RemoveUnreferencedAsync(CustodianDbContext db, List<string> keys, CancellationToken ct)
    {
        if (keys.Count == 0)
        {
            return 0;
        }

        var referenced = (await db.Set<BlobRecord>().AsNoTracking()
            .Where(b => keys.Contains(b.StoreKey))
            .Select(b => b.StoreKey)
            .ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
        var removed = 0;
        foreach (var key in keys.Where(k => !referenced.Contains(k)))
        {
            if (await store.DeleteAsync(key, ct))
            {
                removed++;
            }
        }

        return removed;
    }

    private async Task<DataKey> GetOrCreateDataKeyAsync(CustodianDbContext db, Guid organizationId, DataKeyOwner owner, CancellationToken ct)
    {
        if (await FindLiveDataKeyAsync(db, organizationId, owner, ct) is { } existing)
        {
            return existing;
        }

        var id = Guid.NewGuid();
        var raw = RandomNumberGenerator.GetBytes(BlobCipher.KeyLength);
        var wrapped = keks.Wrap(raw, new DataKeyIdentity(id, organizationId, owner));
        var key = new DataKey
        {
            Id = id,
            OrganizationId = organizationId,
            OwnerKind = owner.Kind,
            OwnerId = owner.Id,
            WrappedKey = wrapped.Bytes,
            KekId = wrapped.KekId,
            CreatedAt = Now(),
        };
        CryptographicOperations.ZeroMemory(raw);

        var entry = db.Set<DataKey>().Add(key);
        try
        {
            await db.SaveChangesAsync(ct);
            entry.State = EntityState.Detached;
            return key;
        }
        catch (DbUpdateException ex) when (DatabaseErrors.IsUniqueViolation(ex))
        {
            // Another writer created the owner's key first (the unique index on live keys decided). Inside a
            // transaction EF rolled back to its savepoint, so the transaction is still usable; use the winner's key.
            entry.State = EntityState.Detached;
            return await FindLiveDataKeyAsync(db, organizationId, owner, ct)
                ?? throw new InvalidOperationException("a live data key was created concurrently but cannot be found", ex);
        }
    }

    /// <summary>The raw data key of a live key row; the caller zeroes it after use.</summary>
    private byte[] Unwrap(DataKey key, Guid? blobId)
    {
        var subject = blobId is { } id ? $"blob {id}" : $"data key {key.Id}";
        if (key.DestroyedAt is not null || key.WrappedKey is null)
        {
            throw new BlobUnreadableException(
                BlobUnreadableCodes.KeyDestroyed, $"{subject} is unreadable: its data key {key.Id} was destroyed.");
        }

        return keks.TryUnwrap(key.KekId, key.WrappedKey, key.Identity)
            ?? throw new BlobUnreadableException(
                BlobUnreadableCodes.KeyUnusable,
                $"{subject} is unreadable: data key {key.Id} does not unwrap with key-encryption key '{key.KekId}' " +
                "(the key-encryption key is not in the key store: destroyed, or another installation's key store; or a damaged key row).");
    }

    private Instant Now() => Instant.FromDateTimeOffset(time.GetUtcNow());
}

/// <summary>Content stored by <see cref="EncryptedBlobs.StageAsync"/>: its row, not yet added.</summary>
internal sealed record StagedBlob(BlobRecord Record);

internal enum DataKeyDestruction
{
    Destroyed,
    AlreadyDestroyed,
    NotFound,
}

internal enum BlobDeletion
{
    NotFound,

    /// <summary>Row and content are gone.</summary>
    Deleted,

    /// <summary>The row is deleted in the caller's open transaction; the content goes with the next orphan sweep.</summary>
    RowDeletedContentLeftForSweep,
}

/// <param name="Examined">Contents listed in the store.</param>
/// <param name="OrphansRemoved">Contents older than the grace period that no row referred to, now removed.</param>
/// <param name="IncompleteWritesRemoved">Temporary files of writes that never completed, now removed.</param>
internal sealed record OrphanSweepResult(int Examined, int OrphansRemoved, int IncompleteWritesRemoved);
