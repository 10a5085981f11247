using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Custodian.Core.Common;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Core.Features.Blobs;

internal enum KekState
{
    /// <summary>Wraps new data keys (the newest active one does).</summary>
    Active,

    /// <summary>Only unwraps; its rows are re-wrapped away, and it is destroyed once older than the KEK retention.</summary>
    Retired,
}

/// <summary>One key-encryption key as held in the key store: metadata and the raw 32-byte key (unsealed).</summary>
internal sealed record Kek(string Id, Instant CreatedAt, KekState State, Instant? RetiredAt, byte[] Key)
{
    public override string ToString() => $"{Id} ({State})";
}

/// <summary>
/// The key store: key-encryption keys (KEKs) in a folder OUTSIDE the database (default <c>&lt;data&gt;/keys</c>), one
/// file per KEK (<c>&lt;id&gt;.kek</c>, JSON, owner-only permissions). Each KEK is random and itself sealed with AES-GCM
/// under a key derived from the master key (<see cref="SealPurpose"/>, associated data = the KEK id), so neither the key
/// store nor the master key alone unwraps a data key, and a KEK file cannot be passed off under another id.
/// <para>
/// Why outside the database (security.md §4.8, G4.10): a database backup keeps every wrapped data key it was taken with,
/// destroyed ones included. Once the KEK that wrapped them is destroyed here, those copies are noise. This folder must
/// therefore be backed up separately and with a SHORT retention: a key-store backup brings destroyed KEKs back.
/// </para>
/// <para>
/// Writes are atomic and durable (temp file, fsync, rename, folder fsync). Destruction overwrites the file's bytes,
/// fsyncs and unlinks it; on copy-on-write or flash storage the old blocks may survive, which is why the KEK is sealed
/// under the master key as well. Several processes may share the folder: files are never edited in place.
/// </para>
/// </summary>
internal sealed class KekStore
{
    /// <summary>The master-key derivation purpose of the key that seals KEK files.</summary>
    public const string SealPurpose = "custodian/keystore/v1";

    public const string FileExtension = ".kek";

    private const string Format = "custodian-kek";
    private const int Version = 1;
    private const string TempSuffix = ".tmp";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,

        // A file, never HTML: keep base64 '+' readable instead of \u002B.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly byte[] _sealKey;

    public KekStore(string folder, MasterKey masterKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentNullException.ThrowIfNull(masterKey);
        Folder = Path.GetFullPath(folder);
        _sealKey = masterKey.Derive(SealPurpose);
    }

    public string Folder { get; }

    public string PathOf(string kekId) => Path.Combine(Folder, ValidateId(kekId) + FileExtension);

    /// <summary>
    /// Every KEK in the store, oldest first. Throws <see cref="KeyStoreException"/> naming the file when one is damaged,
    /// of an unknown version, or sealed under another master key: a ring with a KEK silently missing could leave data
    /// keys unreadable or, worse, let a rotation believe it may destroy the wrong thing.
    /// </summary>
    public IReadOnlyList<Kek> Load()
    {
        if (!Directory.Exists(Folder))
        {
            return [];
        }

        var keks = new List<Kek>();
        foreach (var path in Directory.EnumerateFiles(Folder, "*" + FileExtension))
        {
            // A KEK destroyed by another process between the listing and the read is simply gone.
            if (Read(path) is { } kek)
            {
                keks.Add(kek);
            }
        }

        return [.. keks.OrderBy(k => k.CreatedAt).ThenBy(k => k.Id, StringComparer.Ordinal)];
    }

    /// <summary>The newest active KEK of <paramref name="keks"/>, or null.</summary>
    public static Kek? Current(IEnumerable<Kek> keks) =>
        keks.Where(k => k.State == KekState.Active)
            .OrderByDescending(k => k.CreatedAt).ThenByDescending(k => k.Id, StringComparer.Ordinal)
            .FirstOrDefault();

    /// <summary>
    /// Creates a new active KEK (random 256 bits) and writes it durably, under <paramref name="id"/> (from
    /// <see cref="NewId"/>, e.g. when the id had to be audited first) or a new id. Never replaces an existing file.
    /// </summary>
    public Kek Create(Instant now, string? id = null)
    {
        EnsureFolder();
        for (var attempt = 0; ; attempt++)
        {
            var kek = new Kek(ValidateId(id ?? NewId(now)), now, KekState.Active, null, RandomNumberGenerator.GetBytes(BlobCipher.KeyLength));
            try
            {
                Write(kek, replace: false);
                return kek;
            }
            catch (IOException) when (id is null && attempt < 8 && File.Exists(PathOf(kek.Id)))
            {
                // Same second, same 16 random bits: take another id.
            }
        }
    }

    /// <summary>Marks <paramref name="kek"/> retired at <paramref name="at"/> (atomic replace of its file). No-op if already retired.</summary>
    public Kek Retire(Kek kek, Instant at)
    {
        ArgumentNullException.ThrowIfNull(kek);
        if (kek.State == KekState.Retired)
        {
            return kek;
        }

        var retired = kek with { State = KekState.Retired, RetiredAt = at };
        Write(retired, replace: true);
        return retired;
    }

    /// <summary>
    /// Destroys a KEK: overwrites the file's bytes with zeros, fsyncs, unlinks it and fsyncs the folder. Returns false
    /// when it was already gone. Every data key still wrapped by it, in the database or any backup of it, is then lost.
    /// </summary>
    public bool Destroy(string kekId)
    {
        var path = PathOf(kekId);
        try
        {
            using (var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            {
                var zeros = new byte[file.Length];
                file.Write(zeros);
                file.Flush(flushToDisk: true);
            }
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }

        File.Delete(path);
        FolderSync.Flush(Folder);
        return true;
    }

    /// <summary>A new id, e.g. <c>kek-20261128T211500Z-3fa9</c>: sortable by creation, unique enough with the random tail.</summary>
    internal static string NewId(Instant now) =>
        string.Create(CultureInfo.InvariantCulture, $"kek-{now.ToDateTimeUtc():yyyyMMdd'T'HHmmss'Z'}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2))}");

    private static string ValidateId(string kekId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kekId);
        if (kekId.Length > 64 || !kekId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new ArgumentException($"'{kekId}' is not a key-store KEK id", nameof(kekId));
        }

        return kekId;
    }

    private static byte[] AssociatedData(string kekId) => Encoding.UTF8.GetBytes($"{SealPurpose}|{kekId}");

    private Kek? Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KeyStoreException(path, "keys.kek_unreadable", $"cannot read the key-encryption key file ({ex.Message}).");
        }

        KekFile? file;
        try
        {
            file = JsonSerializer.Deserialize<KekFile>(text, Json);
        }
        catch (JsonException ex)
        {
            throw new KeyStoreException(path, "keys.kek_damaged", $"the key-encryption key file is not valid JSON ({ex.Message}).");
        }

        if (file is null || file.Format != Format)
        {
            throw new KeyStoreException(path, "keys.kek_damaged", $"not a key-encryption key file (expected \"format\": \"{Format}\").");
        }

        if (file.Version != Version)
        {
            throw new KeyStoreException(path, "keys.kek_version", $"key-encryption key file version {file.Version} is not supported (this version reads {Version}).");
        }

        var expectedId = Path.GetFileNameWithoutExtension(path);
        if (file.Id != expectedId)
        {
            throw new KeyStoreException(path, "keys.kek_damaged", $"the file holds KEK '{file.Id}' but is named for '{expectedId}'.");
        }

        var created = InstantPattern.ExtendedIso.Parse(file.Created ?? "");
        var retired = file.RetiredAt is null ? null : InstantPattern.ExtendedIso.Parse(file.RetiredAt);
        Instant? retiredAt = retired is { Success: true } ? retired.Value : null;
        KekState? state = file.State switch { "active" => KekState.Active, "retired" => KekState.Retired, _ => null };
        if (!created.Success || state is null || retired is { Success: false } || (state == KekState.Retired) != (retiredAt is not null))
        {
            throw new KeyStoreException(path, "keys.kek_damaged", "the key-encryption key file has a bad created, state or retiredAt field.");
        }

        byte[] sealedKey;
        try
        {
            sealedKey = Convert.FromBase64String(file.SealedKey ?? "");
        }
        catch (FormatException)
        {
            sealedKey = [];
        }

        if (sealedKey.Length != BlobCipher.NonceLength + BlobCipher.KeyLength + BlobCipher.TagLength)
        {
            throw new KeyStoreException(path, "keys.kek_damaged", "the sealed key has the wrong length.");
        }

        var key = new byte[BlobCipher.KeyLength];
        using var aes = new AesGcm(_sealKey, BlobCipher.TagLength);
        try
        {
            aes.Decrypt(
                sealedKey.AsSpan(0, BlobCipher.NonceLength),
                sealedKey.AsSpan(BlobCipher.NonceLength, BlobCipher.KeyLength),
                sealedKey.AsSpan(BlobCipher.NonceLength + BlobCipher.KeyLength),
                key,
                AssociatedData(file.Id));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new KeyStoreException(
                path,
                "keys.kek_unsealable",
                "the key-encryption key does not unseal: it was sealed under another master key, or the file is damaged. " +
                "Check that this key store belongs to this installation's master key.");
        }

        return new Kek(file.Id, created.Value, state.Value, retiredAt, key);
    }

    private void Write(Kek kek, bool replace)
    {
        var sealedKey = new byte[BlobCipher.NonceLength + BlobCipher.KeyLength + BlobCipher.TagLength];
        RandomNumberGenerator.Fill(sealedKey.AsSpan(0, BlobCipher.NonceLength));
        using (var aes = new AesGcm(_sealKey, BlobCipher.TagLength))
        {
            aes.Encrypt(
                sealedKey.AsSpan(0, BlobCipher.NonceLength),
                kek.Key,
                sealedKey.AsSpan(BlobCipher.NonceLength, BlobCipher.KeyLength),
                sealedKey.AsSpan(BlobCipher.NonceLength + BlobCipher.KeyLength),
                AssociatedData(kek.Id));
        }

        var file = new KekFile
        {
            Format = Format,
            Version = Version,
            Id = kek.Id,
            Created = InstantPattern.ExtendedIso.Format(kek.CreatedAt),
            State = kek.State == KekState.Active ? "active" : "retired",
            RetiredAt = kek.RetiredAt is { } r ? InstantPattern.ExtendedIso.Format(r) : null,
            SealedKey = Convert.ToBase64String(sealedKey),
        };
        var bytes = JsonSerializer.SerializeToUtf8Bytes(file, Json);

        var finalPath = PathOf(kek.Id);
        var tempPath = Path.Combine(Folder, $"{kek.Id}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}{TempSuffix}");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var stream = new FileStream(tempPath, options))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(tempPath, finalPath, overwrite: replace);
            FolderSync.Flush(Folder);
        }
        catch
        {
            try
            {
                File.Delete(tempPath);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Left for the operator; never read as a KEK (wrong extension).
            }

            throw;
        }
    }

    private void EnsureFolder()
    {
        if (Directory.Exists(Folder))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(Folder);
        }
        else
        {
            Directory.CreateDirectory(Folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        if (Path.GetDirectoryName(Folder) is { } parent)
        {
            FolderSync.Flush(parent);
        }
    }

    private sealed class KekFile
    {
        public string? Format { get; set; }

        public int Version { get; set; }

        public string Id { get; set; } = "";

        public string? Created { get; set; }

        public string? State { get; set; }

        public string? RetiredAt { get; set; }

        public string? SealedKey { get; set; }
    }
}

/// <summary>A key-store file is unreadable, damaged or sealed under another master key; the message names the file.</summary>
internal sealed class KeyStoreException(string path, string code, string message)
    : Exception($"{path}: error {code}: {message}")
{
    public string Path { get; } = path;

    public string Code { get; } = code;
}
