namespace Custodian.Configuration;

/// <summary>
/// The settings every command runs with, after flags, environment variables and the optional settings file were
/// merged (in that order of precedence) by <see cref="SettingsResolver"/>.
/// </summary>
internal sealed record CustodianSettings
{
    /// <summary>Absolute path of the data folder (SQLite file, blobs, outbox, keys).</summary>
    public required string DataFolder { get; init; }

    /// <summary>The raw database setting: a SQLite file path or a PostgreSQL connection string; null means the default SQLite file.</summary>
    public string? Database { get; init; }

    /// <summary>Absolute path of the processing register file.</summary>
    public required string RegisterPath { get; init; }

    /// <summary>Absolute path of the file holding the master key (base64, 32 bytes); null when not configured.</summary>
    public string? MasterKeyFile { get; init; }

    /// <summary>ASP.NET Core URLs to listen on (semicolon separated); null means the default loopback address.</summary>
    public string? Urls { get; init; }

    /// <summary>Proxies whose X-Forwarded-For/-Proto headers are believed; empty: none (the connection's address counts).</summary>
    public IReadOnlyList<System.Net.IPNetwork> TrustedProxies { get; init; } = [];

    /// <summary>Extra listen addresses for the Prometheus scrape (<c>/metrics</c>); null: no scrape endpoint.</summary>
    public string? MetricsUrls { get; init; }

    /// <summary>The API's per-key rate limit (<c>apiRateLimit</c>); null: off.</summary>
    public Features.ApiKeys.ApiRateLimit? ApiRateLimit { get; init; } = Features.ApiKeys.ApiRateLimit.Default;

    /// <summary>The retention sweep's daily time (<c>HH:mm</c> Europe/Amsterdam) or <c>off</c>; null means the default, 03:30.</summary>
    public string? SweepAt { get; init; }

    /// <summary>Absolute path of the key store folder (key-encryption keys); default <c>&lt;data&gt;/keys</c>.</summary>
    public string KeysFolder
    {
        get => field ?? Path.Combine(DataFolder, "keys");
        init;
    }

    /// <summary>How often <c>serve</c> rotates the key-encryption key.</summary>
    public NodaTime.Duration KekRotationInterval { get; init; } = Core.Features.Blobs.KeyRotation.DefaultRotationInterval;

    /// <summary>How long a retired key-encryption key is kept before it is destroyed.</summary>
    public NodaTime.Duration KekRetention { get; init; } = Core.Features.Blobs.KeyRotation.DefaultKekRetention;

    /// <summary>When an authority order not yet complied counts as late ("without delay", Tw 13.4); the order register's alert.</summary>
    public NodaTime.Duration DisclosureWithoutDelay { get; init; } = Core.Features.Disclosures.DisclosuresOptions.DefaultWithoutDelay;

    /// <summary>The audit log's checkpoint origin (C2SP) and signing-key name; changing it invalidates held checkpoints.</summary>
    public string AuditOrigin { get; init; } = DefaultAuditOrigin;

    /// <summary>Absolute path of the directory every audit checkpoint is copied to (off-box: NFS, WORM); null = none.</summary>
    public string? AuditCheckpointExport { get; init; }

    /// <summary>Where each value came from, for <c>custodian config</c>-style diagnostics and error messages.</summary>
    public string MailFrom { get; init; } = DefaultMailFrom;

    /// <summary>Null: mail is written to <c>&lt;data&gt;/outbox</c> as .eml files (always so with <c>serve --dev</c>).</summary>
    public string? SmtpHost { get; init; }

    public int SmtpPort { get; init; } = 587;

    public Core.Features.Mail.SmtpSecurity SmtpSecurity { get; init; } = Core.Features.Mail.SmtpSecurity.StartTls;

    public string? SmtpUser { get; init; }

    public string? SmtpPassword { get; init; }

    /// <summary>The portal's public address for links in request messages; null: links are paths (serve --dev uses the listen address).</summary>
    public Uri? PublicUrl { get; init; }

    /// <summary>Null: SMS are written to <c>&lt;data&gt;/outbox</c> as .sms.json files (always so with <c>serve --dev</c>).</summary>
    public Uri? SmsGatewayUrl { get; init; }

    /// <summary>The gateway's bearer token, from <c>CUSTODIAN_SMS_GATEWAY_TOKEN</c> only.</summary>
    public string? SmsGatewayToken { get; init; }

    /// <summary>Where encrypted blob contents live (<c>blobStore</c>); the key store stays in <see cref="KeysFolder"/> either way.</summary>
    public BlobStoreKind BlobStoreKind { get; init; }

    /// <summary>The bucket (<c>s3Bucket</c> etc.; keys from the environment only); null when no bucket is named.</summary>
    public Core.Features.Blobs.S3BlobStoreOptions? S3 { get; init; }

    /// <summary>The bucket when <see cref="BlobStoreKind"/> is S3, else null: pass it to <c>AddCustodianBlobs</c>.</summary>
    public Core.Features.Blobs.S3BlobStoreOptions? BlobStoreS3 => BlobStoreKind == BlobStoreKind.S3 ? S3 : null;

    public required IReadOnlyDictionary<string, SettingSource> Sources { get; init; }

    // The record's generated ToString would print the SMTP password: print only where the data lives.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("DataFolder = ").Append(DataFolder);
        return true;
    }

    public const string DefaultUrls = "http://127.0.0.1:5080";

    public const string DefaultMailFrom = "privacy@custodian.invalid";

    public const string DefaultAuditOrigin = "custodian.invalid/audit";
}

internal enum BlobStoreKind
{
    FileSystem,
    S3,
}

internal enum SettingSource
{
    Default,
    SettingsFile,
    Environment,
    Flag,
}
