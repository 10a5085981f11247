using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Custodian.Core.Features.ApiKeys;
using Custodian.Core.Features.Audit;
using Custodian.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.IntegrationTests.Store;

/// <summary>
/// A running server plus keys: <see cref="Provider"/> is a provider-wide key with every scope. Builders create
/// organisations and records through the real API. Test data: fake names, <c>*.example</c> addresses, fictional
/// numbers (+31 6 4000 0xxx style mobile numbers are not in use; documentation IP ranges).
/// </summary>
internal sealed class StoreApi : IAsyncDisposable
{
    private readonly List<HttpClient> _clients = [];

    private StoreApi(CustodianServer server) => Server = server;

    public CustodianServer Server { get; }

    public HttpClient Provider { get; private set; } = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<StoreApi> StartAsync(Engine engine)
    {
        var api = new StoreApi(await CustodianServer.StartAsync(engine));
        api.Provider = api.ClientWith(await api.CreateKeyAsync(null, [.. ApiScopes.All]));
        return api;
    }

    public async Task<string> CreateKeyAsync(string? organizationCode, string[] scopes)
    {
        await using var scope = Server.Services.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<ApiKeyRegistry>()
            .CreateAsync(organizationCode, scopes, "test", new AuditActor(AuditActorKind.Cli, "cli:test"), Ct);
        Assert.True(result.IsSuccess, result.Error?.ToString());
        return result.Value.FullKey;
    }

    public HttpClient ClientWith(string? key)
    {
        var client = new HttpClient { BaseAddress = Server.BaseAddress };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        _clients.Add(client);
        return client;
    }

    /// <summary>An organisation and a tenant key of it with every tenant scope.</summary>
    public async Task<(Guid Id, HttpClient Client)> CreateTenantAsync(string code)
    {
        var org = await PostAsync(Provider, "/api/v1/organizations", new { code, name = $"{code} BV", billingCompanyName = $"{code} Holding BV" });
        var key = await CreateKeyAsync(code, [ApiScopes.StoreRead, ApiScopes.StoreWrite, ApiScopes.SubjectsLookup, ApiScopes.OrganizationsWrite]);
        return (org.GetProperty("id").GetGuid(), ClientWith(key));
    }

    public static async Task<JsonElement> PostAsync(HttpClient client, string path, object body)
    {
        using var response = await client.PostAsJsonAsync(path, body, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpClient client, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await client.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var c in _clients)
        {
            c.Dispose();
        }

        await Server.DisposeAsync();
    }
}

/// <summary>One of every record type for one organisation, created through the API with its own tenant key.</summary>
internal sealed record TenantRecords(string Code, Guid OrganizationId, IReadOnlyDictionary<string, Guid> Ids, string Phone)
{
    /// <summary>Creates the records; names carry <paramref name="canary"/> so a leak shows up in any response body.</summary>
    public static async Task<TenantRecords> SeedAsync(HttpClient tenant, string code, Guid organizationId, string canary, int n)
    {
        // Fictional numbers: +31 6 4000 0nnn; the n-th tenant gets its own phone so look-ups can tell them apart.
        var phone = $"+3164000{n:D4}";
        var ids = new Dictionary<string, Guid>();
        async Task<Guid> Post(string route, object body) => ids[route] = (await StoreApi.PostAsync(tenant, "/api/v1/" + route, body)).GetProperty("id").GetGuid();

        await Post("contact-persons", new { name = $"Jan {canary}", phone, email = $"jan.{canary}@{code}.example", role = "privacy" });
        await Post("delivery-addresses", new { street = $"Teststraat {canary}", houseNumber = "1", postcode = "1234 ab", city = "Utrecht", country = "NL" });
        var internet = await Post("services", new { kind = "internet", reference = $"{code}-INT-1", startDate = "2024-01-01" });
        var voip = (await StoreApi.PostAsync(tenant, "/api/v1/services", new { kind = "voip", reference = $"{code}-VOIP-1", startDate = "2024-01-01" })).GetProperty("id").GetGuid();
        var mobile = (await StoreApi.PostAsync(tenant, "/api/v1/services", new { kind = "mobile", reference = $"{code}-MOB-1", startDate = "2024-01-01" })).GetProperty("id").GetGuid();
        var alarm = (await StoreApi.PostAsync(tenant, "/api/v1/services", new { kind = "alarm", reference = $"{code}-ALM-1", startDate = "2024-01-01" })).GetProperty("id").GetGuid();
        ids["services:voip"] = voip;
        ids["services:mobile"] = mobile;
        ids["services:alarm"] = alarm;
        await Post("internet-connections", new { serviceId = internet, connectionServiceId = $"SVC-{canary}", lineId = $"LINE-{n}", publicIp = $"203.0.113.{n}" });
        await Post("voip-devices", new { serviceId = voip, deviceIp = $"10.0.0.{n}", macAddress = $"02:00:00:00:00:{n:X2}" });
        await Post("voip-contacts", new { serviceId = voip, name = $"Piet {canary}", phone });
        var subscription = await Post("mobile-subscriptions", new { serviceId = mobile, iccid = Iccid(n), imei = Imei(n), phoneNumber = phone });
        await Post("mobile-notifications", new { subscriptionId = subscription, kind = "roaming", sentAt = "2025-01-31T09:30:00Z", text = $"Welkom in België {canary}" });
        await Post("keyholders", new { serviceId = alarm, name = $"Klaas {canary}", phone, email = $"klaas.{canary}@{code}.example" });
        await Post("support-tickets", new { reference = $"{code}-T-1", requesterName = $"Jan {canary}", requesterPhone = phone, text = $"Storing {canary}", openedAt = "2025-02-01T08:00:00Z" });
        return new TenantRecords(code, organizationId, ids, phone);
    }

    /// <summary>A valid ICCID (89 31 ...) with its Luhn digit.</summary>
    public static string Iccid(int n) => WithLuhn($"893100000000000{n:D3}");

    public static string Imei(int n) => WithLuhn($"35000000000{n:D3}");

    private static string WithLuhn(string payload)
    {
        var sum = 0;
        for (var i = 0; i < payload.Length; i++)
        {
            var d = payload[payload.Length - 1 - i] - '0';
            if (i % 2 == 0)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
        }

        return payload + (char)('0' + ((10 - (sum % 10)) % 10));
    }
}
