using Custodian.Configuration;
using Custodian.Core.Common;

namespace Custodian.Hosting;

/// <summary>Where the master key comes from, for <c>serve</c> and for the offline operator commands alike.</summary>
internal static class MasterKeyFiles
{
    /// <summary>The development key that <c>serve --dev</c> creates when no key file is configured.</summary>
    internal static string DevelopmentPath(CustodianSettings settings) => Path.Combine(settings.DataFolder, "secrets", "master.key");

    /// <summary>
    /// <c>serve</c>: the configured key file; with <c>--dev</c> and none configured, the development key (created on first use).
    /// </summary>
    internal static MasterKey LoadForServe(CustodianSettings settings, bool dev) =>
        dev && settings.MasterKeyFile is null
            ? MasterKey.LoadOrCreateForDevelopment(DevelopmentPath(settings))
            : MasterKey.Load(settings.MasterKeyFile!);

    /// <summary>
    /// Operator commands: the configured key file, else an existing development key in the data folder. Never creates a
    /// key: a new key would sign and check with keys the installation never used.
    /// </summary>
    internal static MasterKey LoadExisting(CustodianSettings settings)
    {
        if (settings.MasterKeyFile is { } file)
        {
            return MasterKey.Load(file);
        }

        var dev = DevelopmentPath(settings);
        return File.Exists(dev)
            ? MasterKey.Load(dev)
            : throw new MasterKeyException(
                $"error secrets.master_key_required: no master key configured (--master-key-file, CUSTODIAN_MASTER_KEY_FILE or \"masterKeyFile\") " +
                $"and no development key at {dev}.");
    }
}
