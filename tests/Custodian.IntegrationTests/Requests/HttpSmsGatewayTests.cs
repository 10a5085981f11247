using System.Text.Json;
using Custodian.Core.Features.Sms;
using Custodian.Features.Sms;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Custodian.IntegrationTests.Requests;

/// <summary>
/// <see cref="HttpSmsGateway"/> against a real HTTP endpoint (a small Kestrel app on a free loopback port standing in
/// for the provider's SMS bridge): the wire contract of docs/formats/sms-gateway.md.
/// </summary>
public sealed class HttpSmsGatewayTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record Received(string? Authorization, string? ContentType, string Body);

    [Fact]
    public async Task SendAsync_RealEndpoint_PostsJsonWithBearer_Non2xxIsFailureByStatusOnly()
    {
        var received = new List<Received>();
        var status = StatusCodes.Status202Accepted;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        await using var bridge = builder.Build();
        bridge.MapPost("/sms", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            lock (received)
            {
                received.Add(new Received(request.Headers.Authorization, request.ContentType, body));
            }

            return Results.StatusCode(status);
        });
        await bridge.StartAsync(Ct);
        var url = new Uri(new Uri(bridge.Urls.First()), "/sms");

        var services = new ServiceCollection().AddLogging().AddSingleton(TimeProvider.System);
        services.AddCustodianSmsSender(new SmsOptions { GatewayUrl = url, GatewayToken = "test-token-not-secret", Timeout = TimeSpan.FromSeconds(5) });
        await using var provider = services.BuildServiceProvider();
        var gateway = Assert.IsType<HttpSmsGateway>(provider.GetRequiredService<ISmsSender>());

        await gateway.SendAsync(new OutgoingSms("+31612345678", "Uw verificatiecode voor privacyverzoek R-1: 123456.", "R-1"), Ct);
        status = StatusCodes.Status500InternalServerError;
        var failure = await Assert.ThrowsAsync<SmsException>(() => gateway.SendAsync(new OutgoingSms("+31612345678", "second", "R-2"), Ct));

        Assert.Equal(2, received.Count);
        Assert.Equal("Bearer test-token-not-secret", received[0].Authorization);
        Assert.StartsWith("application/json", received[0].ContentType, StringComparison.Ordinal);
        var body = JsonDocument.Parse(received[0].Body).RootElement;
        Assert.Equal(["to", "text", "reference"], body.EnumerateObject().Select(p => p.Name));
        Assert.Equal("+31612345678", body.GetProperty("to").GetString());
        Assert.Equal("Uw verificatiecode voor privacyverzoek R-1: 123456.", body.GetProperty("text").GetString());
        Assert.Equal("R-1", body.GetProperty("reference").GetString());
        Assert.Equal("gateway answered 500", failure.Message);
        Assert.DoesNotContain("612345678", failure.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_NothingListening_FailureWithoutNumber()
    {
        var services = new ServiceCollection().AddLogging().AddSingleton(TimeProvider.System);
        // Port 9 (discard) on loopback: nothing listens in the test environment, the connection is refused at once.
        services.AddCustodianSmsSender(new SmsOptions { GatewayUrl = new Uri("http://127.0.0.1:9/sms"), GatewayToken = "t", Timeout = TimeSpan.FromSeconds(5) });
        await using var provider = services.BuildServiceProvider();

        var failure = await Assert.ThrowsAsync<SmsException>(() => provider.GetRequiredService<ISmsSender>().SendAsync(new OutgoingSms("+31612345678", "x", "R-3"), Ct));

        Assert.StartsWith("gateway unreachable", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("612345678", failure.Message, StringComparison.Ordinal);
    }
}
