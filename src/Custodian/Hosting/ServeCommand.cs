using System.CommandLine;
using Custodian.Cli;
using Custodian.Configuration;
using Custodian.Core.Features.Retention;
using Custodian.Core.Persistence;
using Custodian.Features.Accounts;
using Custodian.Features.Audit;
using Custodian.Features.Database;
using Custodian.Features.Demo;
using Custodian.Features.Keys;
using Custodian.Features.Register;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Custodian.Hosting;

/// <summary>
/// <c>custodian serve [--dev] [--urls URLS]</c>: validates the register, checks the database's durability settings,
/// applies migrations, records the register version, then runs the web application until stopped.
/// </summary>
internal static class ServeCommand
{
    internal static Command Build()
    {
        var dev = new Option<bool>("--dev")
        {
            Description = "Development mode: embedded SQLite under the data folder, the shipped register, a generated master key " +
                          "under <data>/secrets, loopback address. Without --dev an explicit database and master key are required.",
        };
        var urls = new Option<string?>("--urls")
        {
            Description = $"Addresses to listen on, ASP.NET Core style, e.g. http://127.0.0.1:8080. Env: CUSTODIAN_URLS. Default: {CustodianSettings.DefaultUrls}",
        };
        var sweepAt = new Option<string?>("--sweep-at")
        {
            Description = "Daily time of the retention sweep, HH:mm in Europe/Amsterdam, or 'off' (then run 'custodian retention run' yourself). Env: CUSTODIAN_SWEEP_AT. Default: 03:30",
        };
        var metricsUrls = new Option<string?>("--metrics-urls")
        {
            Description = "Extra listen address(es) that answer only the Prometheus scrape at /metrics, e.g. http://127.0.0.1:9464 (keep it off the public load balancer). Env: CUSTODIAN_METRICS_URLS. Default: none",
        };
        var serve = new Command("serve", "Run the web application: public portal, privacy statement, REST API, health endpoint, scheduled retention sweeps")
        {
            dev,
            urls,
            sweepAt,
            metricsUrls,
        };
        serve.SetAction((parse, ct) => RunAsync(
            CustodianCli.ResolveSettings(parse, new Dictionary<string, string?> { ["urls"] = parse.GetValue(urls), ["sweepAt"] = parse.GetValue(sweepAt), ["metricsUrls"] = parse.GetValue(metricsUrls) }),
            parse.GetValue(dev),
            parse.InvocationConfiguration.Output,
            parse.InvocationConfiguration.Error,
            ct));
        return serve;
    }

    internal static async Task<int> RunAsync(CustodianSettings settings, bool dev, TextWriter output, TextWriter error, CancellationToken ct)
    {
        var prepared = await PrepareAsync(settings, dev, output, error, ct);
        if (prepared is null)
        {
            return ExitCodes.Failure;
        }

        await using var app = CustodianWebApp.Build(prepared);
        await app.StartAsync(ct);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var metricsPorts = Features.Monitoring.MetricsSetup.Ports(prepared.MetricsUrls);
        foreach (var address in addresses)
        {
            if (metricsPorts.Contains(new Uri(address.Replace("*", "localhost", StringComparison.Ordinal).Replace("+", "localhost", StringComparison.Ordinal)).Port))
            {
                await output.WriteLineAsync($"Metrics (Prometheus scrape) on {address.TrimEnd('/')}{Features.Monitoring.MetricsSetup.ScrapePath}");
                continue;
            }

            await output.WriteLineAsync($"Custodian is listening on {address}");
            await output.WriteLineAsync($"  privacy statement: {address.TrimEnd('/')}/privacy  (English: {address.TrimEnd('/')}/privacy?lang=en)");
            await output.WriteLineAsync($"  health:            {address.TrimEnd('/')}/health");
            await output.WriteLineAsync($"  API description:   {address.TrimEnd('/')}/openapi/v1.json");
            await output.WriteLineAsync($"  back office:       {address.TrimEnd('/')}/office/login");
        }

        await output.WriteLineAsync("Press Ctrl+C to stop.");
        await app.WaitForShutdownAsync(ct);
        return ExitCodes.Success;
    }

    /// <summary>Everything <c>serve</c> checks before it listens. Returns null (after printing why) when it must not start.</summary>
    internal static async Task<ServeOptions?> PrepareAsync(CustodianSettings settings, bool dev, TextWriter output, TextWriter error, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!dev)
        {
            var missing = new List<string>();
            if (settings.Sources.GetValueOrDefault("db") == SettingSource.Default)
            {
                missing.Add("a database (--db, CUSTODIAN_DB or \"db\" in the settings file: a SQLite file path or a PostgreSQL connection string)");
            }

            if (settings.MasterKeyFile is null)
            {
                missing.Add("a master key file (--master-key-file, CUSTODIAN_MASTER_KEY_FILE or \"masterKeyFile\"; create one with: head -c 32 /dev/urandom | base64 > master.key)");
            }

            if (missing.Count > 0)
            {
                await error.WriteLineAsync("error serve.configuration_required: serve without --dev refuses to start without explicit configuration. Missing:");
                foreach (var m in missing)
                {
                    await error.WriteLineAsync($"  - {m}");
                }

                await error.WriteLineAsync("For a local trial run use: custodian serve --dev");
                return null;
            }
        }

        var schedule = SweepSchedule.Parse(settings.SweepAt, out var scheduleError);
        if (scheduleError is not null)
        {
            await error.WriteLineAsync($"error {scheduleError}");
            return null;
        }

        var masterKey = MasterKeyFiles.LoadForServe(settings, dev);

        var (register, diagnostics) = ActiveRegister.Load(settings.RegisterPath);
        if (register is null)
        {
            foreach (var d in diagnostics)
            {
                await error.WriteLineAsync(d.ToString());
            }

            await error.WriteLineAsync($"error serve.invalid_register: {settings.RegisterPath} is not a valid processing register; fix the errors above (custodian register check).");
            return null;
        }

        var target = DatabaseTarget.Resolve(settings.Database, settings.DataFolder);
        if (!await DatabaseStartup.PrepareAsync(target, register, output, error, ct))
        {
            return null;
        }

        if (dev)
        {
            // A newcomer's first run: an empty database gets demo data and keys to try the API with.
            await DevSeeding.SeedIfEmptyAsync(register, target, masterKey, settings.DataFolder, settings.KeysFolder, settings.Urls ?? CustodianSettings.DefaultUrls, output, ct, AuditSettings.Configure(settings), settings.BlobStoreS3);
            await DevStaffSeeding.SeedAsync(target, masterKey, AuditSettings.Configure(settings), settings.Urls ?? CustodianSettings.DefaultUrls, output, ct);
        }

        if (!dev && settings.SmtpHost is null)
        {
            // Not an error (a test or staging node may want exactly this), but nobody would receive a code or a notice.
            await error.WriteLineAsync($"warning serve.no_smtp: no SMTP host is set (CUSTODIAN_SMTP_HOST), so request mail is written to {Path.Combine(settings.DataFolder, "outbox")} and reaches nobody.");
        }

        if (!dev && settings.SmsGatewayUrl is null)
        {
            // As for mail: a requester who gives a phone number would never receive the code.
            await error.WriteLineAsync($"warning serve.no_sms_gateway: no SMS gateway is set (CUSTODIAN_SMS_GATEWAY_URL), so request SMS are written to {Path.Combine(settings.DataFolder, "outbox")} and reach nobody.");
        }
        else if (!dev && settings.SmsGatewayToken is null)
        {
            await error.WriteLineAsync($"error serve.sms_gateway_token_missing: an SMS gateway is set but {SettingsResolver.SmsGatewayTokenVariable} is not; the token is read from the environment only.");
            return null;
        }

        if (!dev && settings.PublicUrl is null)
        {
            await error.WriteLineAsync("warning serve.no_public_url: no public address is set (CUSTODIAN_PUBLIC_URL), so the links in request mail and SMS are paths only (/requests/...), which recipients cannot open.");
        }

        return new ServeOptions(register, target, masterKey, settings.DataFolder, settings.Urls ?? CustodianSettings.DefaultUrls, dev)
        {
            SweepSchedule = schedule,
            MetricsUrls = settings.MetricsUrls,
            TrustedProxies = settings.TrustedProxies,
            ApiRateLimit = settings.ApiRateLimit,
            KeysFolder = settings.KeysFolder,
            BlobStoreS3 = settings.BlobStoreS3,
            KeySchedule = new KeySchedule(settings.KekRotationInterval, settings.KekRetention),
            Audit = AuditSettings.Configure(settings),
            Mail = Features.Requests.MailSettings.Configure(settings, dev),
            Sms = Features.Sms.SmsSettings.Configure(settings, dev),
            Disclosures = new Core.Features.Disclosures.DisclosuresOptions { WithoutDelay = settings.DisclosureWithoutDelay },
            PublicUrl = settings.PublicUrl ?? (dev ? DevPublicUrl(settings.Urls ?? CustodianSettings.DefaultUrls) : null),
        };
    }

    /// <summary>Under <c>--dev</c> the links in request messages point at the first listen address (a wildcard host as localhost).</summary>
    internal static Uri? DevPublicUrl(string urls)
    {
        var first = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        if (first is null)
        {
            return null;
        }

        first = first.Replace("://*", "://localhost", StringComparison.Ordinal)
            .Replace("://+", "://localhost", StringComparison.Ordinal)
            .Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal);
        return Uri.TryCreate(first, UriKind.Absolute, out var url) ? url : null;
    }
}
