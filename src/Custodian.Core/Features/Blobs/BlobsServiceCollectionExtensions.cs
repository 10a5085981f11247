using Custodian.Core.Common;
using Custodian.Core.Features.Audit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Custodian.Core.Features.Blobs;

internal static class BlobsServiceCollectionExtensions
{
    /// <summary>
    /// Registers the encrypted blob store: <see cref="IBlobStore"/> as a <see cref="FileSystemBlobStore"/> under
    /// <c>&lt;dataFolder&gt;/blobs</c>, the key store (<see cref="KekStore"/>) in <paramref name="keysFolder"/> (default
    /// <c>&lt;dataFolder&gt;/keys</c>) sealed with the registered <see cref="MasterKey"/>, the ring
    /// <see cref="KeyEncryptionKeys"/> over it, <see cref="EncryptedBlobs"/> and <see cref="KeyRotation"/> (which needs
    /// the audit trail, <c>AddCustodianAudit</c>). All singletons. With <paramref name="s3"/> the contents live in that
    /// bucket instead (<see cref="S3BlobStore"/>); keys, encryption and crypto-shredding are the same either way.
    /// </summary>
    public static IServiceCollection AddCustodianBlobs(this IServiceCollection services, string dataFolder, string? keysFolder = null, S3BlobStoreOptions? s3 = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataFolder);
        var root = Path.Combine(Path.GetFullPath(dataFolder), "blobs");
        var keys = Path.GetFullPath(keysFolder ?? DefaultKeysFolder(dataFolder));
        services.TryAddSingleton(TimeProvider.System);
        if (s3 is not null)
        {
            s3.Validate();
            services.TryAddSingleton<IBlobStore>(_ => new S3BlobStore(s3));
        }
        else
        {
            services.TryAddSingleton<IBlobStore>(_ => new FileSystemBlobStore(root));
        }

        services.TryAddSingleton(sp => new KekStore(keys, sp.GetRequiredService<MasterKey>()));
        services.TryAddSingleton(sp => new KeyEncryptionKeys(
            sp.GetRequiredService<KekStore>(), sp.GetRequiredService<MasterKey>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<EncryptedBlobs>();
        services.TryAddSingleton(sp => new KeyRotation(
            sp.GetRequiredService<KekStore>(),
            sp.GetRequiredService<KeyEncryptionKeys>(),
            sp.GetRequiredService<IAuditTrail>(),
            sp.GetRequiredService<TimeProvider>()));
        return services;
    }

    /// <summary>The key store's default place: <c>&lt;data&gt;/keys</c> (production should put it on its own volume).</summary>
    public static string DefaultKeysFolder(string dataFolder) => Path.Combine(Path.GetFullPath(dataFolder), "keys");
}
