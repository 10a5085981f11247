using System.Net;
using System.Text.Json;
using Custodian.Configuration;
using Custodian.Core.Features.ApiKeys;
using Custodian.Features.ApiKeys;
using Custodian.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.IntegrationTests.Store;

/// <summary>The API's per-key token bucket (setting <c>apiRateLimit</c>) on a real server.</summary>
public sealed class ApiRateLimitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Api_OverBurst_Answers429WithRetryAfterThenRecovers()
    {
        // Burst 3, one token per 2 s: the fourth request in a row is over the limit, whatever the machine's load.
        var limit = new ApiRateLimit(1, 3) { RefillPeriod = TimeSpan.FromSeconds(2) };
        await using var api = await StoreApi.StartAsync(Engine.Sqlite, b => b.Services.AddSingleton(new ApiRateLimitSetting(limit)));
        var other = api.ClientWith(await api.CreateKeyAsync(null, [ApiScopes.StoreRead]));

        for (var i = 0; i < 3; i++)
        {
            using var ok = await api.Provider.GetAsync("/api/v1/organizations", Ct);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using (var limited = await api.Provider.GetAsync("/api/v1/organizations", Ct))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
            Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
            var body = JsonDocument.Parse(await limited.Content.ReadAsStringAsync(Ct)).RootElement;
            Assert.Equal(ApiRateLimit.Code, body.GetProperty("code").GetString());
            var retryAfter = limited.Headers.RetryAfter?.Delta;
            Assert.NotNull(retryAfter);
            Assert.InRange(retryAfter.Value.TotalSeconds, 1, 2);

            // Buckets are per key: another key is not slowed by this one.
            using var fromOther = await other.GetAsync("/api/v1/organizations", Ct);
            Assert.Equal(HttpStatusCode.OK, fromOther.StatusCode);

            await Task.Delay(retryAfter.Value, Ct);
        }

        // The bucket refills on the limiter's own timer; on a loaded machine its tick may come a little after the
        // promised moment, so allow a few short retries (never the answer before Retry-After, which the wait covers).
        var status = HttpStatusCode.TooManyRequests;
        for (var attempt = 0; attempt < 12 && status == HttpStatusCode.TooManyRequests; attempt++)
        {
            if (attempt > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), Ct);
            }

            using var recovered = await api.Provider.GetAsync("/api/v1/organizations", Ct);
            status = recovered.StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Theory]
    [InlineData(null, "50/s burst 200")]
    [InlineData("10/s", "10/s burst 40")]
    [InlineData(" 5 / s  burst 5 ", "5/s burst 5")]
    [InlineData("OFF", null)]
    public void Parse_ValidSetting_GivesLimit(string? text, string? expected) =>
        Assert.Equal(expected, ApiRateLimit.Parse(text, SettingSource.Flag)?.ToString());

    [Theory]
    [InlineData("fast")]
    [InlineData("0/s")]
    [InlineData("10/s burst 5")]
    [InlineData("10/m")]
    public void Parse_InvalidSetting_Throws(string text) =>
        Assert.Contains("settings.invalid_api_rate_limit", Assert.Throws<SettingsException>(() => ApiRateLimit.Parse(text, SettingSource.Flag)).Message, StringComparison.Ordinal);
}
