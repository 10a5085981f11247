using System.Security.Cryptography;
using System.Text;
using Custodian.Core.Common;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Blobs;

/// <summary>Key-encryption key rotation and destruction: what makes crypto-shredding hold for database backups (security.md §4.8, G4.10).</summary>
public sealed class KeyRotationTests
{
    private static readonly Guid Org = Guid.Parse("00000000-0000-4000-8000-0000000000c1");
    private static readonly AuditActor Actor = new(AuditActorKind.Cli, "cli:test");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DataKeyOwner Subject(int n) => DataKeyOwner.Subject(Guid.Parse($"00000000-0000-4000-8000-{n:D12}"));

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        await using (stream)
        {
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, Ct);
            return buffer.ToArray();
        }
    }

    [Theory, AllEngines]
    public async Task RotateAsync_RewrapsEveryLiveKey_EverythingStaysReadable(Engine engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await using var db = h.Context();
        var records = new List<BlobRecord>();
        for (var i = 1; i <= 5; i++)
        {
            records.Add(await h.Blobs.PutAsync(db, Org, Subject(i), new MemoryStream(Encoding.UTF8.GetBytes($"blob {i}")), "text/plain", Ct));
        }

        var first = h.Keks.CurrentKekId;
        Assert.Equal(DataKeyDestruction.Destroyed, await h.Blobs.DestroyDataKeyAsync(db, records[4].DataKeyId, Ct));
        h.Time.Advance(TimeSpan.FromDays(30));
        var rotation = h.Rotation(batchSize: 2);

        var result = await rotation.RotateAsync(db, Actor, null, Ct);

        Assert.NotEqual(first, result.CurrentKekId);
        Assert.Equal(result.CurrentKekId, h.Keks.CurrentKekId);
        Assert.Equal([first], result.RetiredKekIds);
        Assert.Equal(new RewrapResult(4, 0, 0, false), result.Rewrap);
        var keks = h.KekStore.Load();
        var retired = keks.Single(k => k.Id == first);
        Assert.Equal(KekState.Retired, retired.State);
        Assert.Equal(h.Now, retired.RetiredAt);
        var rows = await db.Set<DataKey>().AsNoTracking().ToListAsync(Ct);
        Assert.All(rows.Where(r => r.DestroyedAt == null), r => Assert.Equal(result.CurrentKekId, r.KekId));
        var shredded = rows.Single(r => r.Id == records[4].DataKeyId);
        Assert.Null(shredded.WrappedKey);
        Assert.Equal(first, shredded.KekId);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal($"blob {i + 1}", Encoding.UTF8.GetString(await ReadAllAsync(await h.Blobs.OpenReadAsync(db, records[i].Id, Ct))));
        }

        // Another process that loaded the ring before the rotation reads the re-wrapped rows too (it reloads on the unknown id).
        var other = new EncryptedBlobs(h.BlobStore, new KeyEncryptionKeys(new KekStore(h.KeysFolder, h.Master), h.Master, h.Time), h.Time);
        Assert.Equal("blob 1", Encoding.UTF8.GetString(await ReadAllAsync(await other.OpenReadAsync(db, records[0].Id, Ct))));
        Assert.Equal(1, await db.Set<AuditEvent>().CountAsync(e => e.Action == "key.rotated", Ct));
    }

    [Theory, AllEngines]
    public async Task RotateAsync_ConcurrentDestroyDuringRewrap_StaysDestroyed(Engine engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await using var db = h.Context();
        var jan = await h.Blobs.PutAsync(db, Org, Subject(1), new MemoryStream([1]), "text/plain", Ct);
        var piet = await h.Blobs.PutAsync(db, Org, Subject(2), new MemoryStream([2]), "text/plain", Ct);
        var rotation = h.Rotation(batchSize: 10, beforeBatchWrite: async (ids, ct) =>
        {
            // The erasure commits between the rotation's read (and re-wrap in memory) and its write.
            Assert.Contains(jan.DataKeyId, ids);
            await using var eraser = h.Context();
            await using var tx = await eraser.Database.BeginTransactionAsync(ct);
            Assert.Equal(DataKeyDestruction.Destroyed, await h.Blobs.DestroyDataKeyAsync(eraser, jan.DataKeyId, ct));
            await tx.CommitAsync(ct);
        });

        var result = await rotation.RotateAsync(db, Actor, null, Ct);

        Assert.Equal(new RewrapResult(1, 1, 0, false), result.Rewrap);
        var row = await db.Set<DataKey>().AsNoTracking().SingleAsync(k => k.Id == jan.DataKeyId, Ct);
        Assert.Null(row.WrappedKey);
        Assert.NotNull(row.DestroyedAt);
        var ex = await Assert.ThrowsAsync<BlobUnreadableException>(() => h.Blobs.OpenReadAsync(db, jan.Id, Ct));
        Assert.Equal(BlobUnreadableCodes.KeyDestroyed, ex.Code);
        Assert.Equal([2], await ReadAllAsync(await h.Blobs.OpenReadAsync(db, piet.Id, Ct)));
    }

    /// <summary>
    /// G4.10: a backup of the database taken before an erasure, restored after the KEK retention together with the
    /// key store as it is then, yields no readable data key and no readable blob. Before the KEK is destroyed it still
    /// does, which shows the test would catch a design where shredding did not reach backups.
    /// </summary>
    [Theory, AllEngines]
    public async Task DestroyRetiredAsync_AfterRetention_BackupOfShreddedKeyNoLongerUnwraps(Engine engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await using var db = h.Context();
        var canary = Encoding.UTF8.GetBytes("canary Jan Testpersoon +31 6 00000000 jan.canary@example.invalid " + Guid.NewGuid());
        var blob = await h.Blobs.PutAsync(db, Org, Subject(7), new MemoryStream(canary), "text/plain", Ct);
        var keep = await h.Blobs.PutAsync(db, Org, Subject(8), new MemoryStream([8]), "text/plain", Ct);

        // The backup: what a database backup holds of the key row (and the content file, which is not deleted here).
        var backup = await db.Set<DataKey>().AsNoTracking().SingleAsync(k => k.Id == blob.DataKeyId, Ct);
        var content = await File.ReadAllBytesAsync(h.BlobStore.PathOf(blob.StoreKey), Ct);
        Assert.Equal(-1, content.AsSpan().IndexOf(canary.AsSpan(0, 16)));

        // Erasure.
        await using (var tx = await db.Database.BeginTransactionAsync(Ct))
        {
            Assert.Equal(DataKeyDestruction.Destroyed, await h.Blobs.DestroyDataKeyAsync(db, blob.DataKeyId, Ct));
            await tx.CommitAsync(Ct);
        }

        h.Time.Advance(TimeSpan.FromDays(30));
        var rotation = h.Rotation();
        var rotated = await rotation.RotateAsync(db, Actor, null, Ct);
        Assert.Equal(1, rotated.Rewrap.Rewrapped);   // only the live key; the shredded one has nothing left to re-wrap

        // One minute short of the retention: nothing is destroyed, and the backup still opens (the test is real).
        h.Time.Advance((KeyRotation.DefaultKekRetention - Duration.FromMinutes(1)).ToTimeSpan());
        Assert.Empty(await rotation.DestroyRetiredAsync(db, KeyRotation.DefaultKekRetention, Actor, null, Ct));
        Assert.Equal(canary, await DecryptFromBackupAsync(FreshRing(h), backup, blob, content));

        h.Time.Advance(TimeSpan.FromMinutes(1));
        var destroyed = Assert.Single(await rotation.DestroyRetiredAsync(db, KeyRotation.DefaultKekRetention, Actor, null, Ct));

        Assert.True(destroyed.Destroyed);
        Assert.Equal(backup.KekId, destroyed.KekId);
        Assert.False(File.Exists(h.KekStore.PathOf(backup.KekId)));
        Assert.Null(await DecryptFromBackupAsync(FreshRing(h), backup, blob, content));

        // Restore the backup's key row into the live database: the blob is unreadable, the other subject's is fine.
        await db.Set<DataKey>().Where(k => k.Id == backup.Id).ExecuteUpdateAsync(
            s => s.SetProperty(k => k.WrappedKey, backup.WrappedKey).SetProperty(k => k.DestroyedAt, (Instant?)null), Ct);
        var ex = await Assert.ThrowsAsync<BlobUnreadableException>(() => h.Blobs.OpenReadAsync(db, blob.Id, Ct));
        Assert.Equal(BlobUnreadableCodes.KeyUnusable, ex.Code);
        Assert.Equal([8], await ReadAllAsync(await h.Blobs.OpenReadAsync(db, keep.Id, Ct)));

        // No key-store file holds the canary or the old KEK, and the destruction is audited.
        foreach (var file in Directory.GetFiles(h.KeysFolder))
        {
            Assert.Equal(-1, (await File.ReadAllBytesAsync(file, Ct)).AsSpan().IndexOf(canary.AsSpan(0, 16)));
        }

        Assert.Equal(1, await db.Set<AuditEvent>().CountAsync(e => e.Action == "key.kek_destroyed", Ct));
    }

    [Theory, AllEngines]
    public async Task DestroyRetiredAsync_RowWrittenByStaleProcessUnderRetiredKek_RewrapsBeforeDestroying(Engine engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await using var db = h.Context();
        // A second process whose ring was loaded before the rotation and has not refreshed yet.
        var stale = new EncryptedBlobs(h.BlobStore, new KeyEncryptionKeys(new KekStore(h.KeysFolder, h.Master), h.Master, h.Time), h.Time);
        var old = h.Keks.CurrentKekId;
        h.Time.Advance(TimeSpan.FromSeconds(5));
        await h.Rotation().RotateAsync(db, Actor, null, Ct);
        var late = await stale.PutAsync(db, Org, Subject(3), new MemoryStream([3]), "text/plain", Ct);
        Assert.Equal(old, (await db.Set<DataKey>().AsNoTracking().SingleAsync(k => k.Id == late.DataKeyId, Ct)).KekId);

        h.Time.Advance(TimeSpan.FromDays(36));
        var destroyed = Assert.Single(await h.Rotation().DestroyRetiredAsync(db, KeyRotation.DefaultKekRetention, Actor, null, Ct));

        Assert.True(destroyed.Destroyed);
        Assert.Equal(1, destroyed.Rewrap.Rewrapped);
        Assert.Equal(h.Keks.CurrentKekId, (await db.Set<DataKey>().AsNoTracking().SingleAsync(k => k.Id == late.DataKeyId, Ct)).KekId);
        Assert.Equal([3], await ReadAllAsync(await h.Blobs.OpenReadAsync(db, late.Id, Ct)));
    }

    [Theory, AllEngines]
    public async Task DestroyRetiredAsync_RetentionBelowMinimum_Throws(Engine engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await using var db = h.Context();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            () => h.Rotation().DestroyRetiredAsync(db, Duration.FromMinutes(59), Actor, null, Ct));
    }

    [Theory, AllEngines]
    public async Task RunScheduledAsync_RotatesWhenDue_RewrapsLegacyRows_RespectsLease(Engine engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await using var db = h.Context();
        // A row of an older version: wrapped by the KEK derived from the master key.
        var legacyRing = new KeyEncryptionKeys(
            new Dictionary<string, byte[]> { [KeyEncryptionKeys.LegacyId] = h.Master.Derive(KeyEncryptionKeys.LegacyPurpose) }, KeyEncryptionKeys.LegacyId);
        var legacy = await new EncryptedBlobs(h.BlobStore, legacyRing, h.Time).PutAsync(db, Org, Subject(4), new MemoryStream([4]), "text/plain", Ct);
        var first = h.Keks.CurrentKekId;
        var interval = Duration.FromDays(30);
        var retention = Duration.FromDays(35);

        var notDue = await h.Rotation().RunScheduledAsync(db, interval, retention, "node-a", Ct);

        Assert.NotNull(notDue);
        Assert.Null(notDue.Rotation);
        Assert.Equal(1, notDue.Rewrap!.Rewrapped);
        Assert.Equal(first, (await db.Set<DataKey>().AsNoTracking().SingleAsync(k => k.Id == legacy.DataKeyId, Ct)).KekId);
        Assert.Equal([4], await ReadAllAsync(await h.Blobs.OpenReadAsync(db, legacy.Id, Ct)));

        h.Time.Advance(TimeSpan.FromDays(30));
        Assert.True(await JobLeases.TryAcquireAsync(db, KeyRotation.LeaseName, "node-b", h.Now + Duration.FromMinutes(5), h.Now, Ct));
        Assert.Null(await h.Rotation().RunScheduledAsync(db, interval, retention, "node-a", Ct));
        Assert.Equal(first, h.Keks.CurrentKekId);

        h.Time.Advance(TimeSpan.FromMinutes(5));
        var due = await h.Rotation().RunScheduledAsync(db, interval, retention, "node-a", Ct);
        Assert.NotNull(due?.Rotation);
        Assert.Empty(due.Destructions);

        h.Time.Advance(TimeSpan.FromDays(35));
        due = await h.Rotation().RunScheduledAsync(db, interval, retention, "node-a", Ct);
        Assert.NotNull(due?.Rotation);   // 35 days after the last rotation: due again
        Assert.Equal(first, Assert.Single(due.Destructions, d => d.Destroyed).KekId);
        Assert.Equal([4], await ReadAllAsync(await h.Blobs.OpenReadAsync(db, legacy.Id, Ct)));
    }

    [Theory, AllEngines]
    public async Task StatusAsync_CountsDataKeysPerKekAndOutsideTheStore(Engine engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await using var db = h.Context();
        var a = await h.Blobs.PutAsync(db, Org, Subject(1), new MemoryStream([1]), "text/plain", Ct);
        await h.Blobs.PutAsync(db, Org, Subject(2), new MemoryStream([2]), "text/plain", Ct);
        await h.Blobs.DestroyDataKeyAsync(db, a.DataKeyId, Ct);
        var legacyRing = new KeyEncryptionKeys(
            new Dictionary<string, byte[]> { [KeyEncryptionKeys.LegacyId] = h.Master.Derive(KeyEncryptionKeys.LegacyPurpose) }, KeyEncryptionKeys.LegacyId);
        await new EncryptedBlobs(h.BlobStore, legacyRing, h.Time).PutAsync(db, Org, Subject(3), new MemoryStream([3]), "text/plain", Ct);

        var status = await KeyRotation.StatusAsync(h.KekStore, db, h.Now, Ct);

        var kek = Assert.Single(status.Keks);
        Assert.True(kek.Current);
        Assert.Equal(1, kek.LiveDataKeys);
        Assert.Equal(1, status.LiveDataKeysOutsideStore[KeyEncryptionKeys.LegacyId]);
        Assert.Equal(1, status.DestroyedDataKeys);
    }

    private static KeyEncryptionKeys FreshRing(Harness h) => new(new KekStore(h.KeysFolder, h.Master), h.Master, h.Time);

    /// <summary>The plaintext from the backup's key row and content with <paramref name="keks"/>, or null when the row no longer unwraps.</summary>
    private static async Task<byte[]?> DecryptFromBackupAsync(KeyEncryptionKeys keks, DataKey backup, BlobRecord blob, byte[] content)
    {
        var raw = keks.TryUnwrap(backup.KekId, backup.WrappedKey, backup.Identity);
        if (raw is null)
        {
            return null;
        }

        return await ReadAllAsync(await BlobDecryptingStream.OpenAsync(new MemoryStream(content), raw, backup.Id, blob.Id, blob.CiphertextSha256, Ct));
    }

    /// <summary>A migrated database, a data folder with blob and key stores, a master key, the audit trail and a fake clock.</summary>
    private sealed class Harness : IAsyncDisposable
    {
        private readonly DirectoryInfo _folder;
        private readonly ServiceProvider _services;

        private Harness(TestDatabase db)
        {
            Db = db;
            _folder = Directory.CreateTempSubdirectory("custodian-keys.");
            Master = MasterKey.FromBytes(RandomNumberGenerator.GetBytes(MasterKey.Length));
            Time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 21, 15, 0, TimeSpan.Zero));
            _services = TestDatabase.ServicesFor(db.Target, s => s
                .AddSingleton<TimeProvider>(Time)
                .AddSingleton(Master)
                .AddCustodianAudit()
                .AddCustodianBlobs(_folder.FullName));
            KeysFolder = Path.Combine(_folder.FullName, "keys");
        }

        public TestDatabase Db { get; }

        public MasterKey Master { get; }

        public FakeTimeProvider Time { get; }

        public Instant Now => Instant.FromDateTimeOffset(Time.GetUtcNow());

        public string KeysFolder { get; }

        public KekStore KekStore => _services.GetRequiredService<KekStore>();

        public KeyEncryptionKeys Keks => _services.GetRequiredService<KeyEncryptionKeys>();

        public EncryptedBlobs Blobs => _services.GetRequiredService<EncryptedBlobs>();

        public FileSystemBlobStore BlobStore => (FileSystemBlobStore)_services.GetRequiredService<IBlobStore>();

        public static async Task<Harness> CreateAsync(Engine engine)
        {
            var harness = new Harness(await TestDatabase.CreateAsync(engine));
            _ = harness.Keks;   // first start: creates the first KEK at the harness's time
            return harness;
        }

        public CustodianDbContext Context() => Db.CreateContext(TenantScope.Everything);

        public KeyRotation Rotation(int batchSize = 500, Func<IReadOnlyList<Guid>, CancellationToken, Task>? beforeBatchWrite = null) =>
            new(KekStore, Keks, _services.GetRequiredService<IAuditTrail>(), Time) { BatchSize = batchSize, BeforeBatchWrite = beforeBatchWrite };

        public async ValueTask DisposeAsync()
        {
            await _services.DisposeAsync();
            await Db.DisposeAsync();
            _folder.Delete(recursive: true);
        }
    }
}
