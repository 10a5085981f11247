using Amazon;
using Amazon.Runtime;
using Amazon.S3;

namespace Custodian.Core.Features.Blobs;

/// <summary>
/// Where an <see cref="S3BlobStore"/> keeps its contents: a bucket on AWS S3 or an S3-compatible server, and an
/// optional key prefix inside it. Credentials are either given here (the host takes them only from the environment,
/// never from a settings file) or, when both are null, found by the SDK's default chain (environment, profile,
/// instance role).
/// </summary>
internal sealed record S3BlobStoreOptions
{
    /// <summary>An S3-compatible server's address (e.g. <c>https://s3.example:9000</c>); null means AWS in <see cref="Region"/>.</summary>
    public Uri? ServiceUrl { get; init; }

    public required string Bucket { get; init; }

    /// <summary>The AWS region (e.g. <c>eu-central-1</c>); with a <see cref="ServiceUrl"/> only used to sign requests.</summary>
    public string? Region { get; init; }

    /// <summary>Prepended to every key, e.g. <c>custodian/blobs/</c>; empty for the bucket's root. Normalised to end in <c>/</c>.</summary>
    public string Prefix { get; init; } = "";

    public string? AccessKey { get; init; }

    public string? SecretKey { get; init; }

    /// <summary>
    /// Contents up to this size are sent in one PutObject (buffered in memory); larger ones as a multipart upload in
    /// parts of this size. S3 requires at least 5 MiB for every part but the last.
    /// </summary>
    public int PartSize { get; init; } = DefaultPartSize;

    /// <summary>Keys per ListObjectsV2 page (S3's maximum is 1000); tests set it small to exercise paging.</summary>
    public int ListPageSize { get; init; } = 1000;

    /// <summary>
    /// Send <c>If-None-Match: *</c> on writes so the server itself refuses to replace an existing key (AWS S3 since
    /// 2024, MinIO). A server that rejects the header needs this off; the HEAD check before each write remains.
    /// </summary>
    public bool ConditionalWrites { get; init; } = true;

    public const int DefaultPartSize = 8 * 1024 * 1024;

    public const int MinimumPartSize = 5 * 1024 * 1024;

    /// <summary>The prefix as used in keys: empty, or ending in exactly one <c>/</c>.</summary>
    public string NormalizedPrefix
    {
        get
        {
            var p = Prefix.Trim().Trim('/');
            return p.Length == 0 ? "" : p + "/";
        }
    }

    /// <summary>A client for these options. Path-style addressing for an explicit server (no per-bucket DNS names).</summary>
    public AmazonS3Client CreateClient()
    {
        var config = new AmazonS3Config();
        if (ServiceUrl is not null)
        {
            config.ServiceURL = ServiceUrl.ToString();
            config.ForcePathStyle = true;
            if (Region is { Length: > 0 })
            {
                config.AuthenticationRegion = Region;
            }
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(Region is { Length: > 0 } r ? r : "eu-central-1");
        }

        return AccessKey is { Length: > 0 } && SecretKey is { Length: > 0 }
            ? new AmazonS3Client(new BasicAWSCredentials(AccessKey, SecretKey), config)
            : new AmazonS3Client(config);
    }

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Bucket))
        {
            throw new ArgumentException("an S3 blob store needs a bucket");
        }

        if (PartSize < MinimumPartSize)
        {
            throw new ArgumentException($"S3 parts are at least {MinimumPartSize} bytes");
        }

        if (ListPageSize is < 1 or > 1000)
        {
            throw new ArgumentException("an S3 list page holds 1 to 1000 keys");
        }

        if ((AccessKey is null) != (SecretKey is null))
        {
            throw new ArgumentException("give both the S3 access key and the secret key, or neither (the SDK's default chain)");
        }
    }
}
