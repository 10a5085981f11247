using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Custodian.Core.Features.ApiKeys;
using Custodian.Core.Features.Tenancy;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.IntegrationTests.Store;

/// <summary>The intake API over real HTTP on both engines: create and read, validation, idempotency, auth problems.</summary>
public sealed class StoreApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task CreateAndRead_EveryRecordType_RoundTripsCanonicalValues(Engine engine)
    {
        await using var api = await StoreApi.StartAsync(engine);
        var (orgId, tenant) = await api.CreateTenantAsync("acme");
        var records = await TenantRecords.SeedAsync(tenant, "acme", orgId, "Canary", 1);

        foreach (var (route, id) in records.Ids.Where(r => !r.Key.Contains(':', StringComparison.Ordinal)))
        {
            var (status, body) = await StoreApi.SendAsync(tenant, HttpMethod.Get, $"/api/v1/{route}/{id}");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(id, body.GetProperty("id").GetGuid());
            Assert.Equal(orgId, body.GetProperty("organizationId").GetGuid());

            var (listStatus, page) = await StoreApi.SendAsync(tenant, HttpMethod.Get, $"/api/v1/{route}");
            Assert.Equal(HttpStatusCode.OK, listStatus);
            Assert.Contains(page.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetGuid() == id);
        }

        var (_, address) = await StoreApi.SendAsync(tenant, HttpMethod.Get, $"/api/v1/delivery-addresses/{records.Ids["delivery-addresses"]}");
        Assert.Equal("1234 AB", address.GetProperty("postcode").GetString());
        var (_, device) = await StoreApi.SendAsync(tenant, HttpMethod.Get, $"/api/v1/voip-devices/{records.Ids["voip-devices"]}");
        Assert.Equal("02:00:00:00:00:01", device.GetProperty("macAddress").GetString());
        var (_, organization) = await StoreApi.SendAsync(tenant, HttpMethod.Get, $"/api/v1/organizations/{orgId}");
        Assert.Equal("acme", organization.GetProperty("code").GetString());
    }

    [Theory, AllEngines]
    public async Task Create_ContactWithNationalPhoneFormat_StoresE164(Engine engine)
    {
        await using var api = await StoreApi.StartAsync(engine);
        var (_, tenant) = await api.CreateTenantAsync("acme");

        var contact = await StoreApi.PostAsync(tenant, "/api/v1/contact-persons", new { name = "  Jan   de Tester ", phone = "06 4000 0001", role = "billing" });

        Assert.Equal("+31640000001", contact.GetProperty("phone").GetString());
        Assert.Equal("Jan de Tester", contact.GetProperty("name").GetString());
    }

    [Theory, AllEngines]
    public async Task Create_InvalidFields_ProblemNamesEachFieldAndRuleAndStoresNothing(Engine engine)
    {
        await using var api = await StoreApi.StartAsync(engine);
        var (_, tenant) = await api.CreateTenantAsync("acme");
        var service = await StoreApi.PostAsync(tenant, "/api/v1/services", new { kind = "mobile", reference = "M-1", startDate = "2024-01-01" });

        var (status, problem) = await StoreApi.SendAsync(tenant, HttpMethod.Post, "/api/v1/mobile-subscriptions", new
        {
            serviceId = service.GetProperty("id").GetGuid(),
            iccid = TenantRecords.Iccid(1),
            imei = "350000000000010", // wrong check digit
            phoneNumber = "12",
        });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("validation.failed", problem.GetProperty("code").GetString());
        var errors = problem.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("field").GetString(), e.GetProperty("code").GetString())).ToList();
        Assert.Contains(("imei", "identifier.imei.checksum"), errors);
        Assert.Contains(errors, e => e.Item1 == "phoneNumber" && e.Item2!.StartsWith("identifier.phone.", StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => e.Item1 == "iccid");

        await using var db = api.Server.Database.CreateContext();
        db.ScopeTo(TenantScope.Everything);
        Assert.Equal(0, await db.MobileSubscriptions.CountAsync(Ct));
        Assert.Equal(0, await db.SubjectIdentifiers.CountAsync(s => s.EntityType == "mobile_subscription", Ct));
    }

    [Theory, AllEngines]
    public async Task Create_SameIdempotencyKeyTwice_ReplaysFirstAnswerAndStoresOnce(Engine engine)
    {
        await using var api = await StoreApi.StartAsync(engine);
        var (_, tenant) = await api.CreateTenantAsync("acme");
        var body = new { name = "Jan Tester", email = "jan@acme.example", role = "technical" };

        async Task<(HttpStatusCode, string, HttpResponseMessage)> Send(object b)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/contact-persons") { Content = JsonContent.Create(b) };
            request.Headers.Add("Idempotency-Key", "crm-4711");
            var response = await tenant.SendAsync(request, Ct);
            return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct), response);
        }

        var (firstStatus, first, r1) = await Send(body);
        var (secondStatus, second, r2) = await Send(body);
        var (otherStatus, other, r3) = await Send(new { name = "Someone Else", email = "else@acme.example", role = "technical" });

        Assert.Equal(HttpStatusCode.Created, firstStatus);
        Assert.Equal(HttpStatusCode.Created, secondStatus);
        Assert.Equal(first, second);
        Assert.Equal(r1.Headers.Location, r2.Headers.Location);
        Assert.True(r2.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, otherStatus);
        Assert.Equal("idempotency.key_reused", JsonDocument.Parse(other).RootElement.GetProperty("code").GetString());
        r1.Dispose();
        r2.Dispose();
        r3.Dispose();

        await using var db = api.Server.Database.CreateContext();
        db.ScopeTo(TenantScope.Everything);
        Assert.Equal(1, await db.ContactPersons.CountAsync(Ct));
    }

    [Theory, AllEngines]
    public async Task Api_WithoutKey_Is401ProblemAndWithWrongKey_Too(Engine engine)
    {
        await using var api = await StoreApi.StartAsync(engine);

        foreach (var client in new[] { api.ClientWith(null), api.ClientWith("cust_aaaaaaaaaa_" + new string('b', 52)), api.ClientWith("nonsense") })
        {
            var (status, problem) = await StoreApi.SendAsync(client, HttpMethod.Get, "/api/v1/contact-persons");
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            Assert.Equal("auth.api_key_required", problem.GetProperty("code").GetString());
        }
    }

    [Theory, AllEngines]
    public async Task Api_KeyWithoutScope_Is403ProblemNamingTheScope(Engine engine)
    {
        await using var api = await StoreApi.StartAsync(engine);
        await api.CreateTenantAsync("acme");
        var readOnly = api.ClientWith(await api.CreateKeyAsync("acme", [ApiScopes.StoreRead]));

        var (status, problem) = await StoreApi.SendAsync(readOnly, HttpMethod.Post, "/api/v1/contact-persons", new { name = "Jan", email = "jan@acme.example", role = "general" });
        var (lookupStatus, _) = await StoreApi.SendAsync(readOnly, HttpMethod.Get, "/api/v1/subjects?identifier=%2B31640000001&reason=T-1");

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("auth.scope_missing", problem.GetProperty("code").GetString());
        Assert.Contains(ApiScopes.StoreWrite, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, lookupStatus);
    }

    [Theory, AllEngines]
    public async Task RevokedKey_Is401(Engine engine)
    {
        await using var api = await StoreApi.StartAsync(engine);
        await api.CreateTenantAsync("acme");
        var key = await api.CreateKeyAsync("acme", [ApiScopes.StoreRead]);
        var client = api.ClientWith(key);
        Assert.Equal(HttpStatusCode.OK, (await StoreApi.SendAsync(client, HttpMethod.Get, "/api/v1/contact-persons")).Status);

        await using (var scope = api.Server.Services.CreateAsyncScope())
        {
            var prefix = key.Split('_')[1];
            var result = await scope.ServiceProvider.GetRequiredService<ApiKeyRegistry>().RevokeAsync(prefix, new(Core.Features.Audit.AuditActorKind.Cli, "cli:test"), Ct);
            Assert.True(result.IsSuccess);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await StoreApi.SendAsync(client, HttpMethod.Get, "/api/v1/contact-persons")).Status);
    }

    [Theory, AllEngines]
    public async Task EndService_And_CloseTicket_SetTheRetentionAnchors(Engine engine)
    {
        await using var api = await StoreApi.StartAsync(engine);
        var (_, tenant) = await api.CreateTenantAsync("acme");
        var service = (await StoreApi.PostAsync(tenant, "/api/v1/services", new { kind = "alarm", reference = "A-1", startDate = "2024-03-01" })).GetProperty("id").GetGuid();
        var ticket = (await StoreApi.PostAsync(tenant, "/api/v1/support-tickets", new { reference = "T-1", requesterName = "Jan Tester", text = "Alarm piept", openedAt = "2025-01-01T10:00:00Z" })).GetProperty("id").GetGuid();

        var (endStatus, ended) = await StoreApi.SendAsync(tenant, HttpMethod.Post, $"/api/v1/services/{service}/end", new { endDate = "2025-06-30" });
        var (earlyStatus, early) = await StoreApi.SendAsync(tenant, HttpMethod.Post, $"/api/v1/services/{service}/end", new { endDate = "2023-01-01" });
        var (closeStatus, closed) = await StoreApi.SendAsync(tenant, HttpMethod.Post, $"/api/v1/support-tickets/{ticket}/close", new { closedAt = "2025-01-02T10:00:00Z" });
        var (againStatus, again) = await StoreApi.SendAsync(tenant, HttpMethod.Post, $"/api/v1/support-tickets/{ticket}/close", new { });

        Assert.Equal(HttpStatusCode.OK, endStatus);
        Assert.Equal("2025-06-30", ended.GetProperty("endDate").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, earlyStatus);
        Assert.Equal("service.end_before_start", early.GetProperty("errors")[0].GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, closeStatus);
        Assert.Equal("2025-01-02T10:00:00Z", closed.GetProperty("closedAt").GetString());
        Assert.Equal(HttpStatusCode.Conflict, againStatus);
        Assert.Equal("support_ticket.already_closed", again.GetProperty("code").GetString());
    }

    [Theory, AllEngines]
    public async Task Organization_RetentionOutsideRegisterBounds_IsRefused(Engine engine)
    {
        await using var api = await StoreApi.StartAsync(engine);

        var (status, problem) = await StoreApi.SendAsync(api.Provider, HttpMethod.Post, "/api/v1/organizations",
            new { code = "acme", name = "Acme BV", billingCompanyName = "Acme BV", customerCallRecordingRetention = "P11Y" });
        var ok = await StoreApi.PostAsync(api.Provider, "/api/v1/organizations",
            new { code = "acme", name = "Acme BV", billingCompanyName = "Acme BV", customerCallRecordingRetention = "P30D", processingAgreementDate = "2024-01-15" });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("organization.retention_out_of_bounds", problem.GetProperty("errors")[0].GetProperty("code").GetString());
        Assert.Equal("P30D", ok.GetProperty("customerCallRecordingRetention").GetString());
    }
}
