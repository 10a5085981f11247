using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.Features.Keys;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace Custodian.IntegrationTests.Blobs;

public sealed class BlobsHostTests
{
    [Theory, AllEngines]
    public async Task Serve_EncryptedBlobs_RoundTripWithTheServersMasterKeyAndDataFolder(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await CustodianServer.StartAsync(engine);
        var blobs = server.Services.GetRequiredService<EncryptedBlobs>();
        var store = Assert.IsType<FileSystemBlobStore>(server.Services.GetRequiredService<IBlobStore>());
        await using var scope = server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CustodianDbContext>();
        db.ScopeTo(TenantScope.Everything);
        var org = Guid.NewGuid();

        var record = await blobs.PutAsync(db, org, DataKeyOwner.Organization(org), new MemoryStream([4, 2]), "application/octet-stream", ct);

        Assert.Equal("blobs", Path.GetFileName(store.Root));
        Assert.True(File.Exists(store.PathOf(record.StoreKey)));
        await using var read = await blobs.OpenReadAsync(db, record.Id, ct);
        using var buffer = new MemoryStream();
        await read.CopyToAsync(buffer, ct);
        Assert.Equal([4, 2], buffer.ToArray());
    }

    [Theory, AllEngines]
    public async Task Serve_KeyRotationTimer_HostedWithKeyStoreUnderDataFolder_RunsUnderLease(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await CustodianServer.StartAsync(engine);
        var timer = Assert.Single(server.Services.GetServices<IHostedService>().OfType<KeyRotationTimer>());
        var kekStore = server.Services.GetRequiredService<KekStore>();
        var keks = server.Services.GetRequiredService<KeyEncryptionKeys>();

        await timer.RunOnceAsync(ct);

        Assert.Equal("keys", Path.GetFileName(kekStore.Folder));
        var kek = Assert.Single(kekStore.Load());
        Assert.Equal(kek.Id, keks.CurrentKekId);
        await using var scope = server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CustodianDbContext>();
        var lease = await db.JobLeases.AsNoTracking().SingleAsync(l => l.Name == KeyRotation.LeaseName, ct);
        Assert.True(lease.LeaseUntil <= NodaTime.Instant.FromDateTimeOffset(TimeProvider.System.GetUtcNow()), "the lease is released after the run");
    }
}
