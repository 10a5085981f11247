using System.Net;
using System.Text.Json;
using Custodian.Core.Features.ApiKeys;
using Custodian.IntegrationTests.Store;
using Custodian.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Custodian.IntegrationTests.Breaches;

/// <summary>The breach API for the provider's other systems over real HTTP, on a fake clock: record, the three clocks, notices, refusals.</summary>
public sealed class BreachApiTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 29, 10, 0, 0, TimeSpan.Zero);

    [Theory, AllEngines]
    public async Task BreachApi_RecordReportInitialThenComplete_ClocksFollowAndTenantKeysAreRefused(Engine engine)
    {
        var time = new FakeTimeProvider(Start);
        await using var api = await StoreApi.StartAsync(engine, b => b.Services.AddSingleton<TimeProvider>(time));
        var siem = api.ClientWith(await api.CreateKeyAsync(null, [ApiScopes.BreachesRead, ApiScopes.BreachesWrite]));
        var readOnly = api.ClientWith(await api.CreateKeyAsync(null, [ApiScopes.BreachesRead]));
        await api.CreateTenantAsync("org-a");
        var tenant = api.ClientWith(await api.CreateKeyAsync("org-a", [ApiScopes.StoreRead, ApiScopes.BreachesRead, ApiScopes.BreachesWrite]));

        var (created, breach) = await StoreApi.SendAsync(siem, HttpMethod.Post, "/api/v1/breaches", Input("2026-11-29T08:00:00Z", "2026-11-29T09:00:00Z"));
        Assert.Equal(HttpStatusCode.Created, created);
        var id = breach.GetProperty("id").GetGuid();
        Assert.StartsWith("BR-2026-", breach.GetProperty("reference").GetString(), StringComparison.Ordinal);
        Assert.Equal(("running", (long?)(22 * 3600L)), Clock(breach, "telecom"));
        Assert.Equal(("running", (long?)(71 * 3600L)), Clock(breach, "gdpr"));
        Assert.Equal(JsonValueKind.Null, breach.GetProperty("complete").ValueKind);

        // The initial notice at once: both clocks met, the complete notice's three days start.
        var (reported, initial) = await StoreApi.SendAsync(siem, HttpMethod.Post, $"/api/v1/breaches/{id}/reports", new { initialReportAt = "2026-11-29T10:00:00Z" });
        Assert.Equal(HttpStatusCode.OK, reported);
        Assert.Equal(("met", "met"), (Clock(initial, "telecom").State, Clock(initial, "gdpr").State));
        Assert.Equal(("running", (long?)(72 * 3600L)), Clock(initial, "complete"));

        time.Advance(TimeSpan.FromDays(4));
        var (_, list) = await StoreApi.SendAsync(readOnly, HttpMethod.Get, "/api/v1/breaches?open=true");
        var listed = Assert.Single(list.GetProperty("breaches").EnumerateArray());
        Assert.Equal(("overdue", (long?)(-24 * 3600L)), Clock(listed, "complete"));

        // The complete notice alone: the stored initial time is kept; a notice after three days is late.
        var (_, complete) = await StoreApi.SendAsync(siem, HttpMethod.Post, $"/api/v1/breaches/{id}/reports", new { completeReportAt = "2026-12-03T09:00:00Z" });
        Assert.Equal("2026-11-29T10:00:00Z", complete.GetProperty("initialReportAt").GetString());
        Assert.Equal("late", Clock(complete, "complete").State);
        var (_, got) = await StoreApi.SendAsync(readOnly, HttpMethod.Get, $"/api/v1/breaches/{id}");
        Assert.Equal("2026-12-03T09:00:00Z", got.GetProperty("completeReportAt").GetString());

        // A breach detected 30 hours ago: its initial notice needs late reasons.
        var (_, old) = await StoreApi.SendAsync(siem, HttpMethod.Post, "/api/v1/breaches", Input("2026-12-02T04:00:00Z", "2026-12-02T04:00:00Z"));
        var oldId = old.GetProperty("id").GetGuid();
        Assert.Equal(("overdue", (long?)(-6 * 3600L)), Clock(old, "telecom"));
        Assert.True(old.GetProperty("lateReasonsRequired").GetBoolean());
        var (lateStatus, late) = await StoreApi.SendAsync(siem, HttpMethod.Post, $"/api/v1/breaches/{oldId}/reports", new { initialReportAt = "2026-12-03T10:00:00Z" });
        Assert.Equal((HttpStatusCode.BadRequest, true), (lateStatus, late.GetRawText().Contains("breaches.late_reasons_required", StringComparison.Ordinal)));
        var (withReasons, _) = await StoreApi.SendAsync(siem, HttpMethod.Post, $"/api/v1/breaches/{oldId}/reports",
            new { initialReportAt = "2026-12-03T10:00:00Z", lateReasons = "Forensics took a day", close = true });
        Assert.Equal(HttpStatusCode.OK, withReasons);

        var (badStatus, bad) = await StoreApi.SendAsync(siem, HttpMethod.Post, "/api/v1/breaches", Input("yesterday", "2026-12-02T04:00:00Z"));
        Assert.Equal((HttpStatusCode.BadRequest, true), (badStatus, bad.GetRawText().Contains("breaches.invalid_time", StringComparison.Ordinal)));
        Assert.Equal(HttpStatusCode.NotFound, (await StoreApi.SendAsync(siem, HttpMethod.Get, $"/api/v1/breaches/{Guid.NewGuid()}")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await StoreApi.SendAsync(readOnly, HttpMethod.Post, "/api/v1/breaches", Input("2026-12-02T04:00:00Z", "2026-12-02T04:00:00Z"))).Status);

        // A tenant key, even one holding the scopes, is refused: the breach register is the provider's own.
        var (tenantStatus, tenantBody) = await StoreApi.SendAsync(tenant, HttpMethod.Get, "/api/v1/breaches");
        Assert.Equal((HttpStatusCode.Forbidden, "breaches.provider_only"), (tenantStatus, tenantBody.GetProperty("code").GetString()));
        var (tenantPost, _) = await StoreApi.SendAsync(tenant, HttpMethod.Post, "/api/v1/breaches", Input("2026-12-02T04:00:00Z", "2026-12-02T04:00:00Z"));
        Assert.Equal(HttpStatusCode.Forbidden, tenantPost);
        var (_, all) = await StoreApi.SendAsync(readOnly, HttpMethod.Get, "/api/v1/breaches");
        Assert.Equal(2, all.GetProperty("breaches").GetArrayLength());

        var paths = JsonDocument.Parse(await api.Server.Client.GetStringAsync("/openapi/v1.json", TestContext.Current.CancellationToken)).RootElement.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/v1/breaches/{id}/reports", out var reports) && reports.TryGetProperty("post", out _));
    }

    /// <summary>
    /// A SIEM that retries a timed-out record with the same Idempotency-Key gets the first answer, not a second breach with
    /// clocks of its own; the same key on another breach is refused.
    /// </summary>
    [Theory, AllEngines]
    public async Task BreachApi_RecordRetriedWithTheSameIdempotencyKey_ReplaysTheFirstAnswerAndRecordsOneBreach(Engine engine)
    {
        var time = new FakeTimeProvider(Start);
        await using var api = await StoreApi.StartAsync(engine, b => b.Services.AddSingleton<TimeProvider>(time));
        var siem = api.ClientWith(await api.CreateKeyAsync(null, [ApiScopes.BreachesRead, ApiScopes.BreachesWrite]));

        async Task<(HttpStatusCode Status, string Body, bool Replayed)> Post(object input)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/breaches") { Content = System.Net.Http.Json.JsonContent.Create(input) };
            request.Headers.Add("Idempotency-Key", "siem-incident-4711");
            using var response = await siem.SendAsync(request, TestContext.Current.CancellationToken);
            return (response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), response.Headers.Contains("Idempotent-Replayed"));
        }

        var first = await Post(Input("2026-11-29T08:00:00Z", "2026-11-29T09:00:00Z"));
        time.Advance(TimeSpan.FromMinutes(5));
        var retry = await Post(Input("2026-11-29T08:00:00Z", "2026-11-29T09:00:00Z"));
        var other = await Post(Input("2026-11-29T07:00:00Z", "2026-11-29T09:00:00Z"));

        Assert.Equal((HttpStatusCode.Created, false), (first.Status, first.Replayed));
        Assert.Equal((HttpStatusCode.Created, first.Body, true), retry);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, other.Status);
        Assert.Contains("idempotency.key_reused", other.Body, StringComparison.Ordinal);
        var (_, all) = await StoreApi.SendAsync(siem, HttpMethod.Get, "/api/v1/breaches");
        var listed = Assert.Single(all.GetProperty("breaches").EnumerateArray());
        Assert.Equal(JsonDocument.Parse(first.Body).RootElement.GetProperty("id").GetGuid(), listed.GetProperty("id").GetGuid());
    }

    private static object Input(string detectedAt, string awareAt) => new
    {
        title = "Misdirected export",
        detectedAt,
        awareAt,
        nature = "An export file was sent to the wrong partner",
        categories = new[] { "general.billing_name" },
        approximatePeople = 40,
        approximateRecords = 40,
        contactPoint = "Privacy officer, privacy@provider.example",
    };

    private static (string State, long? Remaining) Clock(JsonElement breach, string name)
    {
        var clock = breach.GetProperty(name);
        var remaining = clock.GetProperty("remainingSeconds");
        return (clock.GetProperty("state").GetString()!, remaining.ValueKind == JsonValueKind.Null ? null : remaining.GetInt64());
    }
}
