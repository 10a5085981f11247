using System.Security.Cryptography;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace Custodian.Hosting;

/// <summary>
/// The installation's master key (32 random bytes, base64 in a file outside the repository). It encrypts the
/// ASP.NET Core data-protection key ring at rest (cookies, antiforgery tokens) and, in later features, the data keys
/// of stored blobs. <c>serve --dev</c> creates one under the data folder; production must configure its own.
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
            throw new Configuration.SettingsException($"{path}: error secrets.master_key_unreadable: cannot read the master key file ({ex.Message}).");
        }

        byte[] key;
        try
        {
            key = Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw new Configuration.SettingsException(
                $"{path}: error secrets.master_key_format: the master key file must hold {Length} random bytes in base64 " +
                "(create one with: head -c 32 /dev/urandom | base64 > master.key; chmod 600 master.key).");
        }

        return key.Length == Length
            ? new MasterKey(key)
            : throw new Configuration.SettingsException(
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

    /// <summary>Persists the data-protection key ring in the data folder, encrypted with a key derived from the master key.</summary>
    internal static void AddDataProtection(IServiceCollection services, MasterKey key, string dataFolder)
    {
        services.AddSingleton(key);
        services.AddDataProtection()
            .SetApplicationName("custodian")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataFolder, "keys")))
            .AddKeyManagementOptions(o => o.XmlEncryptor = new MasterKeyXmlEncryptor(key));
    }
}

/// <summary>AES-256-GCM encryption of data-protection key XML with a key derived from the master key.</summary>
internal sealed class MasterKeyXmlEncryptor(MasterKey masterKey) : IXmlEncryptor
{
    internal const string Purpose = "custodian/data-protection-key-ring/v1";

    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        ArgumentNullException.ThrowIfNull(plaintextElement);
        var plaintext = System.Text.Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var nonce = RandomNumberGenerator.GetBytes(AesGcm.NonceByteSizes.MaxSize);
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[AesGcm.TagByteSizes.MaxSize];
        using (var aes = new AesGcm(masterKey.Derive(Purpose), tag.Length))
        {
            aes.Encrypt(nonce, plaintext, ciphertext, tag);
        }

        var element = new XElement(
            "encryptedKey",
            new XComment(" encrypted with AES-256-GCM under a key derived from the Custodian master key "),
            new XElement("nonce", Convert.ToBase64String(nonce)),
            new XElement("tag", Convert.ToBase64String(tag)),
            new XElement("value", Convert.ToBase64String(ciphertext)));
        return new EncryptedXmlInfo(element, typeof(MasterKeyXmlDecryptor));
    }
}

/// <summary>Instantiated by the data-protection system (by type name from the key XML) to decrypt a stored key.</summary>
internal sealed class MasterKeyXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        ArgumentNullException.ThrowIfNull(encryptedElement);
        var masterKey = services.GetRequiredService<MasterKey>();
        var nonce = Convert.FromBase64String((string)encryptedElement.Element("nonce")!);
        var tag = Convert.FromBase64String((string)encryptedElement.Element("tag")!);
        var ciphertext = Convert.FromBase64String((string)encryptedElement.Element("value")!);
        var plaintext = new byte[ciphertext.Length];
        using (var aes = new AesGcm(masterKey.Derive(MasterKeyXmlEncryptor.Purpose), tag.Length))
        {
            aes.Decrypt(nonce, ciphertext, tag, plaintext);
        }

        return XElement.Parse(System.Text.Encoding.UTF8.GetString(plaintext));
    }
}
