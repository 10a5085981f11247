using System.Security.Cryptography;
using Custodian.Core.Common;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Tenancy;
using Custodian.IntegrationTests.Host;
using Custodian.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.IntegrationTests.Blobs;

/// <summary><c>custodian blobs migrate</c> end to end: file system → s3rver → read back through <see cref="EncryptedBlobs"/>.</summary>
public sealed class BlobMigrateCommandTests : IDisposable
{
    private static readonly Guid Org = Guid.Parse("00000000-0000-4000-8000-0000000000e1");

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("custodian-blobs-migrate.");

    public void Dispose() => _dir.Delete(recursive: true);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Migrate_FileSystemToS3_CopiesResumesVerifiesAuditsAndReadsBack()
    {
        var s3rver = await S3rverServer.GetAsync();
        var bucket = await s3rver.CreateBucketAsync();
        // The command takes its S3 keys from the environment only. Every test that sets them sets s3rver's one account,
        // so setting them process-wide cannot disturb a parallel test.
        Environment.SetEnvironmentVariable("CUSTODIAN_S3_ACCESS_KEY", S3rverServer.AccessKey);
        Environment.SetEnvironmentVariable("CUSTODIAN_S3_SECRET_KEY", S3rverServer.SecretKey);
        var config = Path.Combine(_dir.FullName, "custodian.json");
        await File.WriteAllTextAsync(config, $$"""{ "s3ServiceUrl": "{{s3rver.ServiceUrl}}", "s3Bucket": "{{bucket.Bucket}}", "s3Prefix": "custodian/blobs" }""", Ct);

        await using var db = await TestDatabase.CreateAsync(Engine.Sqlite);
        var masterBytes = RandomNumberGenerator.GetBytes(MasterKey.Length);
        var keyFile = Path.Combine(_dir.FullName, "master.key");
        await File.WriteAllTextAsync(keyFile, Convert.ToBase64String(masterBytes), Ct);
        var master = MasterKey.FromBytes(masterBytes);
        string[] common = ["--config", config, "--db", new SqliteConnectionStringBuilder(db.Target.ConnectionString).DataSource, "--data", _dir.FullName, "--master-key-file", keyFile];

        // Three blobs in the data folder, one of them past the S3 part size.
        var contents = new[] { new byte[10], new byte[70_000], new byte[(6 * 1024 * 1024) + 3] };
        foreach (var c in contents)
        {
            RandomNumberGenerator.Fill(c);
        }

        var ids = new List<Guid>();
        await using (var services = Services(db, master, s3: null))
        await using (var context = db.CreateContext(TenantScope.Everything))
        {
            var blobs = services.GetRequiredService<EncryptedBlobs>();
            foreach (var c in contents)
            {
                ids.Add((await blobs.PutAsync(context, Org, DataKeyOwner.Subject(Guid.NewGuid()), new MemoryStream(c), "application/octet-stream", Ct)).Id);
            }
        }

        // An interrupted earlier run left one content in the bucket already.
        var files = new FileSystemBlobStore(Path.Combine(_dir.FullName, "blobs"));
        using var s3 = new S3BlobStore(bucket with { Prefix = "custodian/blobs" });
        var first = await files.ListAsync(Ct).FirstAsync(Ct);
        await using (var stream = (await files.OpenReadAsync(first.Key, Ct))!)
        {
            await s3.PutAsync(first.Key, stream, Ct);
        }

        var (exit, output, error) = await CliTests.RunAsync([.. common, "blobs", "migrate", "--to", "s3"]);

        Assert.True(exit == 0, output + error);
        Assert.Contains("Copied 2 (", output, StringComparison.Ordinal);
        Assert.Contains("already there 1, mismatched 0, removed from source 0.", output, StringComparison.Ordinal);
        Assert.Equal(3, await files.ListAsync(Ct).CountAsync(Ct)); // nothing removed without --delete-source

        // Read back through the product's own path, now configured for S3.
        await using (var services = Services(db, master, s3: bucket with { Prefix = "custodian/blobs" }))
        await using (var context = db.CreateContext(TenantScope.Everything))
        {
            Assert.IsType<S3BlobStore>(services.GetRequiredService<IBlobStore>());
            var blobs = services.GetRequiredService<EncryptedBlobs>();
            for (var i = 0; i < ids.Count; i++)
            {
                await using var read = await blobs.OpenReadAsync(context, ids[i], Ct);
                using var buffer = new MemoryStream();
                await read.CopyToAsync(buffer, Ct);
                Assert.Equal(SHA256.HashData(contents[i]), SHA256.HashData(buffer.ToArray()));
            }

            Assert.Equal(1, await context.Set<AuditEvent>().CountAsync(e => e.Action == "blobs.migrated", Ct));
        }

        // Again with --delete-source: everything is there already, verified by hash, then the data folder is emptied.
        (exit, output, error) = await CliTests.RunAsync([.. common, "blobs", "migrate", "--to", "s3", "--delete-source"]);
        Assert.True(exit == 0, output + error);
        Assert.Contains("Copied 0 (0 bytes), already there 3, mismatched 0, removed from source 3.", output, StringComparison.Ordinal);
        Assert.Empty(await files.ListAsync(Ct).ToListAsync(Ct));
    }

    [Fact]
    public async Task Migrate_TargetHoldsDifferentContent_ExitsOneAndKeepsSource()
    {
        var files = new FileSystemBlobStore(Path.Combine(_dir.FullName, "a"));
        var other = new FileSystemBlobStore(Path.Combine(_dir.FullName, "b"));
        var key = BlobStoreKeys.NewKey();
        await files.PutAsync(key, new MemoryStream([1, 2, 3]), Ct);
        await other.PutAsync(key, new MemoryStream([9]), Ct);

        var result = await BlobMigration.CopyAsync(files, other, deleteSource: true, Ct);

        Assert.Equal([key], result.Mismatched);
        Assert.False(result.Verified);
        Assert.Equal(0, result.DeletedFromSource);
        Assert.True(await files.ExistsAsync(key, Ct));
    }

    [Fact]
    public async Task Migrate_NoBucketConfigured_ExitsOne()
    {
        var (exit, _, error) = await CliTests.RunAsync(["--data", _dir.FullName, "blobs", "migrate", "--to", "s3"]);

        Assert.Equal(1, exit);
        Assert.Contains("blobs.no_bucket", error, StringComparison.Ordinal);
    }

    private ServiceProvider Services(TestDatabase db, MasterKey master, S3BlobStoreOptions? s3) => TestDatabase.ServicesFor(db.Target, s => s
        .AddSingleton(TimeProvider.System)
        .AddSingleton(master)
        .AddCustodianAudit()
        .AddCustodianBlobs(_dir.FullName, s3: s3));
}
