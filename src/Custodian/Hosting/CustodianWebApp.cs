using Custodian.Configuration;
using Custodian.Core.Common;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Breaches;
using Custodian.Core.Features.Consent;
using Custodian.Core.Features.Dashboard;
using Custodian.Core.Features.Disclosures;
using Custodian.Core.Features.Disclosures.Emergency;
using Custodian.Core.Features.Mail;
using Custodian.Core.Features.Requests;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Shielding;
using Custodian.Core.Features.Store;
using Custodian.Core.Persistence;
using Custodian.Features.ApiKeys;
using Custodian.Features.Audit;
using Custodian.Features.Breaches;
using Custodian.Features.Consent;
using Custodian.Features.Disclosures;
using Custodian.Features.Disclosures.Emergency;
using Custodian.Features.Health;
using Custodian.Features.Keys;
using Custodian.Features.Monitoring;
using Custodian.Features.Office;
using Custodian.Features.Organizations;
using Custodian.Features.Register;
using Custodian.Features.Requests;
using Custodian.Features.Retention;
using Custodian.Features.Shielding;
using Custodian.Features.Sms;
using Custodian.Features.Store;
using Custodian.Features.Subjects;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace Custodian.Hosting;

/// <summary>
/// Builds the one web application: public portal pages, the back office under <c>/office</c> (staff sessions, see
/// <see cref="CustodianAuthorization"/>), the REST API under <c>/api/v1</c> (described at
/// <c>/openapi/v1.json</c>), and <c>/health</c>. Start-up checks (register, database durability, migrations) have run
/// before this is called; see <see cref="ServeCommand"/>.
/// </summary>
internal static class CustodianWebApp
{
    internal static WebApplication Build(ServeOptions options, Action<WebApplicationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(CustodianWebApp).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
            EnvironmentName = options.Dev ? Environments.Development : Environments.Production,
            Args = [],
        });
        builder.WebHost.UseUrls(options.MetricsUrls is null ? options.Urls : $"{options.Urls};{options.MetricsUrls}");
        var metricsPorts = MetricsSetup.Ports(options.MetricsUrls);
        builder.AddCustodianMetrics(metricsPorts);
        LogPolicy.Apply(builder.Logging);

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(options.Register);
        builder.Services.AddCustodianDatabase(options.Database);
        DataProtectionSetup.AddCustodianDataProtection(builder.Services, options.MasterKey, options.DataFolder);
        builder.Services.AddCustodianBlobs(options.DataFolder, options.KeysFolder, options.BlobStoreS3);
        builder.Services.AddCustodianAudit(options.Audit);
        builder.Services.AddHostedService<AuditCheckpointTimer>();
        builder.Services.AddCustodianRetentionSweep();
        builder.Services.AddCustodianRetention();
        builder.Services.AddCustodianDashboard();
        builder.Services.AddCustodianBreaches();
        if (options.SweepSchedule is { } schedule)
        {
            builder.Services.AddSingleton(schedule);
            builder.Services.AddHostedService<RetentionSweepTimer>();
        }
        builder.Services.AddSingleton(options.KeySchedule);
        builder.Services.AddHostedService<KeyRotationTimer>();
        builder.Services.AddSingleton(options.Register.Register);
        builder.Services.AddCustodianStore(new StoreOptions(AllowDocumentationAddresses: options.Dev || options.AllowDocumentationAddresses));
        builder.Services.AddScoped<IdempotentCreate>();
        builder.Services.AddHostedService<IdempotencyPurgeTimer>();
        builder.Services.AddCustodianAccounts();
        // SMS before mail: a mail outbox also registers an SMS outbox unless a sender is registered already.
        builder.Services.AddCustodianSmsSender(options.Sms ?? new Core.Features.Sms.SmsOptions { OutboxFolder = Path.Combine(options.DataFolder, "outbox") });
        builder.Services.AddCustodianMail(options.Mail ?? new MailOptions { From = CustodianSettings.DefaultMailFrom, OutboxFolder = Path.Combine(options.DataFolder, "outbox") });
        builder.Services.AddSingleton(new Core.Features.Requests.PortalLinks(options.PublicUrl));
        builder.Services.AddCustodianRequestHandling();
        builder.Services.AddCustodianRequestWorkflow();
        builder.Services.AddCustodianDisclosures(options.Disclosures);
        builder.Services.AddCustodianEmergencyLookup();
        builder.Services.AddCustodianShielding();
        builder.Services.AddCustodianConsent();
        builder.Services.AddHostedService<Custodian.Features.Requests.RequestReminderTimer>();
        builder.Services.AddHostedService<Custodian.Features.Mail.MessageDispatchTimer>();
        builder.Services.AddCustodianAuthentication();
        builder.Services.AddCustodianApiRateLimit(options.ApiRateLimit);
        builder.Services.AddSingleton<OfficePages>();
        builder.Services.AddSingleton<Features.Requests.MineSession>();
        builder.Services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "custodian-antiforgery";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });

        builder.Services.AddLocalization(o => o.ResourcesPath = "Resources");
        builder.Services.AddRazorPages(o =>
        {
            // Every back-office page needs a session, and pages add their own permission on top; only the login steps are open.
            o.Conventions.AuthorizeFolder("/Office", Permissions.OfficeAccess);
            o.Conventions.AllowAnonymousToFolder("/Office/Login");
        }).AddMvcOptions(o =>
        {
            // No form or query of ours uses jQuery's nested keys (a[b][c]), and their normaliser throws on a key with an
            // unclosed '[' (a 500 for any stranger's post, found by the fuzz tests): the plain providers read every key.
            o.ValueProviderFactories.RemoveType<JQueryFormValueProviderFactory>();
            o.ValueProviderFactories.RemoveType<JQueryQueryStringValueProviderFactory>();
        });
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            // Every problem has a stable code; framework-made ones (404 route, 500) get a generic one.
            if (StorageFaults.Classify(ctx.Exception) is { } fault)
            {
                // Disk full, read-only, database restarting: the client may retry; say so instead of "internal error".
                ctx.ProblemDetails.Title = fault.Status == StatusCodes.Status507InsufficientStorage ? "Insufficient storage" : "Service unavailable";
                ctx.ProblemDetails.Detail = fault.Message;
                ctx.ProblemDetails.Type = $"https://custodian.example/problems/{fault.Code}";
                ctx.ProblemDetails.Extensions["code"] = fault.Code;
            }

            ctx.ProblemDetails.Extensions.TryAdd("code", ctx.ProblemDetails.Status switch
            {
                StatusCodes.Status404NotFound => "api.not_found",
                StatusCodes.Status405MethodNotAllowed => "api.method_not_allowed",
                >= 500 => "internal_error",
                _ => "api.bad_request",
            });
            ctx.ProblemDetails.Extensions.TryAdd("traceId", ctx.HttpContext.TraceIdentifier);
        });
        builder.Services.AddOpenApi("v1", o => o.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info.Title = "Custodian API";
            doc.Info.Description = "Privacy operations for a telecom provider. Errors are RFC 9457 problem details with a stable 'code'.";
            doc.Info.Version = "v1";
            return Task.CompletedTask;
        }));

        configure?.Invoke(builder);

        var app = builder.Build();
        if (options.TrustedProxies.Count > 0)
        {
            // Behind a layer-7 balancer the client is in X-Forwarded-For; believed only from the configured proxies, so
            // the portal's per-client limits count clients, not the balancer (docs/several-nodes.md).
            var forwarded = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto, ForwardLimit = null };
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var network in options.TrustedProxies)
            {
                forwarded.KnownIPNetworks.Add(network);
            }

            app.UseForwardedHeaders(forwarded);
        }

        var storageFaultLog = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Custodian.Storage");
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = e => StorageFaults.Classify(e)?.Status ?? StatusCodes.Status500InternalServerError,
            SuppressDiagnosticsCallback = c => StorageFaultLog.LogInsteadOfStackTrace(storageFaultLog, c),
        });
        app.UseCustodianMetricsScrape(metricsPorts);
        app.UseSecurityHeaders();
        // Language first: a re-executed status page keeps the language of the original request.
        app.UseRequestLocalization(Languages.Options());
        app.UseLanguageCookie();

        // Pages get a page in the reader's language; the API gets problem details.
        static bool IsApi(HttpContext ctx) => ctx.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase);
        app.UseWhen(ctx => !IsApi(ctx), pages => pages.UseStatusCodePagesWithReExecute("/status/{0}"));
        app.UseWhen(IsApi, api => api.UseStatusCodePages());
        app.UseStaticFiles();
        app.UseRouting();
        app.UseAuthentication();
        app.UseApiKeyTenancy();
        app.UseRateLimiter(); // after authentication: the API's buckets are per key
        app.UseAuthorization();

        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapHealthEndpoint();
        var api = app.MapGroup("/api/v1");
        api.MapRegisterApi();
        api.MapOrganizationEndpoints();
        api.MapStoreEndpoints();
        api.MapContentEndpoints();
        api.MapSubjectEndpoints();
        api.MapHoldEndpoints();
        api.MapRetentionEvidenceEndpoints();
        api.MapAuditEndpoints();
        api.MapRequestEndpoints();
        api.MapDisclosureEndpoints();
        api.MapEmergencyEndpoints();
        api.MapShieldingEndpoints();
        api.MapConsentEndpoints();
        api.MapBreachEndpoints();
        api.MapFallback(() => ApiProblems.NotFound("api.not_found", "There is no API endpoint at this address. See /openapi/v1.json."))
            .ExcludeFromDescription();
        app.MapRazorPages();
        return app;
    }
}

/// <summary>What <c>serve</c> hands the web application after its start-up checks.</summary>
internal sealed record ServeOptions(ActiveRegister Register, DatabaseTarget Database, MasterKey MasterKey, string DataFolder, string Urls, bool Dev)
{
    /// <summary>Accept documentation IP ranges as public addresses (always with <see cref="Dev"/>; tests set it).</summary>
    internal bool AllowDocumentationAddresses { get; init; }

    /// <summary>When <c>serve</c> sweeps (daily 03:30 Amsterdam unless set); null: no scheduled sweeps.</summary>
    internal SweepSchedule? SweepSchedule { get; init; } = SweepSchedule.Default;

    /// <summary>Proxies whose forwarded headers are believed (<c>trustedProxies</c>); empty: none.</summary>
    internal IReadOnlyList<System.Net.IPNetwork> TrustedProxies { get; init; } = [];

    /// <summary>Extra listen addresses on which <c>/metrics</c> (Prometheus) answers; null: no scrape endpoint.</summary>
    internal string? MetricsUrls { get; init; }

    /// <summary>The API's per-key rate limit; null: off.</summary>
    internal Features.ApiKeys.ApiRateLimit? ApiRateLimit { get; init; } = Features.ApiKeys.ApiRateLimit.Default;

    /// <summary>The key store folder; null means <c>&lt;data&gt;/keys</c>.</summary>
    internal string? KeysFolder { get; init; }

    /// <summary>The bucket for blob contents; null: <c>&lt;data&gt;/blobs</c> on the file system.</summary>
    internal Core.Features.Blobs.S3BlobStoreOptions? BlobStoreS3 { get; init; }

    /// <summary>When the background job rotates and destroys key-encryption keys.</summary>
    internal KeySchedule KeySchedule { get; init; } = KeySchedule.Default;

    /// <summary>The audit settings (origin, checkpoint export directory); null = the built-in defaults.</summary>
    internal Action<AuditOptions>? Audit { get; init; }

    /// <summary>Request mail; null = write .eml files to <c>&lt;data&gt;/outbox</c>.</summary>
    internal MailOptions? Mail { get; init; }

    /// <summary>Request SMS; null = write .sms.json files to <c>&lt;data&gt;/outbox</c>.</summary>
    internal Core.Features.Sms.SmsOptions? Sms { get; init; }

    /// <summary>The portal's public address for links in request messages; null = paths only.</summary>
    internal Uri? PublicUrl { get; init; }

    /// <summary>The order register's settings ("without delay" limit); null = the defaults.</summary>
    internal Core.Features.Disclosures.DisclosuresOptions? Disclosures { get; init; }
}
