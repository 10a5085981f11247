namespace Custodian.Core.Features.Blobs;

/// <summary>
/// A blob's content cannot be returned. <see cref="Code"/> says why, as one of the stable codes in
/// <see cref="BlobUnreadableCodes"/>. Thrown by <c>EncryptedBlobs.OpenReadAsync</c> and, for damage found part-way,
/// by reads of the stream it returned. The message names the blob by id only: never content, never personal data.
/// </summary>
internal sealed class BlobUnreadableException(string code, string message, Exception? innerException = null)
    : Exception(message, innerException)
{
    public string Code { get; } = code;
}

internal static class BlobUnreadableCodes
{
    /// <summary>No blob row with this id (never stored, or deleted).</summary>
    public const string NotFound = "blob.not_found";

    /// <summary>The blob's data key was destroyed (crypto-shredded): no copy of the content can be decrypted any more.</summary>
    public const string KeyDestroyed = "blob.key_destroyed";

    /// <summary>The wrapped data key cannot be unwrapped: unknown key-encryption key, wrong master key, or a damaged key row.</summary>
    public const string KeyUnusable = "blob.key_unusable";

    /// <summary>The row exists but the content store has no content under its key.</summary>
    public const string ContentMissing = "blob.content_missing";

    /// <summary>The content fails authentication: changed, truncated, reordered, mixed with another blob, or not ours.</summary>
    public const string Tampered = "blob.tampered";
}
