namespace Custodian.Core.Features.Store;

/// <summary>Limits of content uploads (attachments, recordings).</summary>
/// <param name="MaxContentBytes">The largest accepted content, in bytes (default 50 MiB); larger uploads get 413 and nothing is stored.</param>
internal sealed record UploadOptions(long MaxContentBytes = UploadOptions.DefaultMaxContentBytes)
{
    public const long DefaultMaxContentBytes = 50L * 1024 * 1024;
}
