using System.Security.Cryptography;
using Custodian.Core.Common;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Tenancy;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Blobs;

public sealed class EncryptedBlobsTests
{
    private static readonly Guid OrgA = Guid.Parse("00000000-0000-4000-8000-00000000000a");
    private static readonly Guid OrgB = Guid.Parse("00000000-0000-4000-8000-00000000000b");
    private static readonly DataKeyOwner Jan = DataKeyOwner.Subject(Guid.Parse("00000000-0000-4000-8000-000000000101"));
    private static readonly DataKeyOwner Piet = DataKeyOwner.Subject(Guid.Parse("00000000-0000-4000-8000-000000000102"));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static byte[] Bytes(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        await using (stream)
        {
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, Ct);
            return buffer.ToArray();
        }
    }

    [Theory]
    [InlineData(Engine.Sqlite, 0)]
    [InlineData(Engine.Sqlite, 17)]
    [InlineData(Engine.Sqlite, (3 * 1024 * 1024) + 5)]
    [InlineData(Engine.Postgres, 0)]
    [InlineData(Engine.Postgres, 17)]
    [InlineData(Engine.Postgres, (3 * 1024 * 1024) + 5)]
    public async Task PutAsync_ThenOpenRead_RoundTrips(Engine engine, int length)
    {
        await using var h = await BlobHarness.CreateAsync(engine, chunkSize: BlobCipher.DefaultChunkSize);
        var plaintext = Bytes(length);

        await using (var db = h.Db.CreateContext(TenantScope.Everything))
        {
            var record = await h.Blobs.PutAsync(db, OrgA, Jan, new MemoryStream(plaintext), "audio/ogg", Ct);

            Assert.Equal(length, record.Size);
            var stored = await File.ReadAllBytesAsync(h.Store.PathOf(record.StoreKey), Ct);
            Assert.Equal(stored.Length, record.StoredSize);
            Assert.Equal(SHA256.HashData(stored), record.CiphertextSha256);
            Assert.DoesNotContain(record.Id.ToString("N"), record.StoreKey, StringComparison.Ordinal);
        }

        await using (var db = h.Db.CreateContext(TenantScope.Everything))
        {
            var row = await db.Set<BlobRecord>().SingleAsync(Ct);
            Assert.Equal("audio/ogg", row.MediaType);
            Assert.Equal(OrgA, row.OrganizationId);
            Assert.Equal(plaintext, await ReadAllAsync(await h.Blobs.OpenReadAsync(db, row.Id, Ct)));
        }
    }

    [Theory, AllEngines]
    public async Task PutAsync_StoredContent_IsNotPlaintext(Engine engine)
    {
        await using var h = await BlobHarness.CreateAsync(engine);
        await using var db = h.Db.CreateContext(TenantScope.Everything);
        var canary = "Canary Jan Voorbeeld +31 6 00000000 jan@klant.example"u8.ToArray();

        var record = await h.Blobs.PutAsync(db, OrgA, Jan, new MemoryStream(canary), "text/plain", Ct);

        Assert.Equal(-1, (await File.ReadAllBytesAsync(h.Store.PathOf(record.StoreKey), Ct)).AsSpan().IndexOf("Canary"u8));
    }

    [Theory, AllEngines]
    public async Task PutAsync_Owners_EachGetOwnKeySameOwnerReusesIt(Engine engine)
    {
        await using var h = await BlobHarness.CreateAsync(engine);
        await using var db = h.Db.CreateContext(TenantScope.Everything);

        var jan1 = await h.Blobs.PutAsync(db, OrgA, Jan, new MemoryStream([1]), "text/plain", Ct);
        var jan2 = await h.Blobs.PutAsync(db, OrgA, Jan, new MemoryStream([2]), "text/plain", Ct);
        var piet = await h.Blobs.PutAsync(db, OrgA, Piet, new MemoryStream([3]), "text/plain", Ct);
        var orgA = await h.Blobs.PutAsync(db, OrgA, DataKeyOwner.Organization(OrgA), new MemoryStream([4]), "text/plain", Ct);
        var janInOrgB = await h.Blobs.PutAsync(db, OrgB, Jan, new MemoryStream([5]), "text/plain", Ct);

        Assert.Equal(jan1.DataKeyId, jan2.DataKeyId);
        Assert.Equal(4, new[] { jan1.DataKeyId, piet.DataKeyId, orgA.DataKeyId, janInOrgB.DataKeyId }.Distinct().Count());
        var keys = await db.Set<DataKey>().AsNoTracking().ToListAsync(Ct);
        Assert.Equal(4, keys.Count);
        Assert.Equal(4, keys.Select(k => Convert.ToBase64String(k.WrappedKey!)).Distinct().Count());
        Assert.All(keys, k => Assert.Equal(h.Keks.CurrentKekId, k.KekId));
        Assert.Equal(OrgB, keys.Single(k => k.Id == janInOrgB.DataKeyId).OrganizationId);
    }

    [Theory, AllEngines]
    public async Task PutAsync_OrganizationOwnerOfOtherOrganization_Throws(Engine engine)
    {
        await using var h = await BlobHarness.CreateAsync(engine);
        await using var db = h.Db.CreateContext(TenantScope.Everything);

        await Assert.ThrowsAsync<ArgumentException>(
            () => h.Blobs.PutAsync(db, OrgA, DataKeyOwner.Organization(OrgB), new MemoryStream([1]), "text/plain", Ct));
    }

    [Theory, AllEngines]
    public async Task PutAsync_ConcurrentFirstUseOfOwner_CreatesOneKey(Engine engine)
    {
        await using var h = await BlobHarness.CreateAsync(engine);

        var records = await Task.WhenAll(Enumerable.Range(0, 6).Select(async i =>
        {
            await using var db = h.Db.CreateContext(TenantScope.Everything);
            return await h.Blobs.PutAsync(db, OrgA, Jan, new MemoryStream([(byte)i]), "text/plain", Ct);
        }));

        Assert.Single(records.Select(r => r.DataKeyId).Distinct());
        await using var check = h.Db.CreateContext(TenantScope.Everything);
        Assert.Equal(1, await check.Set<DataKey>().CountAsync(Ct));
        foreach (var record in records)
        {
            Assert.Single(await ReadAllAsync(await h.Blobs.OpenReadAsync(check, record.Id, Ct)));
        }
    }

    [Theory, AllEngines]
    public async Task WrappedKeyInDatabase_IsNotTheRawKeyAndUselessWithoutTheMasterKey(Engine engine)
    {
        await using var h = await BlobHarness.CreateAsync(engine);
        await using var db = h.Db.CreateContext(TenantScope.Everything);
        var record = await h.Blobs.PutAsync(db, OrgA, Jan, new MemoryStream(Bytes(300)), "text/plain", Ct);
        var key = await db.Set<DataKey>().AsNoTracking().SingleAsync(Ct);

        // With the right master key the row unwraps to a 32-byte key that appears nowhere in the stored row.
        var raw = h.Keks.TryUnwrap(key.KekId, key.WrappedKey, key.Identity);
        Assert.NotNull(raw);
        Assert.Equal(32, raw.Length);
        Assert.Equal(KeyEncryptionKeys.WrappedLength, key.WrappedKey!.Length);
        Assert.Equal(-1, key.WrappedKey.AsSpan().IndexOf(raw));

        // Same database, same files, another master key (an attacker with a backup): the key store does not open...
        var stranger = MasterKey.FromBytes(RandomNumberGenerator.GetBytes(MasterKey.Length));
        Assert.Throws<KeyStoreException>(() => new KeyEncryptionKeys(new KekStore(h.KeysFolder, stranger), stranger, h.Time));

        // ...and with the master key but without the key store (a database backup and the master key), nothing unwraps.
        var withoutStore = new KeyEncryptionKeys(new KekStore(h.KeysFolder + "-elsewhere", h.Master), h.Master, h.Time);
        Assert.Null(withoutStore.TryUnwrap(key.KekId, key.WrappedKey, key.Identity));
        var otherBlobs = new EncryptedBlobs(h.Store, withoutStore, h.Time);
        var ex = await Assert.ThrowsAsync<BlobUnreadableException>(() => otherBlobs.OpenReadAsync(db, record.Id, Ct));
        Assert.Equal(BlobUnreadableCodes.KeyUnusable, ex.Code);
    }

    [Theory, AllEngines]
    public async Task DestroyDataKeyAsync_ThenOpenRead_KeyDestroyed(Engine engine)
    {
        await using var h = await BlobHarness.CreateAsync(engine);
        await using var db = h.Db.CreateContext(TenantScope.Everything);
        var jan = await h.Blobs.PutAsync(db, OrgA, Jan, new MemoryStream(Bytes(5000)), "text/plain", Ct);
        var piet = await h.Blobs.PutAsync(db, OrgA, Piet, new MemoryStream(Bytes(10)), "text/plain", Ct);
        h.Time.Advance(TimeSpan.FromMinutes(3));

        await using (var tx = await db.Database.BeginTransactionAsync(Ct))
        {
            Assert.Equal(DataKeyDestruction.Destroyed, await h.Blobs.DestroyDataKeyAsync(db, jan.DataKeyId, Ct));
            await tx.CommitAsync(Ct);
        }

        var ex = await Assert.ThrowsAsync<BlobUnreadableException>(() => h.Blobs.OpenReadAsync(db, jan.Id, Ct));
        Assert.Equal(BlobUnreadableCodes.KeyDestroyed, ex.Code);
        Assert.Contains(jan.Id.ToString(), ex.Message, StringComparison.Ordinal);

        var row = await db.Set<DataKey>().AsNoTracking().SingleAsync(k => k.Id == jan.DataKeyId, Ct);
        Assert.Null(row.WrappedKey);
        Assert.Equal(Instant.FromDateTimeOffset(h.Time.GetUtcNow()), row.DestroyedAt);

        // Other owners are untouched; destroying again or an unknown key are reported, not thrown.
        Assert.Equal(10, (await ReadAllAsync(await h.Blobs.OpenReadAsync(db, piet.Id, Ct))).Length);
        Assert.Equal(DataKeyDestruction.AlreadyDestroyed, await h.Blobs.DestroyDataKeyAsync(db, jan.DataKeyId, Ct));
        Assert.Equal(DataKeyDestruction.NotFound, await h.Blobs.DestroyDataKeyAsync(db, Guid.NewGuid(), Ct));
    }

    [Theory, AllEngines]
    public async Task DestroyDataKeyAsync_RolledBack_KeyStillWorks(Engine engine)
    {
        await using var h = await BlobHarness.CreateAsync(engine);
        await using var db = h.Db.CreateContext(TenantScope.Everything);
        var jan = await h.Blobs.PutAsync(db, OrgA, Jan, new MemoryStream([1, 2, 3]), "text/plain", Ct);

        await using (var tx = await db.Database.BeginTransactionAsync(Ct))
        {
            await h.Blobs.DestroyDataKeyAsync(db, jan.DataKeyId, Ct);
            await tx.RollbackAsync(Ct);
        }

        Assert.Equal([1, 2, 3], await ReadAllAsync(await h.Blobs.OpenReadAsync(db, jan.Id, Ct)));
    }

    [Theory, AllEngines]
    public async Task BackupCopyOfContent_AfterKeyDestroyed_Unreadable(Engine engine)
    {
        await using var h = await BlobHarness.CreateAsync(engine);
        await using var db = h.Db.CreateContext(TenantScope.Everything);
        var plaintext = Bytes(70_000);
        var jan = await h.Blobs.PutAsync(db, OrgA, Jan, new MemoryStream(plaintext), "audio/ogg", Ct);
        var path = h.Store.PathOf(jan.StoreKey);
        var backup = await File.ReadAllBytesAsync(path, Ct);

        Assert.Equal(DataKeyDestruction.Destroyed, await h.Blobs.DestroyDataKeyAsync(db, jan.DataKeyId, Ct));
        Assert.Equal(BlobDeletion.Deleted, await h.Blobs.DeleteAsync(db, jan.Id, Ct));
        Assert.False(File.Exists(path));

        // Restore the content backup exactly where it was, and its row too: still nothing readable.
        await File.WriteAllBytesAsync(path, backup, Ct);
        db.Set<BlobRecord>().Add(jan);
        await db.SaveChangesAsync(Ct);
        var ex = await Assert.ThrowsAsync<BlobUnreadableException>(() => h.Blobs.OpenReadAsync(db, jan.Id, Ct));
        Assert.Equal(BlobUnreadableCodes.KeyDestroyed, ex.Code);

        // Nor does any key the database still holds open it (the owner's new key, the other owners' keys).
        await h.Blobs.PutAsync(db, OrgA, Jan, new MemoryStream([1]), "text/plain", Ct);
        await h.Blobs.PutAsync(db, OrgA, Piet, new MemoryStream([1]), "text/plain", Ct);
        var keks = h.Keks;
        foreach (var key in await db.Set<DataKey>().AsNoTracking().Where(k => k.WrappedKey != null).ToListAsync(Ct))
        {
            var raw = keks.TryUnwrap(key.KekId, key.WrappedKey, key.Identity)!;
            await Assert.ThrowsAsync<BlobUnreadableException>(async () =>
                await ReadAllAsync(await BlobDecryptingStream.OpenAsync(new MemoryStream(backup), raw, jan.DataKeyId, jan.Id, null, Ct)));
        }

        Assert.Equal(-1, backup.AsSpan().IndexOf(plaintext.AsSpan(0, 64)));
    }

    [Theory, AllEngines]
    public async Task PutAsync_AfterOwnersKeyDestroyed_UsesNewKey(Engine engine)
    {
        await using var h = await BlobHarness.CreateAsync(engine);
        await using var db = h.Db.CreateContext(TenantScope.Everything);
        var old = await h.Blobs.PutAsync(db, OrgA, Jan, new MemoryStream([1]), "text/plain", Ct);
        await h.Blobs.DestroyDataKeyAsync(db, old.DataKeyId, Ct);

        var fresh = await h.Blobs.PutAsync(db, OrgA, Jan, new MemoryStream([2]), "text/plain", Ct);

        Assert.NotEqual(old.DataKeyId, fresh.DataKeyId);
        Assert.Equal([2], await ReadAllAsync(await h.Blobs.OpenReadAsync(db, fresh.Id, Ct)));
        Assert.Equal(fresh.DataKeyId, (await EncryptedBlobs.FindLiveDataKeyAsync(db, OrgA, Jan, Ct))!.Id);
        await Assert.ThrowsAsync<BlobUnreadableException>(() => h.Blobs.OpenReadAsync(db, old.Id, Ct));
    }

    [Theory, AllEngines]
    public async Task OpenReadAsync_ContentBitFlipped_Tampered(Engine engine)
    {
        await using var h = await BlobHarness.CreateAsync(engine);
        await using var db = h.Db.CreateContext(TenantScope.Everything);
        var record = await h.Blobs.PutAsync(db, OrgA, Jan, new MemoryStream(Bytes(10_000)), "text/plain", Ct);
        var path = h.Store.PathOf(record.StoreKey);
        var bytes = await File.ReadAllBytesAsync(path, Ct);
        bytes[^100] ^= 0x04; // in the last chunk: the open succeeds, the read that reaches it fails
        await File.WriteAllBytesAsync(path, bytes, Ct);

        var stream = await h.Blobs.OpenReadAsync(db, record.Id, Ct);
        var ex = await Assert.ThrowsAsync<BlobUnreadableException>(() => ReadAllAsync(stream));
        Assert.Equal(BlobUnreadableCodes.Tampered, ex.Code);
    }

    [Theory, AllEngines]
    public async Task OpenReadAsync_ContentOfAnotherBlobOfSameOwner_Tampered(Engine engine)
    {
        await using var h = await BlobHarness.CreateAsync(engine);
        await using var db = h.Db.CreateContext(TenantScope.Everything);
        var first = await h.Blobs.PutAsync(db, OrgA, Jan, new MemoryStream(Bytes(3000)), "text/plain", Ct);
        var second = await h.Blobs.PutAsync(db, OrgA, Jan, new MemoryStream(Bytes(3000)), "text/plain", Ct);
        File.Copy(h.Store.PathOf(second.StoreKey), h.Store.PathOf(first.StoreKey), overwrite: true);

        var ex = await Assert.ThrowsAsync<BlobUnreadableException>(() => h.Blobs.OpenReadAsync(db, first.Id, Ct));
        Assert.Equal(BlobUnreadableCodes.Tampered, ex.Code);
    }

    [Theory, AllEngines]
    public async Task OpenReadAsync_MissingRowOrContent_Codes(Engine engine)
    {
        await using var h = await BlobHarness.CreateAsync(engine);
        await using var db = h.Db.CreateContext(TenantScope.Everything);
        var record = await h.Blobs.PutAsync(db, OrgA, Jan, new MemoryStream([1]), "text/plain", Ct);
        File.Delete(h.Store.PathOf(record.StoreKey));

        var missing = await Assert.ThrowsAsync<BlobUnreadableException>(() => h.Blobs.OpenReadAsync(db, record.Id, Ct));
        Assert.Equal(BlobUnreadableCodes.ContentMissing, missing.Code);
        var notFound = await Assert.ThrowsAsync<BlobUnreadableException>(() => h.Blobs.OpenReadAsync(db, Guid.NewGuid(), Ct));
        Assert.Equal(BlobUnreadableCodes.NotFound, notFound.Code);
    }

    [Theory, AllEngines]
    public async Task DeleteAsync_NoTransaction_RemovesRowThenContent(Engine engine)
    {
        await using var h = await BlobHarness.CreateAsync(engine);
        await using var db = h.Db.CreateContext(TenantScope.Everything);
        var record = await h.Blobs.PutAsync(db, OrgA, Jan, new MemoryStream([1]), "text/plain", Ct);

        Assert.Equal(BlobDeletion.Deleted, await h.Blobs.DeleteAsync(db, record.Id, Ct));

        Assert.False(await db.Set<BlobRecord>().AnyAsync(Ct));
        Assert.False(await h.Store.ExistsAsync(record.StoreKey, Ct));
        Assert.Equal(BlobDeletion.NotFound, await h.Blobs.DeleteAsync(db, record.Id, Ct));
        // The data key stays (other blobs of the owner may use it; erasure destroys it explicitly).
        Assert.NotNull(await EncryptedBlobs.FindLiveDataKeyAsync(db, OrgA, Jan, Ct));
    }

    [Theory, AllEngines]
    public async Task DeleteAsync_InTransaction_ContentStaysUntilSweepAndSurvivesRollback(Engine engine)
    {
        await using var h = await BlobHarness.CreateAsync(engine);
        await using var db = h.Db.CreateContext(TenantScope.Everything);
        var kept = await h.Blobs.PutAsync(db, OrgA, Jan, new MemoryStream([1]), "text/plain", Ct);
        var gone = await h.Blobs.PutAsync(db, OrgA, Jan, new MemoryStream([2]), "text/plain", Ct);

        await using (var tx = await db.Database.BeginTransactionAsync(Ct))
        {
            Assert.Equal(BlobDeletion.RowDeletedContentLeftForSweep, await h.Blobs.DeleteAsync(db, kept.Id, Ct));
            await tx.RollbackAsync(Ct);
        }

        Assert.Equal([1], await ReadAllAsync(await h.Blobs.OpenReadAsync(db, kept.Id, Ct)));

        await using (var tx = await db.Database.BeginTransactionAsync(Ct))
        {
            Assert.Equal(BlobDeletion.RowDeletedContentLeftForSweep, await h.Blobs.DeleteAsync(db, gone.Id, Ct));
            await tx.CommitAsync(Ct);
        }

        Assert.True(await h.Store.ExistsAsync(gone.StoreKey, Ct));
        h.Time.Advance(TimeSpan.FromDays(2));
        var result = await h.Blobs.SweepOrphansAsync(db, EncryptedBlobs.DefaultSweepGrace, Ct);
        Assert.Equal(1, result.OrphansRemoved);
        Assert.False(await h.Store.ExistsAsync(gone.StoreKey, Ct));
        Assert.True(await h.Store.ExistsAsync(kept.StoreKey, Ct));
    }

    [Theory, AllEngines]
    public async Task PutAsync_TransactionRolledBack_LeavesOnlyAnOrphanThatTheSweepRemoves(Engine engine)
    {
        await using var h = await BlobHarness.CreateAsync(engine);
        await using var db = h.Db.CreateContext(TenantScope.Everything);
        BlobRecord record;
        await using (var tx = await db.Database.BeginTransactionAsync(Ct))
        {
            record = await h.Blobs.PutAsync(db, OrgA, Jan, new MemoryStream([1, 2]), "text/plain", Ct);
            await tx.RollbackAsync(Ct);
        }

        db.ChangeTracker.Clear();
        Assert.False(await db.Set<BlobRecord>().AnyAsync(Ct)); // never a row without content...
        Assert.True(await h.Store.ExistsAsync(record.StoreKey, Ct)); // ...at worst content without a row

        // Within the grace period the orphan stays (its row could still be on its way); after it, it goes.
        Assert.Equal(0, (await h.Blobs.SweepOrphansAsync(db, EncryptedBlobs.DefaultSweepGrace, Ct)).OrphansRemoved);
        h.Time.Advance(TimeSpan.FromHours(25));
        Assert.Equal(new OrphanSweepResult(1, 1, 0), await h.Blobs.SweepOrphansAsync(db, EncryptedBlobs.DefaultSweepGrace, Ct));
        Assert.False(await h.Store.ExistsAsync(record.StoreKey, Ct));
    }

    [Theory, AllEngines]
    public async Task SweepOrphansAsync_MixedContents_RemovesOnlyOldUnreferencedOnes(Engine engine)
    {
        await using var h = await BlobHarness.CreateAsync(engine);
        await using var db = h.Db.CreateContext(TenantScope.Everything);
        var referenced = await h.Blobs.PutAsync(db, OrgA, Jan, new MemoryStream([1]), "text/plain", Ct);
        var oldOrphan = BlobStoreKeys.NewKey();
        var youngOrphan = BlobStoreKeys.NewKey();
        await h.Store.PutAsync(oldOrphan, new MemoryStream([2]), Ct);
        await h.Store.PutAsync(youngOrphan, new MemoryStream([3]), Ct);
        var staleTemp = Path.Combine(h.Store.Root, "tmp", BlobStoreKeys.NewKey() + ".tmp");
        await File.WriteAllBytesAsync(staleTemp, [4], Ct);

        h.Time.Advance(TimeSpan.FromHours(30));
        File.SetLastWriteTimeUtc(h.Store.PathOf(youngOrphan), h.Time.GetUtcNow().AddHours(-1).UtcDateTime);

        var result = await h.Blobs.SweepOrphansAsync(db, EncryptedBlobs.DefaultSweepGrace, Ct);

        Assert.Equal(new OrphanSweepResult(3, 1, 1), result);
        Assert.False(await h.Store.ExistsAsync(oldOrphan, Ct));
        Assert.True(await h.Store.ExistsAsync(youngOrphan, Ct));
        Assert.False(File.Exists(staleTemp));
        Assert.Equal([1], await ReadAllAsync(await h.Blobs.OpenReadAsync(db, referenced.Id, Ct)));
        // Running it again finds nothing more to do.
        Assert.Equal(new OrphanSweepResult(2, 0, 0), await h.Blobs.SweepOrphansAsync(db, EncryptedBlobs.DefaultSweepGrace, Ct));
    }

    [Theory, AllEngines]
    public async Task SweepOrphansAsync_ManyContents_ChecksInBatches(Engine engine)
    {
        await using var h = await BlobHarness.CreateAsync(engine);
        var blobs = new EncryptedBlobs(h.Store, h.Keks, h.Time) { SweepBatchSize = 16 };
        await using var db = h.Db.CreateContext(TenantScope.Everything);
        var kept = new List<string>();
        for (var i = 0; i < 70; i++)
        {
            var key = BlobStoreKeys.NewKey();
            await h.Store.PutAsync(key, new MemoryStream([1]), Ct);
            if (i % 3 == 0)
            {
                kept.Add(key);
            }
        }

        // Give a third of them rows (as if PutAsync had written them); the rest are orphans.
        var dataKey = (await h.Blobs.PutAsync(db, OrgA, Jan, new MemoryStream([1]), "text/plain", Ct)).DataKeyId;
        db.Set<BlobRecord>().AddRange(kept.Select(k => new BlobRecord
        {
            Id = Guid.NewGuid(),
            OrganizationId = OrgA,
            DataKeyId = dataKey,
            StoreKey = k,
            Size = 1,
            StoredSize = 1,
            CiphertextSha256 = new byte[32],
            MediaType = "text/plain",
            CreatedAt = Instant.FromDateTimeOffset(h.Time.GetUtcNow()),
        }));
        await db.SaveChangesAsync(Ct);
        h.Time.Advance(TimeSpan.FromDays(2));

        var result = await blobs.SweepOrphansAsync(db, EncryptedBlobs.DefaultSweepGrace, Ct);

        Assert.Equal(71, result.Examined);
        Assert.Equal(70 - kept.Count, result.OrphansRemoved);
        Assert.All(kept, k => Assert.True(File.Exists(h.Store.PathOf(k))));
    }

    [Theory, AllEngines]
    public async Task SweepOrphansAsync_GraceTooShort_Throws(Engine engine)
    {
        await using var h = await BlobHarness.CreateAsync(engine);
        await using var db = h.Db.CreateContext(TenantScope.Everything);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => h.Blobs.SweepOrphansAsync(db, Duration.FromMinutes(1), Ct));
    }

    [Fact]
    public async Task AddCustodianBlobs_WithMasterKey_ResolvesStoreUnderDataFolder()
    {
        var data = Directory.CreateTempSubdirectory("custodian-blobs-di.");
        try
        {
            var services = new ServiceCollection()
                .AddSingleton(MasterKey.FromBytes(RandomNumberGenerator.GetBytes(MasterKey.Length)))
                .AddCustodianBlobs(data.FullName);
            await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

            Assert.NotNull(provider.GetRequiredService<EncryptedBlobs>());
            var store = Assert.IsType<FileSystemBlobStore>(provider.GetRequiredService<IBlobStore>());
            Assert.Equal(Path.Combine(data.FullName, "blobs"), store.Root);
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    /// <summary>A migrated database, a blob folder, a master key and a fake clock for one test.</summary>
    private sealed class BlobHarness : IAsyncDisposable
    {
        private readonly DirectoryInfo _folder;

        private BlobHarness(TestDatabase db, int chunkSize)
        {
            Db = db;
            _folder = Directory.CreateTempSubdirectory("custodian-blobs.");
            Store = new FileSystemBlobStore(Path.Combine(_folder.FullName, "blobs"));
            Master = MasterKey.FromBytes(RandomNumberGenerator.GetBytes(MasterKey.Length));
            // Near the real time (the sweep compares it with file times), in whole seconds (the database keeps microseconds).
            var now = TimeProvider.System.GetUtcNow();
            Time = new FakeTimeProvider(now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond)));
            KeysFolder = Path.Combine(_folder.FullName, "keys");
            Keks = new KeyEncryptionKeys(new KekStore(KeysFolder, Master), Master, Time);
            Blobs = new EncryptedBlobs(Store, Keks, Time) { ChunkSize = chunkSize };
        }

        public TestDatabase Db { get; }

        public FileSystemBlobStore Store { get; }

        public MasterKey Master { get; }

        public FakeTimeProvider Time { get; }

        public string KeysFolder { get; }

        public KeyEncryptionKeys Keks { get; }

        public EncryptedBlobs Blobs { get; }

        /// <summary>Small chunks by default, so that even small test blobs span several chunks.</summary>
        public static async Task<BlobHarness> CreateAsync(Engine engine, int chunkSize = 1024) =>
            new(await TestDatabase.CreateAsync(engine), chunkSize);

        public async ValueTask DisposeAsync()
        {
            await Db.DisposeAsync();
            _folder.Delete(recursive: true);
        }
    }
}
