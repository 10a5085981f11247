using System.Text.Json;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Disclosures;
using Custodian.Core.Features.Mail;
using NodaTime;

namespace Custodian.Configuration;

/// <summary>
/// Merges configuration from command-line flags, environment variables and an optional JSON settings file, in that
/// order of precedence. The settings file is <c>--config</c> / <c>CUSTODIAN_CONFIG</c>, or <c>custodian.json</c> in the
/// working directory when it exists. Unknown keys in the file are an error, not silently ignored.
/// </summary>
internal static class SettingsResolver
{
    internal static readonly IReadOnlyList<SettingDescriptor> Descriptors =
    [
        new("db", "--db", "CUSTODIAN_DB", "SQLite file path or PostgreSQL connection string", "<data>/custodian.db"),
        new("data", "--data", "CUSTODIAN_DATA", "Data folder (SQLite file, blobs, outbox, keys)", "./data"),
        new("register", "--register", "CUSTODIAN_REGISTER", "Processing register file", "the shipped policy/register.yaml"),
        new("masterKeyFile", "--master-key-file", "CUSTODIAN_MASTER_KEY_FILE", "File holding the base64 master key (32 bytes)", "none; serve --dev creates one under <data>/secrets"),
        new("urls", "--urls", "CUSTODIAN_URLS", "Addresses to listen on (ASP.NET Core --urls)", DefaultUrlsText),
        new("sweepAt", "--sweep-at", "CUSTODIAN_SWEEP_AT", "Daily time of serve's retention sweep, HH:mm in Europe/Amsterdam, or 'off'", "03:30"),
        new("keys", "--keys", "CUSTODIAN_KEYS", "Key store folder (key-encryption keys; keep it on its own volume, backed up separately with a short retention)", "<data>/keys"),
        new("kekRotationInterval", "", "CUSTODIAN_KEK_ROTATION_INTERVAL", "How often serve makes a new key-encryption key (e.g. 30d, 12h)", "30d"),
        new("disclosureWithoutDelay", "", "CUSTODIAN_DISCLOSURE_WITHOUT_DELAY", "How long after receipt an authority order counts as not complied \"without delay\" (Tw 13.4), e.g. 24h, 8h; the order register's late alert", "24h"),
        new("kekRetention", "", "CUSTODIAN_KEK_RETENTION", "How long a retired key-encryption key is kept before it is destroyed; at least the database backup retention (e.g. 35d)", "35d"),
        new("auditOrigin", "--audit-origin", "CUSTODIAN_AUDIT_ORIGIN", "The audit log's checkpoint origin and signing-key name (no spaces, no '+')", CustodianSettings.DefaultAuditOrigin),
        new("auditCheckpointExport", "--audit-checkpoint-export", "CUSTODIAN_AUDIT_CHECKPOINT_EXPORT", "Directory on another host or mount that every audit checkpoint is copied to", "none"),
        new("mailFrom", "", "CUSTODIAN_MAIL_FROM", "The From address of request mail", CustodianSettings.DefaultMailFrom),
        new("smtpHost", "", "CUSTODIAN_SMTP_HOST", "SMTP server for request mail; none (and always with serve --dev): each message is written as an .eml file to <data>/outbox", "none"),
        new("smtpPort", "", "CUSTODIAN_SMTP_PORT", "SMTP port", "587"),
        new("smtpSecurity", "", "CUSTODIAN_SMTP_SECURITY", "SMTP transport security: starttls, tls or none (none only for a relay on localhost)", "starttls"),
        new("smtpUser", "", "CUSTODIAN_SMTP_USER", "SMTP user name", "none"),
        new("smtpPassword", "", "CUSTODIAN_SMTP_PASSWORD", "SMTP password (prefer the environment variable over the settings file)", "none"),
        new("publicUrl", "--public-url", "CUSTODIAN_PUBLIC_URL", "The portal's public address (https://…), for the links in request mail and SMS; without it the links are paths only", "none; serve --dev: the listen address"),
        new("trustedProxies", "", "CUSTODIAN_TRUSTED_PROXIES", "Addresses or networks (CIDR) of the load balancers/reverse proxies whose X-Forwarded-For and X-Forwarded-Proto serve believes, comma separated, e.g. 10.0.0.5,10.1.0.0/16; the client address they give is what the portal's per-client limits count. None: the connection's own address counts", "none"),
        new("metricsUrls", "--metrics-urls", "CUSTODIAN_METRICS_URLS", "Extra listen address(es) on which serve answers the Prometheus scrape at /metrics (and nothing else answers /metrics), e.g. http://127.0.0.1:9464; keep it off the public load balancer. OTLP push is on when OTEL_EXPORTER_OTLP_ENDPOINT is set", "none"),
        new("apiRateLimit", "", "CUSTODIAN_API_RATE_LIMIT", "Requests per second per API key, with a burst: 'N/s burst M', or 'off'. Counted per node: with N nodes a key gets N times the rate unless the load balancer pins keys (or set total/N)", "50/s burst 200"),
        new("blobStore", "", "CUSTODIAN_BLOB_STORE", "Where encrypted blob contents live: filesystem (<data>/blobs) or s3 (a bucket; see docs/object-storage.md)", "filesystem"),
        new("s3ServiceUrl", "", "CUSTODIAN_S3_SERVICE_URL", "An S3-compatible server's address (https; http only on localhost); none means AWS S3 in s3Region. Credentials come only from the environment (CUSTODIAN_S3_ACCESS_KEY, CUSTODIAN_S3_SECRET_KEY) or the AWS SDK's default chain", "none"),
        new("s3Bucket", "", "CUSTODIAN_S3_BUCKET", "The bucket for blob contents (blobStore s3)", "none"),
        new("s3Region", "", "CUSTODIAN_S3_REGION", "The AWS region of the bucket (signing region for an S3-compatible server)", "eu-central-1"),
        new("s3Prefix", "", "CUSTODIAN_S3_PREFIX", "Key prefix inside the bucket, e.g. custodian/blobs", "none (the bucket's root)"),
        new("smsGatewayUrl", "", "CUSTODIAN_SMS_GATEWAY_URL", "The provider's SMS bridge (docs/formats/sms-gateway.md), https (http only to localhost); none (and always with serve --dev): each SMS is written as a .sms.json file to <data>/outbox. Its bearer token comes only from the environment: CUSTODIAN_SMS_GATEWAY_TOKEN", "none"),
    ];

    private const string DefaultUrlsText = CustodianSettings.DefaultUrls;

    private static string? MetricsUrls(string? value, SettingSource source)
    {
        if (value is null)
        {
            return null;
        }

        foreach (var url in value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.IsDefaultPort || uri.AbsolutePath != "/")
            {
                throw new SettingsException($"error settings.invalid_metrics_url: \"{url}\" ({source}) is not an http(s)://host:port address with an explicit port and no path.");
            }
        }

        return value.Trim();
    }

    /// <summary>The register shipped next to the executable.</summary>
    internal static string ShippedRegisterPath => Path.Combine(AppContext.BaseDirectory, "policy", "register.yaml");

    internal static CustodianSettings Resolve(
        IReadOnlyDictionary<string, string?> flags,
        Func<string, string?> environment,
        string? configFileFlag,
        string workingDirectory)
    {
        ArgumentNullException.ThrowIfNull(flags);
        ArgumentNullException.ThrowIfNull(environment);

        var configPath = configFileFlag ?? environment("CUSTODIAN_CONFIG");
        var explicitConfig = configPath is not null;
        configPath ??= Path.Combine(workingDirectory, "custodian.json");
        configPath = Path.GetFullPath(configPath, workingDirectory);

        var fromFile = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (File.Exists(configPath))
        {
            fromFile = ReadSettingsFile(configPath);
        }
        else if (explicitConfig)
        {
            throw new SettingsException($"{configPath}: settings file not found (given by --config or CUSTODIAN_CONFIG).");
        }

        var sources = new Dictionary<string, SettingSource>(StringComparer.Ordinal);
        string? Pick(SettingDescriptor d)
        {
            if (flags.TryGetValue(d.Key, out var f) && !string.IsNullOrWhiteSpace(f))
            {
                sources[d.Key] = SettingSource.Flag;
                return f;
            }

            var e = environment(d.EnvironmentVariable);
            if (!string.IsNullOrWhiteSpace(e))
            {
                sources[d.Key] = SettingSource.Environment;
                return e;
            }

            if (fromFile.TryGetValue(d.Key, out var s) && !string.IsNullOrWhiteSpace(s))
            {
                sources[d.Key] = SettingSource.SettingsFile;
                return s;
            }

            sources[d.Key] = SettingSource.Default;
            return null;
        }

        // Relative paths in the settings file are relative to the file, elsewhere to the working directory.
        string BaseFor(string key) =>
            sources.GetValueOrDefault(key) == SettingSource.SettingsFile ? Path.GetDirectoryName(configPath)! : workingDirectory;

        var byKey = Descriptors.ToDictionary(d => d.Key, Pick, StringComparer.Ordinal);

        var data = Path.GetFullPath(byKey["data"] ?? "data", BaseFor("data"));
        var register = byKey["register"] is { } r ? Path.GetFullPath(r, BaseFor("register")) : ShippedRegisterPath;
        var masterKey = byKey["masterKeyFile"] is { } k ? Path.GetFullPath(k, BaseFor("masterKeyFile")) : null;
        var auditOrigin = byKey["auditOrigin"]?.Trim() ?? CustodianSettings.DefaultAuditOrigin;
        if (auditOrigin.Any(c => char.IsWhiteSpace(c) || c == '+'))
        {
            throw new SettingsException($"error settings.invalid_audit_origin: the audit origin \"{auditOrigin}\" ({sources["auditOrigin"]}) must have no spaces and no '+' (it is a signed-note key name).");
        }

        var auditExport = byKey["auditCheckpointExport"] is { } x ? Path.GetFullPath(x, BaseFor("auditCheckpointExport")) : null;

        var keys = byKey["keys"] is { } ks ? Path.GetFullPath(ks, BaseFor("keys")) : Path.Combine(data, "keys");

        return new CustodianSettings
        {
            DataFolder = data,
            Database = byKey["db"],
            RegisterPath = register,
            MasterKeyFile = masterKey,
            Urls = byKey["urls"],
            MetricsUrls = MetricsUrls(byKey["metricsUrls"], sources["metricsUrls"]),
            SweepAt = byKey["sweepAt"],
            ApiRateLimit = Features.ApiKeys.ApiRateLimit.Parse(byKey["apiRateLimit"], sources["apiRateLimit"]),
            KeysFolder = keys,
            KekRotationInterval = DurationText.ParseSetting("kekRotationInterval", byKey["kekRotationInterval"], KeyRotation.DefaultRotationInterval, Duration.FromHours(1)),
            KekRetention = DurationText.ParseSetting("kekRetention", byKey["kekRetention"], KeyRotation.DefaultKekRetention, KeyRotation.MinimumKekRetention),
            DisclosureWithoutDelay = DurationText.ParseSetting("disclosureWithoutDelay", byKey["disclosureWithoutDelay"], DisclosuresOptions.DefaultWithoutDelay, DisclosuresOptions.MinimumWithoutDelay),
            AuditOrigin = auditOrigin,
            AuditCheckpointExport = auditExport,
            MailFrom = byKey["mailFrom"]?.Trim() ?? CustodianSettings.DefaultMailFrom,
            SmtpHost = byKey["smtpHost"]?.Trim(),
            SmtpPort = byKey["smtpPort"] is { } port
                ? int.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var p) && p is > 0 and < 65536
                    ? p
                    : throw new SettingsException($"error settings.invalid_smtp_port: \"{port}\" ({sources["smtpPort"]}) is not a port number (1-65535).")
                : 587,
            SmtpSecurity = byKey["smtpSecurity"]?.Trim() switch
            {
                null or "starttls" => SmtpSecurity.StartTls,
                "tls" => SmtpSecurity.Tls,
                "none" => SmtpSecurity.None,
                var other => throw new SettingsException($"error settings.invalid_smtp_security: \"{other}\" ({sources["smtpSecurity"]}) is not starttls, tls or none."),
            },
            SmtpUser = byKey["smtpUser"],
            SmtpPassword = byKey["smtpPassword"],
            PublicUrl = ParsePublicUrl(byKey["publicUrl"], sources["publicUrl"]),
            TrustedProxies = ParseTrustedProxies(byKey["trustedProxies"], sources["trustedProxies"]),
            SmsGatewayUrl = ParseGatewayUrl(byKey["smsGatewayUrl"], sources["smsGatewayUrl"]),
            // Only from the environment, never from a settings file (a file is copied, committed, backed up).
            SmsGatewayToken = environment(SmsGatewayTokenVariable) is { Length: > 0 } token ? token.Trim() : null,
            BlobStoreKind = ParseBlobStore(byKey["blobStore"], sources["blobStore"]),
            S3 = ParseS3(byKey, sources, environment),
            Sources = sources,
        };
    }

    internal const string SmsGatewayTokenVariable = "CUSTODIAN_SMS_GATEWAY_TOKEN";

    internal const string S3AccessKeyVariable = "CUSTODIAN_S3_ACCESS_KEY";

    internal const string S3SecretKeyVariable = "CUSTODIAN_S3_SECRET_KEY";

    private static BlobStoreKind ParseBlobStore(string? text, SettingSource source) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "filesystem" => BlobStoreKind.FileSystem,
        "s3" => BlobStoreKind.S3,
        var other => throw new SettingsException($"error settings.invalid_blob_store: \"{other}\" ({source}) is not filesystem or s3."),
    };

    /// <summary>
    /// The bucket settings, whenever a bucket is named (also with <c>blobStore</c> = filesystem: <c>blobs migrate</c>
    /// copies between the two). The keys come only from the environment, never from a settings file (a file is copied,
    /// committed, backed up); without them the AWS SDK's default chain (profile, instance role, AWS_* variables) applies.
    /// </summary>
    private static S3BlobStoreOptions? ParseS3(Dictionary<string, string?> byKey, Dictionary<string, SettingSource> sources, Func<string, string?> environment)
    {
        var bucket = byKey["s3Bucket"]?.Trim();
        if (string.IsNullOrEmpty(bucket))
        {
            if (string.Equals(byKey["blobStore"]?.Trim(), "s3", StringComparison.OrdinalIgnoreCase))
            {
                throw new SettingsException("error settings.s3_bucket_missing: blobStore is s3 but no bucket is set (s3Bucket / CUSTODIAN_S3_BUCKET).");
            }

            return null;
        }

        Uri? serviceUrl = null;
        if (byKey["s3ServiceUrl"] is { } u && u.Trim() is not ("" or "none"))
        {
            if (!Uri.TryCreate(u.Trim(), UriKind.Absolute, out serviceUrl)
                || !(serviceUrl.Scheme == Uri.UriSchemeHttps || (serviceUrl.Scheme == Uri.UriSchemeHttp && serviceUrl.IsLoopback)))
            {
                throw new SettingsException($"error settings.invalid_s3_service_url: \"{u}\" ({sources["s3ServiceUrl"]}) is not an https URL (http only on localhost).");
            }
        }

        var accessKey = environment(S3AccessKeyVariable)?.Trim();
        var secretKey = environment(S3SecretKeyVariable)?.Trim();
        if (string.IsNullOrEmpty(accessKey) != string.IsNullOrEmpty(secretKey))
        {
            throw new SettingsException($"error settings.s3_credentials_incomplete: set both {S3AccessKeyVariable} and {S3SecretKeyVariable}, or neither (the AWS SDK's default chain).");
        }

        return new S3BlobStoreOptions
        {
            ServiceUrl = serviceUrl,
            Bucket = bucket,
            Region = byKey["s3Region"]?.Trim(),
            Prefix = byKey["s3Prefix"]?.Trim() ?? "",
            AccessKey = string.IsNullOrEmpty(accessKey) ? null : accessKey,
            SecretKey = string.IsNullOrEmpty(secretKey) ? null : secretKey,
        };
    }

    /// <summary>
    /// The gateway must be https: the bearer token and the numbers travel in the request. Plain http is allowed only to
    /// a loopback address (a bridge on the same host, and the tests).
    /// </summary>
    /// <summary>The portal's public base: https (http only on localhost), no query or fragment; links are appended to its path.</summary>
    private static List<System.Net.IPNetwork> ParseTrustedProxies(string? text, SettingSource source)
    {
        if (text is null)
        {
            return [];
        }

        var networks = new List<System.Net.IPNetwork>();
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (System.Net.IPNetwork.TryParse(item, out var network))
            {
                networks.Add(network);
            }
            else if (System.Net.IPAddress.TryParse(item, out var address))
            {
                networks.Add(new System.Net.IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            }
            else
            {
                throw new SettingsException($"error settings.invalid_trusted_proxy: \"{item}\" ({source}) is not an IP address or a CIDR network such as 10.0.0.0/8.");
            }
        }

        return networks;
    }

    private static Uri? ParsePublicUrl(string? text, SettingSource source)
    {
        if (text is null || text.Trim() is "" or "none")
        {
            return null;
        }

        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var url)
            || !(url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && url.IsLoopback))
            || url.Query.Length > 0 || url.Fragment.Length > 0)
        {
            throw new SettingsException($"error settings.invalid_public_url: \"{text}\" ({source}) is not an https URL without query or fragment (http only on localhost).");
        }

        return url;
    }

    private static Uri? ParseGatewayUrl(string? text, SettingSource source)
    {
        if (text is null || text.Trim() is "" or "none")
        {
            return null;
        }

        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var url)
            || !(url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && url.IsLoopback)))
        {
            throw new SettingsException($"error settings.invalid_sms_gateway_url: \"{text}\" ({source}) is not an https URL (http only to localhost).");
        }

        return url;
    }

    private static Dictionary<string, string?> ReadSettingsFile(string path)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new SettingsException($"{path}:{(ex.LineNumber ?? 0) + 1}:{(ex.BytePositionInLine ?? 0) + 1}: error settings.json_syntax: {ex.Message}");
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new SettingsException($"{path}: error settings.not_an_object: the settings file must hold one JSON object, e.g. {{ \"db\": \"...\" }}.");
            }

            var known = Descriptors.Select(d => d.Key).ToHashSet(StringComparer.Ordinal);
            var result = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (!known.Contains(p.Name))
                {
                    throw new SettingsException(
                        $"{path}: error settings.unknown_key: unknown setting \"{p.Name}\". Known settings: {string.Join(", ", known)}.");
                }

                if (p.Value.ValueKind != JsonValueKind.String)
                {
                    throw new SettingsException($"{path}: error settings.not_a_string: setting \"{p.Name}\" must be a string.");
                }

                result[p.Name] = p.Value.GetString();
            }

            return result;
        }
    }
}

// Flag is empty for settings given only by environment variable or settings file.
internal sealed record SettingDescriptor(string Key, string Flag, string EnvironmentVariable, string Description, string Default);

/// <summary>A configuration problem the operator must fix; the message names the source and the rule.</summary>
internal sealed class SettingsException(string message) : Exception(message);
