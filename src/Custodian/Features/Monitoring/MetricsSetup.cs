using Custodian.Core.Features.Monitoring;
using OpenTelemetry.Metrics;

namespace Custodian.Features.Monitoring;

/// <summary>
/// Metrics with OpenTelemetry: the product's <see cref="CustodianMetrics"/> plus ASP.NET Core's, Kestrel's and the
/// .NET runtime's built-in meters. Two ways out, both off unless configured:
/// <list type="bullet">
/// <item>a Prometheus scrape at <c>/metrics</c>, answered only on the port of <c>metricsUrls</c> (a separate listen
/// address, e.g. <c>http://127.0.0.1:9464</c>, kept off the public load balancer): the public port answers 404;</item>
/// <item>OTLP push when the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> environment variable is set (the collector
/// then decides where the figures go).</item>
/// </list>
/// </summary>
internal static class MetricsSetup
{
    public const string ScrapePath = "/metrics";

    /// <summary>Meters built into .NET 10 and ASP.NET Core (no instrumentation packages needed).</summary>
    private static readonly string[] BuiltInMeters =
    [
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Diagnostics",
        "Microsoft.AspNetCore.RateLimiting",
        "System.Runtime",
        "System.Net.Http",
    ];

    internal static void AddCustodianMetrics(this WebApplicationBuilder builder, IReadOnlyList<int> scrapePorts)
    {
        var otlp = !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"));
        if (scrapePorts.Count == 0 && !otlp)
        {
            // Nothing exports: no snapshot reads either.
            return;
        }

        builder.Services.AddSingleton<CustodianMetrics>();
        builder.Services.AddHostedService<OperationsSnapshotTimer>();

        builder.Services.AddOpenTelemetry().WithMetrics(metrics =>
        {
            metrics.AddMeter(CustodianMetrics.MeterName).AddMeter(BuiltInMeters);
            if (scrapePorts.Count > 0)
            {
                metrics.AddPrometheusExporter();
            }

            if (otlp)
            {
                metrics.AddOtlpExporter();
            }
        });
    }

    /// <summary>Maps the scrape on the metrics ports only (the local port of the connection, not the Host header, decides).</summary>
    internal static void UseCustodianMetricsScrape(this WebApplication app, IReadOnlyList<int> scrapePorts)
    {
        if (scrapePorts.Count == 0)
        {
            return;
        }

        // The snapshot object must exist for its gauges to be registered before the first scrape.
        _ = app.Services.GetRequiredService<CustodianMetrics>();
        app.UseOpenTelemetryPrometheusScrapingEndpoint(ctx =>
            ctx.Request.Path == ScrapePath && scrapePorts.Contains(ctx.Connection.LocalPort));
    }

    /// <summary>The ports of the metrics listen addresses (<c>http://host:port</c>, semicolon separated).</summary>
    internal static IReadOnlyList<int> Ports(string? metricsUrls) =>
        string.IsNullOrWhiteSpace(metricsUrls)
            ? []
            : [.. metricsUrls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(u => new Uri(u).Port)];
}
