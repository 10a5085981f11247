using System.Net;
using System.Net.Sockets;
using Custodian.Core.Features.Monitoring;
using Custodian.Core.Features.Requests;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Tenancy;
using Custodian.Testing;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Host;

/// <summary>Issue 8 §6: metrics with OpenTelemetry, a Prometheus scrape on its own port, figures read from the database.</summary>
public sealed class MetricsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task Metrics_ScrapePort_ShowsProductAndHttpFiguresAndThePublicPortDoesNot(Engine engine)
    {
        var port = FreePort();
        await using var server = await CustodianServer.StartAsync(await TestDatabase.CreateEmptyAsync(engine), metricsUrls: $"http://127.0.0.1:{port}");
        using (var health = await server.Client.GetAsync(new Uri("/health", UriKind.Relative), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        // The public port does not answer the scrape, whatever Host header it is given.
        using (var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/metrics", UriKind.Relative)))
        {
            request.Headers.Host = $"127.0.0.1:{port}";
            using var onPublic = await server.Client.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.NotFound, onPublic.StatusCode);
        }

        using var scraper = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var text = await scraper.GetStringAsync(new Uri("/metrics", UriKind.Relative), Ct);

        Assert.Contains("custodian_audit_log_size", text, StringComparison.Ordinal);
        Assert.Contains("custodian_requests_overdue", text, StringComparison.Ordinal);
        Assert.Contains("custodian_retention_sweep_running", text, StringComparison.Ordinal);
        Assert.Contains("http_server_request_duration_seconds", text, StringComparison.Ordinal);
        Assert.Contains("dotnet_gc_heap_total_allocated_bytes", text, StringComparison.Ordinal);
    }

    [Theory, AllEngines]
    public async Task Snapshot_AfterRequestsAndASweep_CountsOverdueAndTheSweepsAge(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(engine);
        var now = Instant.FromDateTimeOffset(TimeProvider.System.GetUtcNow());
        var today = now.InZone(RetentionCalendar.Zone).Date;
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var intake = scope.ServiceProvider.GetRequiredService<RequestIntake>();
            foreach (var received in new[] { today.PlusMonths(-3), today })
            {
                var entered = await intake.EnterAsync(Guid.NewGuid(), new EnterRequestInput("letter", received, "access", "email", "brief.schrijver@example.nl", "nl", null), Ct);
                Assert.True(entered.IsSuccess);
            }
        }

        await using (var db = server.Database.CreateContext())
        {
            var before = await OperationsSnapshot.ReadAsync(db, now, Ct);
            Assert.Equal(2, before.RequestsOpen);
            Assert.Equal(1, before.RequestsOverdue);
            Assert.Null(before.SweepAge);
            Assert.True(before.AuditLogSize > 0);
        }

        var sweep = await server.Services.GetRequiredService<RetentionSweeper>().RunAsync(null, Ct);
        Assert.NotNull(sweep);

        await using (var db = server.Database.CreateContext())
        {
            db.ScopeTo(TenantScope.Everything);
            var later = now + Duration.FromMinutes(10);
            var after = await OperationsSnapshot.ReadAsync(db, later, Ct);
            Assert.False(after.SweepRunning);
            Assert.NotNull(after.SweepAge);
            Assert.InRange(after.SweepAge.Value, Duration.FromMinutes(9), Duration.FromMinutes(11));
            Assert.Equal(Duration.Zero, after.SweepMaxLateness);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
