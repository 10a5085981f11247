using System.Globalization;
using System.Net;
using System.Text.Json;
using Custodian.Core.Features.Retention;
using Custodian.IntegrationTests.Store;
using Custodian.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.IntegrationTests.Retention;

/// <summary>
/// Retention evidence over the API (issue 4 §3): receipts and the overview, as the provider sees them and as a tenant
/// sees them (its own lines only; no partitions, no totals across tenants, no hold counts).
/// </summary>
public sealed class RetentionEvidenceApiTests
{
    private const string Support = "general.support_information";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record Setup(StoreApi Api, Guid Alpha, HttpClient AlphaKey, Guid Beta, HttpClient BetaKey, Guid SweepId) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Api.DisposeAsync();
    }

    /// <summary>
    /// alpha: two tickets closed in 2021 (expired: support information is kept three years after closing) and one open
    /// ticket; beta: one ticket closed in 2021, kept by a 126ni preservation order the tenant must not learn about.
    /// Then one sweep.
    /// </summary>
    private static async Task<Setup> SetUpAsync(Engine engine)
    {
        var api = await StoreApi.StartAsync(engine);
        var (alpha, alphaKey) = await api.CreateTenantAsync("alpha");
        var (beta, betaKey) = await api.CreateTenantAsync("beta");
        foreach (var (client, reference) in new[] { (alphaKey, "A-1"), (alphaKey, "A-2"), (betaKey, "B-1") })
        {
            var id = (await StoreApi.PostAsync(client, "/api/v1/support-tickets", new { reference, requesterName = "Jan Tester", text = "Storing", openedAt = "2020-12-01T08:00:00Z" }))
                .GetProperty("id").GetGuid();
            var (status, _) = await StoreApi.SendAsync(client, HttpMethod.Post, $"/api/v1/support-tickets/{id}/close", new { closedAt = "2021-01-05T10:00:00Z" });
            Assert.Equal(HttpStatusCode.OK, status);
        }

        await StoreApi.PostAsync(alphaKey, "/api/v1/support-tickets", new { reference = "A-3", requesterName = "Jan Tester", text = "Open", openedAt = "2026-01-01T08:00:00Z" });
        var ends = api.Server.Services.GetRequiredService<TimeProvider>().GetUtcNow().AddDays(30).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        await StoreApi.PostAsync(api.Provider, "/api/v1/holds", new { basis = "preservation_order_126ni", reason = "Order 2026-17", reference = "OvJ-17", organization = "beta", endsAt = ends });

        var run = await api.Server.Services.GetRequiredService<RetentionSweeper>().RunAsync(null, Ct);
        return new Setup(api, alpha, alphaKey, beta, betaKey, run!.Id);
    }

    private static async Task<JsonElement> GetAsync(HttpClient client, string path)
    {
        var (status, body) = await StoreApi.SendAsync(client, HttpMethod.Get, path);
        Assert.True(status == HttpStatusCode.OK, $"GET {path}: {status} {body}");
        return body;
    }

    private static List<(string Category, Guid Organization, long Count)> Lines(JsonElement receipt, string name) =>
        [.. receipt.GetProperty(name).EnumerateArray().Select(l => (l.GetProperty("category").GetString()!, l.GetProperty("organizationId").GetGuid(), l.GetProperty("count").GetInt64()))];

    [Theory, AllEngines]
    public async Task Sweeps_ProviderKey_SeesTheWholeReceipt(Engine engine)
    {
        await using var s = await SetUpAsync(engine);

        var page = await GetAsync(s.Api.Provider, "/api/v1/retention/sweeps");
        var receipt = Assert.Single(page.GetProperty("items").EnumerateArray());
        var one = await GetAsync(s.Api.Provider, $"/api/v1/retention/sweeps/{s.SweepId}");

        Assert.Equal(receipt.GetRawText(), one.GetRawText());
        Assert.Equal("provider", one.GetProperty("view").GetString());
        Assert.Equal("completed", one.GetProperty("state").GetString());
        Assert.Equal([(Support, s.Alpha, 2L)], Lines(one, "deleted"));
        Assert.Equal([(Support, s.Beta, 1L)], Lines(one, "keptByHolds"));
        Assert.True(one.GetProperty("batches").GetInt32() >= 1);
        Assert.True(one.GetProperty("maxLatenessSeconds").GetInt64() > 0);
        Assert.True(one.GetProperty("deleted")[0].GetProperty("maxLatenessSeconds").GetInt64() > 0);
        Assert.Equal(JsonValueKind.Array, one.GetProperty("partitionsDropped").ValueKind);
        Assert.Equal(2, one.GetProperty("totals").GetProperty("deleted").GetInt64());
        Assert.Equal(1, one.GetProperty("totals").GetProperty("keptByHolds").GetInt64());
        Assert.True(one.GetProperty("auditLastSeq").GetInt64() > one.GetProperty("auditFirstSeq").GetInt64());
        Assert.DoesNotContain("Jan Tester", one.GetRawText(), StringComparison.Ordinal);
    }

    [Theory, AllEngines]
    public async Task Sweeps_TenantKey_SeesOnlyItsOwnLinesAndNothingOfHolds(Engine engine)
    {
        await using var s = await SetUpAsync(engine);

        var alpha = await GetAsync(s.AlphaKey, $"/api/v1/retention/sweeps/{s.SweepId}");
        var beta = Assert.Single((await GetAsync(s.BetaKey, "/api/v1/retention/sweeps")).GetProperty("items").EnumerateArray());

        Assert.Equal("organization", alpha.GetProperty("view").GetString());
        Assert.Equal([(Support, s.Alpha, 2L)], Lines(alpha, "deleted"));
        Assert.Equal(2, alpha.GetProperty("totals").GetProperty("deleted").GetInt64());
        foreach (var hidden in new[] { "batches", "keptByHolds", "partitionsDropped" })
        {
            Assert.Equal(JsonValueKind.Null, alpha.GetProperty(hidden).ValueKind);
        }

        Assert.DoesNotContain(s.Beta.ToString(), alpha.GetRawText(), StringComparison.OrdinalIgnoreCase);

        // beta's expired ticket was kept by a secret order: its view shows nothing deleted and nothing about holds.
        Assert.Empty(Lines(beta, "deleted"));
        Assert.Equal(JsonValueKind.Null, beta.GetProperty("keptByHolds").ValueKind);
        Assert.Equal(JsonValueKind.Null, beta.GetProperty("maxLatenessSeconds").ValueKind);
        Assert.DoesNotContain(s.Alpha.ToString(), beta.GetRawText(), StringComparison.OrdinalIgnoreCase);
    }

    [Theory, AllEngines]
    public async Task Sweeps_UnknownIdOrNoScope_NotFoundAndForbidden(Engine engine)
    {
        await using var s = await SetUpAsync(engine);
        var storeOnly = s.Api.ClientWith(await s.Api.CreateKeyAsync("alpha", [Core.Features.ApiKeys.ApiScopes.StoreRead]));

        var (missing, problem) = await StoreApi.SendAsync(s.Api.Provider, HttpMethod.Get, $"/api/v1/retention/sweeps/{Guid.CreateVersion7()}");
        var (forbidden, _) = await StoreApi.SendAsync(storeOnly, HttpMethod.Get, "/api/v1/retention/overview");

        Assert.Equal(HttpStatusCode.NotFound, missing);
        Assert.Equal("retention.sweep_not_found", problem.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, forbidden);
    }

    [Theory, AllEngines]
    public async Task Overview_ProviderAndTenant_ShowRuleRecordsDueLatenessAndHoldsAsAllowed(Engine engine)
    {
        await using var s = await SetUpAsync(engine);

        var provider = await GetAsync(s.Api.Provider, "/api/v1/retention/overview");
        var alpha = await GetAsync(s.AlphaKey, "/api/v1/retention/overview");

        static JsonElement Category(JsonElement overview, string id) =>
            overview.GetProperty("categories").EnumerateArray().Single(c => c.GetProperty("category").GetString() == id);
        Assert.Equal("now", provider.GetProperty("plannedBy").GetString()); // the test server runs no sweep schedule
        Assert.Equal(s.SweepId, provider.GetProperty("latestSweepId").GetGuid());
        var all = Category(provider, Support);
        Assert.Equal("three years after the support ticket is closed", all.GetProperty("rule").GetString());
        Assert.Equal("ticket_closed", all.GetProperty("retention").GetProperty("anchor").GetString());
        Assert.Equal("P3Y", all.GetProperty("retention").GetProperty("period").GetString());
        Assert.Equal(2, all.GetProperty("records").GetInt64()); // beta's held ticket and alpha's open one
        Assert.Equal(1, all.GetProperty("notExpiring").GetInt64());
        Assert.Equal("2021-01-05", all.GetProperty("oldestAnchorDay").GetString());
        Assert.True(all.GetProperty("oldestAgeDays").GetInt64() > 3 * 365);
        Assert.Equal(1, all.GetProperty("dueAtNextSweep").GetInt64()); // still expired, still held
        Assert.True(all.GetProperty("maxLatenessSeconds").GetInt64() > 0);
        Assert.Equal(1, all.GetProperty("keptByHolds").GetInt64());
        Assert.Equal(provider.GetProperty("categories").GetArrayLength(), alpha.GetProperty("categories").GetArrayLength());

        var own = Category(alpha, Support);
        Assert.Equal("organization", alpha.GetProperty("view").GetString());
        Assert.Equal(1, own.GetProperty("records").GetInt64());
        Assert.Equal(0, own.GetProperty("dueAtNextSweep").GetInt64());
        Assert.Equal(JsonValueKind.Null, own.GetProperty("oldestAnchorDay").ValueKind); // its only ticket is open
        Assert.True(own.GetProperty("maxLatenessSeconds").GetInt64() > 0);
        Assert.Equal(JsonValueKind.Null, own.GetProperty("keptByHolds").ValueKind);
        Assert.DoesNotContain(s.Beta.ToString(), alpha.GetRawText(), StringComparison.OrdinalIgnoreCase);
    }
}
