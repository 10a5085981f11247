using System.Security.Cryptography;
using Custodian.Core.Common;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Tenancy;
using Custodian.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.IntegrationTests.Blobs;

/// <summary>
/// Encryption and crypto-shredding with the contents in S3 (s3rver): only the byte store differs from the file system.
/// The database part is engine-independent and tested on both engines in <see cref="EncryptedBlobsTests"/>; here SQLite.
/// </summary>
public sealed class S3BlobStoreTests
{
    private static readonly Guid Org = Guid.Parse("00000000-0000-4000-8000-00000000000a");
    private static readonly DataKeyOwner Jan = DataKeyOwner.Subject(Guid.Parse("00000000-0000-4000-8000-000000000101"));
    private static readonly DataKeyOwner Piet = DataKeyOwner.Subject(Guid.Parse("00000000-0000-4000-8000-000000000102"));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EncryptedBlobs_OnS3_RoundTripsCiphertextAndShredsWithDataKeyOrKek()
    {
        await using var s3 = await TestBlobStore.CreateAsync(BlobStoreKind.S3, s3Prefix: "custodian/blobs/");
        await using var db = await TestDatabase.CreateAsync(Engine.Sqlite);
        var keysFolder = Directory.CreateTempSubdirectory("custodian-s3-keys.");
        try
        {
            var master = MasterKey.FromBytes(RandomNumberGenerator.GetBytes(MasterKey.Length));
            var kekStore = new KekStore(keysFolder.FullName, master);
            var keks = new KeyEncryptionKeys(kekStore, master, TimeProvider.System);
            var blobs = new EncryptedBlobs(s3.Store, keks, TimeProvider.System);
            var plaintext = "Canary Jan Voorbeeld +31 6 00000000 jan@klant.example"u8.ToArray();
            await using var ctx = db.CreateContext(TenantScope.Everything);

            var jan = await blobs.PutAsync(ctx, Org, Jan, new MemoryStream(plaintext), "text/plain", Ct);
            var piet = await blobs.PutAsync(ctx, Org, Piet, new MemoryStream(plaintext), "text/plain", Ct);

            // The object in the bucket is exactly the ciphertext the row describes, under the prefix, and not plaintext.
            using (var client = s3.S3!.CreateClient())
            using (var raw = await client.GetObjectAsync(s3.S3.Bucket, "custodian/blobs/" + jan.StoreKey, Ct))
            {
                var stored = await BlobStoreContractTests.ReadAllAsync(raw.ResponseStream);
                Assert.Equal(jan.StoredSize, stored.Length);
                Assert.Equal(jan.CiphertextSha256, SHA256.HashData(stored));
                Assert.Equal(-1, stored.AsSpan().IndexOf("Voorbeeld"u8));
            }

            Assert.Equal(plaintext, await BlobStoreContractTests.ReadAllAsync(await blobs.OpenReadAsync(ctx, jan.Id, Ct)));

            // Destroyed data key: Jan's content is still in the bucket, and unreadable.
            Assert.Equal(DataKeyDestruction.Destroyed, await blobs.DestroyDataKeyAsync(ctx, jan.DataKeyId, Ct));
            Assert.True(await s3.Store.ExistsAsync(jan.StoreKey, Ct));
            var ex = await Assert.ThrowsAsync<BlobUnreadableException>(() => blobs.OpenReadAsync(ctx, jan.Id, Ct));
            Assert.Equal(BlobUnreadableCodes.KeyDestroyed, ex.Code);

            // Destroyed KEK: every data key it wrapped (Piet's) is lost, so his content is unreadable too.
            Assert.Equal(plaintext, await BlobStoreContractTests.ReadAllAsync(await blobs.OpenReadAsync(ctx, piet.Id, Ct)));
            foreach (var kek in kekStore.Load())
            {
                Assert.True(kekStore.Destroy(kek.Id));
            }

            keks.Reload();
            var shredded = await Assert.ThrowsAsync<BlobUnreadableException>(() => blobs.OpenReadAsync(ctx, piet.Id, Ct));
            Assert.Equal(BlobUnreadableCodes.KeyUnusable, shredded.Code);
        }
        finally
        {
            keysFolder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task AddCustodianBlobs_WithS3Options_ResolvesS3Store()
    {
        var options = new S3BlobStoreOptions { ServiceUrl = new Uri("http://127.0.0.1:9"), Bucket = "custodian", Prefix = "/a/b/", AccessKey = "x", SecretKey = "y" };
        await using var provider = new ServiceCollection()
            .AddSingleton(MasterKey.FromBytes(new byte[MasterKey.Length]))
            .AddCustodianBlobs(Path.GetTempPath(), s3: options)
            .BuildServiceProvider();

        var store = Assert.IsType<S3BlobStore>(provider.GetRequiredService<IBlobStore>());
        Assert.Equal("a/b/", store.Prefix);
        Assert.Equal("a/b/0123456789abcdef", store.ObjectKeyOf("0123456789abcdef"));
    }

    [Fact]
    public void Options_InvalidCombinations_Rejected()
    {
        Assert.Throws<ArgumentException>(() => new S3BlobStoreOptions { Bucket = " " }.Validate());
        Assert.Throws<ArgumentException>(() => new S3BlobStoreOptions { Bucket = "b", AccessKey = "only-one" }.Validate());
        Assert.Throws<ArgumentException>(() => new S3BlobStoreOptions { Bucket = "b", PartSize = 1024 }.Validate());
    }
}
