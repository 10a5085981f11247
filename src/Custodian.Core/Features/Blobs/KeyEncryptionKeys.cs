using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Custodian.Core.Common;
using NodaTime;

namespace Custodian.Core.Features.Blobs;

/// <summary>
/// The ring of key-encryption keys (KEKs) that wrap data keys for storage in the database. The KEKs are random keys in
/// the key store (<see cref="KekStore"/>, a folder outside the database, each KEK sealed under the master key): new data
/// keys are wrapped with the newest active KEK; any KEK still in the store unwraps. Rotation
/// (<see cref="KeyRotation"/>) adds a KEK, re-wraps the rows and, after the KEK retention, destroys the old KEK, so that
/// a database backup (which still holds data keys destroyed since) becomes unreadable for good (security.md §4.8).
/// <para>
/// The ring reloads from disk when it meets a KEK id it does not know (another process rotated), at most every
/// <see cref="RefreshInterval"/> before wrapping, and when the current KEK's file has disappeared. It creates the first
/// KEK when the store has no active one. The legacy KEK <c>blob-kek/v1</c>, derived from the master key by earlier
/// versions, still unwraps (old development databases) but never wraps: rotation re-wraps its rows away.
/// </para>
/// <para>
/// Wrapped form: nonce (12) || AES-256-GCM ciphertext of the 32-byte data key (32) || tag (16) = 60 bytes. The
/// associated data is the key row's identity and the KEK id (<see cref="DataKeyIdentity"/>), so a wrapped key copied
/// onto another row, owner or tenant does not unwrap.
/// </para>
/// </summary>
internal sealed class KeyEncryptionKeys
{
    /// <summary>The KEK that earlier versions derived from the master key; unwrap only.</summary>
    public const string LegacyId = "blob-kek/v1";

    /// <summary>The master-key derivation purpose of <see cref="LegacyId"/>.</summary>
    public const string LegacyPurpose = "custodian/blob-kek/v1";

    public const int WrappedLength = BlobCipher.NonceLength + BlobCipher.KeyLength + BlobCipher.TagLength;

    /// <summary>How stale the ring may be when it wraps: it then picks up another process's rotation within this time.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMinutes(1);

    /// <summary>An unknown KEK id triggers a reload at most this often (a row of a destroyed KEK must not cost a disk scan per read).</summary>
    private static readonly TimeSpan UnknownIdReloadInterval = TimeSpan.FromSeconds(5);

    private readonly KekStore? _store;
    private readonly TimeProvider _time;
    private readonly byte[]? _legacy;
    private readonly Lock _reloadLock = new();
    private readonly Dictionary<string, long> _unknownIdReloads = new(StringComparer.Ordinal);
    private volatile Snapshot _snapshot;

    /// <summary>The ring over a key store; creates the first KEK when the store has no active one.</summary>
    public KeyEncryptionKeys(KekStore store, MasterKey masterKey, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(masterKey);
        ArgumentNullException.ThrowIfNull(time);
        _store = store;
        _time = time;
        _legacy = masterKey.Derive(LegacyPurpose);
        _snapshot = LoadSnapshot();
    }

    /// <summary>A fixed ring with given KEKs and no key store (tests).</summary>
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

        _time = TimeProvider.System;
        _snapshot = new Snapshot(keks.ToDictionary(k => k.Key, k => k.Value.ToArray(), StringComparer.Ordinal), currentId, long.MaxValue);
    }

    /// <summary>The KEK that wraps new data keys (as of the last load).</summary>
    public string CurrentKekId => _snapshot.CurrentId;

    /// <summary>Whether <paramref name="kekId"/> is in the ring as last loaded.</summary>
    public bool Contains(string kekId) => _snapshot.Keks.ContainsKey(kekId);

    /// <summary>
    /// Wraps <paramref name="dataKey"/> under the current KEK, bound to the row <paramref name="identity"/>. Store the
    /// returned KEK id with the bytes: it is the one that wrapped them, even if the ring reloaded meanwhile.
    /// </summary>
    public WrappedDataKey Wrap(ReadOnlySpan<byte> dataKey, DataKeyIdentity identity)
    {
        if (dataKey.Length != BlobCipher.KeyLength)
        {
            throw new ArgumentException($"a data key is {BlobCipher.KeyLength} bytes", nameof(dataKey));
        }

        var snapshot = _snapshot;
        if (_store is not null &&
            (Environment.TickCount64 - snapshot.LoadedAt > (long)RefreshInterval.TotalMilliseconds || !File.Exists(_store.PathOf(snapshot.CurrentId))))
        {
            // Another process may have rotated, or destroyed the KEK this one still thought current: a data key wrapped
            // by a destroyed KEK would be lost at once.
            Reload();
            snapshot = _snapshot;
        }

        var kekId = snapshot.CurrentId;
        var wrapped = new byte[WrappedLength];
        var nonce = wrapped.AsSpan(0, BlobCipher.NonceLength);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(snapshot.Keks[kekId], BlobCipher.TagLength);
        aes.Encrypt(
            nonce,
            dataKey,
            wrapped.AsSpan(BlobCipher.NonceLength, BlobCipher.KeyLength),
            wrapped.AsSpan(BlobCipher.NonceLength + BlobCipher.KeyLength, BlobCipher.TagLength),
            identity.ToAssociatedData(kekId));
        return new WrappedDataKey(kekId, wrapped);
    }

    /// <summary>
    /// Unwraps a data key. Returns null when the KEK is not in the key store (destroyed, or the store is not the
    /// installation's), or the wrapped bytes are malformed or fail authentication (another row, or damage). An unknown
    /// KEK id makes the ring reload first (another process may have rotated). A damaged key-store file throws
    /// <see cref="KeyStoreException"/>.
    /// </summary>
    public byte[]? TryUnwrap(string kekId, ReadOnlySpan<byte> wrapped, DataKeyIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(kekId);
        var snapshot = _snapshot;
        if (!snapshot.Keks.ContainsKey(kekId) && _store is not null && MayReloadFor(kekId))
        {
            Reload();
            snapshot = _snapshot;
        }

        if (!snapshot.Keks.TryGetValue(kekId, out var kek) || wrapped.Length != WrappedLength)
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

    /// <summary>Reads the key store again (after a rotation or destruction, here or in another process).</summary>
    public void Reload()
    {
        if (_store is null)
        {
            return;
        }

        lock (_reloadLock)
        {
            _snapshot = LoadSnapshot();
        }
    }

    private bool MayReloadFor(string kekId)
    {
        lock (_reloadLock)
        {
            var now = Environment.TickCount64;
            if (_unknownIdReloads.TryGetValue(kekId, out var last) && now - last < (long)UnknownIdReloadInterval.TotalMilliseconds)
            {
                return false;
            }

            if (_unknownIdReloads.Count > 1000)
            {
                _unknownIdReloads.Clear();
            }

            _unknownIdReloads[kekId] = now;
            return true;
        }
    }

    private Snapshot LoadSnapshot()
    {
        var keks = _store!.Load();
        var current = KekStore.Current(keks);
        if (current is null)
        {
            // First start, or every KEK retired by hand: never wrap with a retired or legacy key.
            current = _store.Create(Instant.FromDateTimeOffset(_time.GetUtcNow()));
            keks = [.. keks, current];
        }

        var ring = keks.ToDictionary(k => k.Id, k => k.Key, StringComparer.Ordinal);
        ring[LegacyId] = _legacy!;
        return new Snapshot(ring, current.Id, Environment.TickCount64);
    }

    /// <summary>An immutable view of the ring; swapped whole on reload so readers never see a half-loaded one.</summary>
    private sealed record Snapshot(Dictionary<string, byte[]> Keks, string CurrentId, long LoadedAt);
}

/// <summary>A wrapped data key and the id of the KEK that wrapped it (stored together in the <c>data_keys</c> row).</summary>
internal readonly record struct WrappedDataKey(string KekId, byte[] Bytes);

/// <summary>What a wrapped data key is bound to: its row id, tenant and owner.</summary>
internal readonly record struct DataKeyIdentity(Guid DataKeyId, Guid OrganizationId, DataKeyOwner Owner)
{
    public byte[] ToAssociatedData(string kekId) => Encoding.UTF8.GetBytes(string.Create(
        CultureInfo.InvariantCulture, $"custodian/data-key/v1|{kekId}|{DataKeyId:D}|{OrganizationId:D}|{Owner.Kind}|{Owner.Id:D}"));
}
