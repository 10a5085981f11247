using System.Security.Cryptography;

namespace Custodian.Core.Common;

/// <summary>
/// The installation's master key (32 random bytes, base64 in a file outside the repository). It encrypts the
/// ASP.NET Core data-protection key ring at rest (cookies, antiforgery tokens), seals the key-encryption keys in the key
/// store (which wrap the data keys of stored blobs) and derives the audit trail's keys. <c>serve --dev</c> creates one under the data folder; production must configure its own.
/// </summary>
internal sealed class MasterKey
{
    private readonly byte[] _key;

    private MasterKey(byte[] key) => _key = key;

    internal const int Length = 32;

    internal static MasterKey Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new MasterKeyException($"{path}: error secrets.master_key_unreadable: cannot read the master key file ({ex.Message}).");
        }

        byte[] key;
        try
        {
            key = Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw new MasterKeyException(
                $"{path}: error secrets.master_key_format: the master key file must hold {Length} random bytes in base64 " +
                "(create one with: head -c 32 /dev/urandom | base64 > master.key; chmod 600 master.key).");
        }

        return key.Length == Length
            ? new MasterKey(key)
            : throw new MasterKeyException(
                $"{path}: error secrets.master_key_length: the master key is {key.Length} bytes; it must be exactly {Length} bytes (base64 of 32 random bytes).");
    }

    /// <summary>Creates the development key when it does not exist yet (owner-only permissions) and loads it.</summary>
    internal static MasterKey LoadOrCreateForDevelopment(string path)
    {
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using var stream = new FileStream(path, options);
            using var writer = new StreamWriter(stream);
            writer.Write(Convert.ToBase64String(RandomNumberGenerator.GetBytes(Length)));
        }

        return Load(path);
    }

    /// <summary>Derives a purpose-bound key so that no two uses of the master key share key material.</summary>
    internal byte[] Derive(string purpose) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, _key, Length, salt: [], info: System.Text.Encoding.UTF8.GetBytes(purpose));

    /// <summary>A key made from given bytes (tests, and tools that hold the key elsewhere).</summary>
    internal static MasterKey FromBytes(byte[] key) =>
        key.Length == Length ? new MasterKey([.. key]) : throw new MasterKeyException($"the master key must be exactly {Length} bytes.");
}

/// <summary>The master key is missing, unreadable or malformed; the message names the file and how to fix it.</summary>
internal sealed class MasterKeyException(string message) : Exception(message);
