namespace Custodian.Core.Features.Blobs;

/// <summary>
/// A content store: raw bytes by opaque key. It knows nothing of encryption, owners or the database; callers store
/// ciphertext only. Keys are 8 to 64 characters of <c>[a-z0-9]</c> (<see cref="BlobStoreKeys"/>) and should be random,
/// so that names carry no personal data and spread evenly.
/// <para>
/// The file-system store (<see cref="FileSystemBlobStore"/>) is the default. An S3-compatible store can implement this
/// later; note for it (toolchain.md §5): set <c>UseChunkEncoding = false</c> on every <c>PutObjectRequest</c> and
/// <c>UploadPartRequest</c> (else some servers store the aws-chunked framing as content, silently), do not use
/// <c>TransferUtility</c>, and since <see cref="PutAsync"/> gets a stream of unknown length, upload it in parts.
/// </para>
/// </summary>
internal interface IBlobStore
{
    /// <summary>
    /// Stores <paramref name="content"/> (read to its end) under <paramref name="key"/>, durably and atomically: when
    /// this returns the content survives a crash; before that, no reader ever sees a partial content under the key.
    /// Throws <see cref="IOException"/> if the key already exists.
    /// </summary>
    Task PutAsync(string key, Stream content, CancellationToken ct);

    /// <summary>Opens the content for reading, or null when there is none under the key. Dispose the stream.</summary>
    Task<Stream?> OpenReadAsync(string key, CancellationToken ct);

    /// <summary>Removes the content durably. False when there was none (deleting twice is harmless).</summary>
    Task<bool> DeleteAsync(string key, CancellationToken ct);

    /// <summary>
    /// Removes many contents durably (when this returns, every removal survives a crash). Returns how many existed.
    /// A store can do better than one durable removal at a time; this default does exactly that.
    /// </summary>
    async Task<int> DeleteManyAsync(IReadOnlyCollection<string> keys, CancellationToken ct)
    {
        var removed = 0;
        foreach (var key in keys)
        {
            removed += await DeleteAsync(key, ct) ? 1 : 0;
        }

        return removed;
    }

    Task<bool> ExistsAsync(string key, CancellationToken ct);

    /// <summary>Every stored content (complete writes only), in no particular order: for orphan sweeps and integrity checks.</summary>
    IAsyncEnumerable<BlobStoreEntry> ListAsync(CancellationToken ct);

    /// <summary>
    /// Removes leftovers of writes that began before <paramref name="startedBefore"/> and never completed (a crash
    /// during <see cref="PutAsync"/>). Returns how many were removed.
    /// </summary>
    Task<int> RemoveIncompleteWritesAsync(DateTimeOffset startedBefore, CancellationToken ct);
}

/// <summary>One stored content: its key, length and when it was written.</summary>
internal sealed record BlobStoreEntry(string Key, long Length, DateTimeOffset LastModified);

internal static class BlobStoreKeys
{
    public const int MinLength = 8;
    public const int MaxLength = 64;

    public static bool IsValid(string? key) =>
        key is { Length: >= MinLength and <= MaxLength } && key.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9'));

    public static void Validate(string key)
    {
        if (!IsValid(key))
        {
            throw new ArgumentException($"a blob store key is {MinLength}..{MaxLength} characters of [a-z0-9]", nameof(key));
        }
    }

    /// <summary>A new random key: 32 lower-case hex characters (128 bits).</summary>
    public static string NewKey() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
}
