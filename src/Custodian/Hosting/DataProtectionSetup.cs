using System.Security.Cryptography;
using System.Xml.Linq;
using Custodian.Core.Common;
using Custodian.Core.Persistence;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Custodian.Hosting;

/// <summary>ASP.NET Core data protection (cookies, antiforgery) with its key ring encrypted under the master key.</summary>
internal static class DataProtectionSetup
{
    /// <summary>
    /// Persists the data-protection key ring in the database (<see cref="DatabaseXmlRepository"/>), shared by every node,
    /// encrypted with a key derived from the master key. Key files an earlier version kept in <c>&lt;data&gt;/keys</c> are
    /// moved into the database on first use. Needs <c>AddCustodianDatabase</c> and a <see cref="TimeProvider"/>.
    /// </summary>
    internal static void AddCustodianDataProtection(IServiceCollection services, MasterKey key, string dataFolder)
    {
        services.AddSingleton(key);
        services.AddSingleton(sp => new DatabaseXmlRepository(
            sp.GetRequiredService<IDbContextFactory<CustodianDbContext>>(),
            sp.GetRequiredService<TimeProvider>(),
            LegacyFolder(dataFolder),
            sp.GetRequiredService<ILogger<DatabaseXmlRepository>>()));
        services.AddDataProtection().SetApplicationName("custodian");
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(o =>
        {
            o.XmlRepository = sp.GetRequiredService<DatabaseXmlRepository>();
            o.XmlEncryptor = new MasterKeyXmlEncryptor(key);
        }));
    }

    /// <summary>Where versions before issue 8 kept the key ring (files <c>key-*.xml</c>).</summary>
    internal static string LegacyFolder(string dataFolder) => Path.Combine(dataFolder, "keys");
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
