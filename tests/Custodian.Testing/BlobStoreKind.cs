using System.Reflection;
using Custodian.Core.Features.Blobs;
using Xunit;
using Xunit.Sdk;
using Xunit.v3;

namespace Custodian.Testing;

/// <summary>The blob store implementations; storage tests run on each from one body (<see cref="AllBlobStoresAttribute"/>).</summary>
public enum BlobStoreKind
{
    FileSystem,
    S3,
}

/// <summary>Runs a <c>[Theory]</c> once per blob store: <c>[Theory, AllBlobStores] public async Task X(BlobStoreKind kind)</c>.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class AllBlobStoresAttribute : DataAttribute
{
    public override ValueTask<IReadOnlyCollection<ITheoryDataRow>> GetData(MethodInfo testMethod, DisposalTracker disposalTracker) =>
        new([new TheoryDataRow<BlobStoreKind>(BlobStoreKind.FileSystem), new TheoryDataRow<BlobStoreKind>(BlobStoreKind.S3)]);

    public override bool SupportsDiscoveryEnumeration() => true;
}

/// <summary>
/// An empty blob store of the given kind for one test: a temp folder, or a fresh bucket on the shared s3rver (skips
/// locally / fails in CI without it). Dispose it.
/// </summary>
internal sealed class TestBlobStore : IAsyncDisposable
{
    private readonly DirectoryInfo? _folder;

    private TestBlobStore(IBlobStore store, DirectoryInfo? folder, S3BlobStoreOptions? s3)
    {
        Store = store;
        _folder = folder;
        S3 = s3;
    }

    public IBlobStore Store { get; }

    /// <summary>The bucket's options when <see cref="Store"/> is an S3 store (e.g. to register it with <c>AddCustodianBlobs</c>).</summary>
    public S3BlobStoreOptions? S3 { get; }

    public static async Task<TestBlobStore> CreateAsync(BlobStoreKind kind, string? s3Prefix = null, int listPageSize = 1000)
    {
        if (kind == BlobStoreKind.FileSystem)
        {
            var folder = Directory.CreateTempSubdirectory("custodian-blobstore.");
            return new TestBlobStore(new FileSystemBlobStore(Path.Combine(folder.FullName, "blobs")), folder, null);
        }

        var server = await S3rverServer.GetAsync();
        var options = await server.CreateBucketAsync(s3Prefix, listPageSize);
        return new TestBlobStore(new S3BlobStore(options), null, options);
    }

    public ValueTask DisposeAsync()
    {
        (Store as IDisposable)?.Dispose();
        _folder?.Delete(recursive: true);
        return ValueTask.CompletedTask;
    }
}
