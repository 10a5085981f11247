using System.Globalization;
using System.Linq.Expressions;
using System.Security.Cryptography;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Core.Features.Blobs;

/// <summary>
/// Rotation of the key-encryption keys (KEKs) in the key store, which is what makes crypto-shredding hold for database
/// backups (security.md §4.8, G4.10): a backup keeps the wrapped copy of every data key destroyed after it was taken;
/// once the KEK that wrapped that copy is destroyed, the copy is noise.
/// <list type="number">
/// <item><see cref="RotateAsync"/>: a new KEK becomes current, the previous one is retired, and every live data key is
/// re-wrapped under the new KEK (batches, each its own transaction; a row is updated only if it is still live and under
/// the KEK it was read with, so a concurrent destruction wins).</item>
/// <item><see cref="DestroyRetiredAsync"/>: a KEK retired longer than the KEK retention ago is destroyed, after its last
/// rows (a process that had not reloaded may have used it) are re-wrapped. Data keys destroyed before are not re-wrapped:
/// their only remaining copies are in backups, and those now die with the KEK.</item>
/// </list>
/// So a data key destroyed at time t is unrecoverable from every database backup by t + rotation interval + KEK retention,
/// provided key-store backups are not kept (see README, "Keys and backups"). The KEK retention must cover the database
/// backup retention: a backup needs the KEKs that were current when it was taken.
/// <para>
/// Several processes may share the key store and database: the scheduled job runs under the <see cref="LeaseName"/>
/// lease (<see cref="RunScheduledAsync"/>), and so do the operator commands.
/// </para>
/// </summary>
internal sealed class KeyRotation(KekStore store, KeyEncryptionKeys keks, IAuditTrail audit, TimeProvider time)
{
    /// <summary>How often the scheduled job makes a new KEK.</summary>
    public static readonly Duration DefaultRotationInterval = Duration.FromDays(30);

    /// <summary>How long a retired KEK is kept: the documented database-backup retention (a backup needs its KEKs).</summary>
    public static readonly Duration DefaultKekRetention = Duration.FromDays(35);

    /// <summary>
    /// The shortest KEK retention accepted. Far longer than <see cref="KeyEncryptionKeys.RefreshInterval"/> and any
    /// transaction, so no process still wraps new data keys with a KEK about to be destroyed. Anything below the database
    /// backup retention makes older backups unrestorable (all of their data, not only the shredded keys).
    /// </summary>
    public static readonly Duration MinimumKekRetention = Duration.FromHours(1);

    /// <summary>The job lease that keeps rotations and destructions of several processes apart.</summary>
    public const string LeaseName = "keys.rotation";

    /// <summary>How long one holder keeps the lease without renewing it (renewed after every re-wrap batch).</summary>
    public static readonly Duration LeaseLength = Duration.FromMinutes(30);

    /// <summary>Data keys re-wrapped per transaction.</summary>
    public int BatchSize { get; init; } = 500;

    /// <summary>Test hook: called with a batch's key ids after they were read and re-wrapped in memory, before the write.</summary>
    internal Func<IReadOnlyList<Guid>, CancellationToken, Task>? BeforeBatchWrite { get; init; }

    /// <summary>
    /// Rotates now: creates a KEK, makes it current, retires the older active ones (retired-at = now), appends
    /// <c>key.rotated</c>, then re-wraps every live data key not under the new KEK. Call under the lease
    /// (<see cref="TryAcquireLeaseAsync"/>) and pass its holder so long re-wraps renew it.
    /// </summary>
    public async Task<KekRotationResult> RotateAsync(CustodianDbContext db, AuditActor actor, string? leaseHolder, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        db.ScopeTo(TenantScope.Everything);
        var now = Now();
        var before = store.Load();
        var newId = KekStore.NewId(now);
        List<string> retired;
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            // Audit first (fail closed: no rotation when the event cannot be written), then the key-store change, then
            // commit. The key store is not transactional: if the commit fails after the files changed, the rotation
            // stands unaudited; the operator sees the error.
            var retiring = before.Where(k => k.State == KekState.Active).ToList();
            await audit.AppendAsync(
                db,
                new AuditEntry(
                    "key.rotated",
                    actor,
                    null,
                    [new AuditObject("kek", newId), .. retiring.Select(k => new AuditObject("kek", k.Id))],
                    Details: new Dictionary<string, string>
                    {
                        ["current"] = newId,
                        ["retired"] = string.Join(' ', retiring.Select(k => k.Id)),
                    }),
                ct);
            store.Create(now, newId);
            retired = [.. retiring.Select(k => store.Retire(k, now).Id)];
            await tx.CommitAsync(ct);
        }

        keks.Reload();
        var rewrap = await RewrapAsync(db, leaseHolder, ct);
        return new KekRotationResult(newId, retired, rewrap);
    }

    /// <summary>
    /// Re-wraps every live data key that is not under the current KEK (the legacy derived KEK's rows, rows of retired
    /// KEKs, rows a process wrote before it noticed a rotation). Rows that do not unwrap (their KEK is not in the store,
    /// or damage) are left as they are and counted.
    /// </summary>
    public async Task<RewrapResult> RewrapAsync(CustodianDbContext db, string? leaseHolder, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        db.ScopeTo(TenantScope.Everything);
        keks.Reload();
        var target = keks.CurrentKekId;
        return await RewrapWhereAsync(db, k => k.KekId != target, target, leaseHolder, ct);
    }

    /// <summary>
    /// Destroys every retired KEK whose retirement is at least <paramref name="retention"/> old (at least
    /// <see cref="MinimumKekRetention"/>): re-wraps its remaining live rows first, then appends <c>key.kek_destroyed</c>
    /// and destroys the file. A KEK whose rows could not all be re-wrapped (a writer kept using it) is kept for the
    /// next run; rows that never unwrapped with it are lost either way and do not hold it back.
    /// </summary>
    public async Task<IReadOnlyList<KekDestruction>> DestroyRetiredAsync(
        CustodianDbContext db, Duration retention, AuditActor actor, string? leaseHolder, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        if (retention < MinimumKekRetention)
        {
            throw new ArgumentOutOfRangeException(nameof(retention), retention, $"the KEK retention must be at least {MinimumKekRetention}");
        }

        db.ScopeTo(TenantScope.Everything);
        keks.Reload();
        var now = Now();
        var due = store.Load().Where(k => k.State == KekState.Retired && k.RetiredAt!.Value + retention <= now).ToList();
        var results = new List<KekDestruction>();
        foreach (var kek in due)
        {
            var id = kek.Id;
            var rewrap = await RewrapWhereAsync(db, k => k.KekId == id, target: null, leaseHolder, ct);
            var remaining = await db.Set<DataKey>().CountAsync(k => k.KekId == id && k.DestroyedAt == null, ct);
            if (remaining > rewrap.Unreadable)
            {
                results.Add(new KekDestruction(id, Destroyed: false, rewrap, remaining));
                continue;
            }

            await using (var tx = await db.Database.BeginTransactionAsync(ct))
            {
                await audit.AppendAsync(
                    db,
                    new AuditEntry(
                        "key.kek_destroyed",
                        actor,
                        null,
                        [new AuditObject("kek", id)],
                        Details: new Dictionary<string, string>
                        {
                            ["created"] = InstantPattern.ExtendedIso.Format(kek.CreatedAt),
                            ["retired"] = InstantPattern.ExtendedIso.Format(kek.RetiredAt!.Value),
                            ["rewrapped"] = rewrap.Rewrapped.ToString(CultureInfo.InvariantCulture),
                            ["unreadable"] = rewrap.Unreadable.ToString(CultureInfo.InvariantCulture),
                        }),
                    ct);
                store.Destroy(id);
                await tx.CommitAsync(ct);
            }

            results.Add(new KekDestruction(id, Destroyed: true, rewrap, remaining));
        }

        keks.Reload();
        return results;
    }

    /// <summary>
    /// The scheduled job (hourly in <c>serve</c>): under the lease, rotates when the current KEK is at least
    /// <paramref name="rotationInterval"/> old, otherwise re-wraps stragglers not under the current KEK; then destroys
    /// retired KEKs past <paramref name="retention"/>. Returns null when another process holds the lease.
    /// </summary>
    public async Task<ScheduledKeyWork?> RunScheduledAsync(
        CustodianDbContext db, Duration rotationInterval, Duration retention, string holder, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (rotationInterval <= Duration.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(rotationInterval), rotationInterval, "the rotation interval must be positive");
        }

        if (!await TryAcquireLeaseAsync(db, holder, ct))
        {
            return null;
        }

        try
        {
            var actor = new AuditActor(AuditActorKind.System, "job:keys.rotation");
            keks.Reload();
            var current = KekStore.Current(store.Load());
            KekRotationResult? rotation = null;
            RewrapResult? rewrap = null;
            if (current is null || current.CreatedAt + rotationInterval <= Now())
            {
                rotation = await RotateAsync(db, actor, holder, ct);
            }
            else
            {
                rewrap = await RewrapAsync(db, holder, ct);
            }

            var destroyed = await DestroyRetiredAsync(db, retention, actor, holder, ct);
            return new ScheduledKeyWork(rotation, rewrap, destroyed);
        }
        finally
        {
            await ReleaseLeaseAsync(db, holder, CancellationToken.None);
        }
    }

    public Task<bool> TryAcquireLeaseAsync(CustodianDbContext db, string holder, CancellationToken ct)
    {
        var now = Now();
        return JobLeases.TryAcquireAsync(db, LeaseName, holder, now + LeaseLength, now, ct);
    }

    public Task<bool> ReleaseLeaseAsync(CustodianDbContext db, string holder, CancellationToken ct) =>
        JobLeases.ReleaseAsync(db, LeaseName, holder, Now(), ct);

    /// <summary>
    /// The KEKs in <paramref name="store"/> with how many live data keys each wraps, and what is outside the store. Reads
    /// only: unlike the ring, it never creates a KEK.
    /// </summary>
    public static async Task<KeyStoreStatus> StatusAsync(KekStore store, CustodianDbContext db, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(db);
        db.ScopeTo(TenantScope.Everything);
        var inStore = store.Load();
        var live = (await db.Set<DataKey>().AsNoTracking()
                .Where(k => k.DestroyedAt == null)
                .GroupBy(k => k.KekId)
                .Select(g => new { KekId = g.Key, Count = g.Count() })
                .ToListAsync(ct))
            .ToDictionary(x => x.KekId, x => x.Count, StringComparer.Ordinal);
        var destroyed = await db.Set<DataKey>().CountAsync(k => k.DestroyedAt != null, ct);
        var current = KekStore.Current(inStore);
        var keks = inStore
            .Select(k => new KekStatus(k.Id, k.CreatedAt, k.State, k.RetiredAt, k.Id == current?.Id, live.GetValueOrDefault(k.Id)))
            .ToList();
        var known = inStore.Select(k => k.Id).ToHashSet(StringComparer.Ordinal);
        var outside = live.Where(p => !known.Contains(p.Key)).OrderBy(p => p.Key, StringComparer.Ordinal)
            .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        return new KeyStoreStatus(store.Folder, now, keks, outside, destroyed);
    }

    private async Task<RewrapResult> RewrapWhereAsync(
        CustodianDbContext db, Expression<Func<DataKey, bool>> which, string? target, string? leaseHolder, CancellationToken ct)
    {
        // Rows that did not unwrap, or that changed under us, are skipped from then on so the loop always ends; there
        // are few of them (damage, a concurrent destruction or re-wrap). Every other row leaves the predicate once updated.
        var skip = new List<Guid>();
        int rewrapped = 0, lost = 0, unreadable = 0;
        while (true)
        {
            var batch = await db.Set<DataKey>().AsNoTracking()
                .Where(k => k.DestroyedAt == null && k.WrappedKey != null)
                .Where(which)
                .Where(k => !skip.Contains(k.Id))
                .OrderBy(k => k.CreatedAt)
                .Take(BatchSize)
                .Select(k => new { k.Id, k.OrganizationId, k.OwnerKind, k.OwnerId, k.KekId, k.WrappedKey })
                .ToListAsync(ct);
            if (batch.Count == 0)
            {
                break;
            }

            var updates = new List<(Guid Id, string OldKekId, WrappedDataKey New)>(batch.Count);
            foreach (var row in batch)
            {
                var identity = new DataKeyIdentity(row.Id, row.OrganizationId, new DataKeyOwner(row.OwnerKind, row.OwnerId));
                var raw = keks.TryUnwrap(row.KekId, row.WrappedKey, identity);
                if (raw is null)
                {
                    unreadable++;
                    skip.Add(row.Id);
                    continue;
                }

                try
                {
                    var rewrappedKey = keks.Wrap(raw, identity);
                    if (target is not null && rewrappedKey.KekId != target)
                    {
                        // Another rotation made a newer KEK meanwhile (outside the lease); its own re-wrap takes over.
                        return new RewrapResult(rewrapped, lost, unreadable, Superseded: true);
                    }

                    updates.Add((row.Id, row.KekId, rewrappedKey));
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(raw);
                }
            }

            if (BeforeBatchWrite is { } hook)
            {
                await hook([.. updates.Select(u => u.Id)], ct);
            }

            await using (var tx = await db.Database.BeginTransactionAsync(ct))
            {
                foreach (var (id, oldKekId, wrapped) in updates)
                {
                    var n = await db.Set<DataKey>()
                        .Where(k => k.Id == id && k.KekId == oldKekId && k.DestroyedAt == null)
                        .ExecuteUpdateAsync(s => s.SetProperty(k => k.WrappedKey, wrapped.Bytes).SetProperty(k => k.KekId, wrapped.KekId), ct);
                    if (n == 1)
                    {
                        rewrapped++;
                    }
                    else
                    {
                        lost++;
                        skip.Add(id);
                    }
                }

                await tx.CommitAsync(ct);
            }

            if (leaseHolder is not null)
            {
                // A lost renewal means the lease expired and another holder took it; it does the same idempotent work,
                // and the conditional updates keep both correct, so carry on.
                _ = await TryAcquireLeaseAsync(db, leaseHolder, ct);
            }
        }

        return new RewrapResult(rewrapped, lost, unreadable, Superseded: false);
    }

    private Instant Now() => Instant.FromDateTimeOffset(time.GetUtcNow());
}

/// <param name="Rewrapped">Data keys now under the target KEK.</param>
/// <param name="ChangedConcurrently">Rows destroyed or re-wrapped by someone else between the read and the write (they win).</param>
/// <param name="Unreadable">Rows that did not unwrap (their KEK is not in the key store, or damage); left unchanged.</param>
/// <param name="Superseded">Stopped because a newer KEK appeared meanwhile.</param>
internal sealed record RewrapResult(int Rewrapped, int ChangedConcurrently, int Unreadable, bool Superseded);

internal sealed record KekRotationResult(string CurrentKekId, IReadOnlyList<string> RetiredKekIds, RewrapResult Rewrap);

/// <param name="KekId">The retired KEK past retention.</param>
/// <param name="Destroyed">Whether it was destroyed (false: rows still used it after the re-wrap; retried next run).</param>
/// <param name="Rewrap">The last re-wrap of its rows.</param>
/// <param name="RemainingDataKeys">Live rows still under it after the re-wrap (only unreadable ones when destroyed).</param>
internal sealed record KekDestruction(string KekId, bool Destroyed, RewrapResult Rewrap, int RemainingDataKeys);

internal sealed record ScheduledKeyWork(KekRotationResult? Rotation, RewrapResult? Rewrap, IReadOnlyList<KekDestruction> Destructions);

internal sealed record KekStatus(string Id, Instant CreatedAt, KekState State, Instant? RetiredAt, bool Current, int LiveDataKeys);

/// <param name="Folder">The key store folder.</param>
/// <param name="Now">When the status was taken (ages are relative to it).</param>
/// <param name="Keks">The KEKs in the store, oldest first.</param>
/// <param name="LiveDataKeysOutsideStore">Live data keys under KEK ids the store does not hold (the legacy derived
/// <c>blob-kek/v1</c>, or a missing or foreign key store), by KEK id.</param>
/// <param name="DestroyedDataKeys">Data keys destroyed (crypto-shredded) so far.</param>
internal sealed record KeyStoreStatus(
    string Folder, Instant Now, IReadOnlyList<KekStatus> Keks, IReadOnlyDictionary<string, int> LiveDataKeysOutsideStore, int DestroyedDataKeys);
