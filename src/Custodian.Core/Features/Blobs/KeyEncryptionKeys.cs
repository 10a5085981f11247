using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Custodian.Core.Common;

namespace Custodian.Core.Features.Blobs;

/// <summary>
/// The key-encryption keys (KEKs) that wrap data keys for storage in the database. They are never stored: each is
/// derived from the master key, so a copy of the database alone (a backup) cannot unwrap any data key. Every wrapped key
/// records the id of the KEK that wrapped it, so a new KEK (<c>blob-kek/v2</c>) can be introduced later and old rows
/// rewrapped at leisure while both can be read.
/// <para>
/// Wrapped form: nonce (12) || AES-256-GCM ciphertext of the 32-byte data key (32) || tag (16) = 60 bytes. The
/// associated data is the key row's identity (<see cref="DataKeyIdentity"/>), so a wrapped key copied onto another
/// row, owner or tenant does not unwrap.
/// </para>
/// </summary>
internal sealed class KeyEncryptionKeys
{
    /// <summary>The KEK that wraps new data keys.</summary>
    public const string CurrentId = "blob-kek/v1";

    /// <summary>The master-key derivation purpose of <see cref="CurrentId"/>.</summary>
    public const string CurrentPurpose = "custodian/blob-kek/v1";

    public const int WrappedLength = BlobCipher.NonceLength + BlobCipher.KeyLength + BlobCipher.TagLength;

    private readonly Dictionary<string, byte[]> _keks;

    public KeyEncryptionKeys(MasterKey masterKey)
        : this(new Dictionary<string, byte[]> { [CurrentId] = masterKey.Derive(CurrentPurpose) }, CurrentId)
    {
    }

    /// <summary>A ring with given KEKs (tests; a future rotation adds the next version here).</summary>
    public KeyEncryptionKeys(IReadOnlyDictionary<string, byte[]> keks, string currentId)
    {
        ArgumentNullException.ThrowIfNull(keks);
        if (!keks.ContainsKey(currentId))
        {
            throw new ArgumentException($"the current KEK '{currentId}' is not in the ring", nameof(currentId));
        }

        if (keks.Values.Any(k => k.Length != BlobCipher.KeyLength))
        {
            throw new ArgumentException($"a KEK is {BlobCipher.KeyLength} bytes", nameof(keks));
        }

        _keks = keks.ToDictionary(k => k.Key, k => k.Value.ToArray(), StringComparer.Ordinal);
        CurrentKekId = currentId;
    }

    public string CurrentKekId { get; }

    /// <summary>Wraps <paramref name="dataKey"/> under the current KEK, bound to the row <paramref name="identity"/>.</summary>
    public byte[] Wrap(ReadOnlySpan<byte> dataKey, DataKeyIdentity identity)
    {
        if (dataKey.Length != BlobCipher.KeyLength)
        {
            throw new ArgumentException($"a data key is {BlobCipher.KeyLength} bytes", nameof(dataKey));
        }

        var wrapped = new byte[WrappedLength];
        var nonce = wrapped.AsSpan(0, BlobCipher.NonceLength);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_keks[CurrentKekId], BlobCipher.TagLength);
        aes.Encrypt(
            nonce,
            dataKey,
            wrapped.AsSpan(BlobCipher.NonceLength, BlobCipher.KeyLength),
            wrapped.AsSpan(BlobCipher.NonceLength + BlobCipher.KeyLength, BlobCipher.TagLength),
            identity.ToAssociatedData(CurrentKekId));
        return wrapped;
    }

    /// <summary>
    /// Unwraps a data key. Returns null when the KEK id is unknown, the wrapped bytes are malformed or they fail
    /// authentication (another master key, another row, or damage).
    /// </summary>
    public byte[]? TryUnwrap(string kekId, ReadOnlySpan<byte> wrapped, DataKeyIdentity identity)
    {
        if (!_keks.TryGetValue(kekId, out var kek) || wrapped.Length != WrappedLength)
        {
            return null;
        }

        var dataKey = new byte[BlobCipher.KeyLength];
        using var aes = new AesGcm(kek, BlobCipher.TagLength);
        try
        {
            aes.Decrypt(
                wrapped[..BlobCipher.NonceLength],
                wrapped.Slice(BlobCipher.NonceLength, BlobCipher.KeyLength),
                wrapped.Slice(BlobCipher.NonceLength + BlobCipher.KeyLength, BlobCipher.TagLength),
                dataKey,
                identity.ToAssociatedData(kekId));
            return dataKey;
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }
}

/// <summary>What a wrapped data key is bound to: its row id, tenant and owner.</summary>
internal readonly record struct DataKeyIdentity(Guid DataKeyId, Guid OrganizationId, DataKeyOwner Owner)
{
    public byte[] ToAssociatedData(string kekId) => Encoding.UTF8.GetBytes(string.Create(
        CultureInfo.InvariantCulture, $"custodian/data-key/v1|{kekId}|{DataKeyId:D}|{OrganizationId:D}|{Owner.Kind}|{Owner.Id:D}"));
}
