using Custodian.Core.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Custodian.Core.Features.Blobs;

internal static class BlobsServiceCollectionExtensions
{
    /// <summary>
    /// Registers the encrypted blob store: <see cref="IBlobStore"/> as a <see cref="FileSystemBlobStore"/> under
    /// <c>&lt;dataFolder&gt;/blobs</c>, <see cref="KeyEncryptionKeys"/> derived from the registered <see cref="MasterKey"/>
    /// (the host registers it with data protection), and <see cref="EncryptedBlobs"/>. All singletons.
    /// </summary>
    public static IServiceCollection AddCustodianBlobs(this IServiceCollection services, string dataFolder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataFolder);
        var root = Path.Combine(Path.GetFullPath(dataFolder), "blobs");
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IBlobStore>(_ => new FileSystemBlobStore(root));
        services.TryAddSingleton(sp => new KeyEncryptionKeys(sp.GetRequiredService<MasterKey>()));
        services.TryAddSingleton<EncryptedBlobs>();
        return services;
    }
}
