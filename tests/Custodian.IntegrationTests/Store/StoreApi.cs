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

    public static async Task<StoreApi> StartAsync(Engine engine, Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>? configure = null)
    {
        var api = new StoreApi(await CustodianServer.StartAsync(engine, configure));
        api.Provider = api.ClientWith(await api.CreateKeyAsync(null, [.. ApiScopes.All]));
        return api;
    }

    /// <summary>The same on a server the test started itself (its own database or data folder); disposing the api stops it.</summary>
    public static async Task<StoreApi> StartOnAsync(CustodianServer server)
    {
        var api = new StoreApi(server);
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

    /// <summary>An organisation and a tenant key of it with every tenant scope (holds:lawful is provider-only).</summary>
    public async Task<(Guid Id, HttpClient Client)> CreateTenantAsync(string code, bool callRecording = false)
    {
        var org = await PostAsync(Provider, "/api/v1/organizations", callRecording
            ? new { code, name = $"{code} BV", billingCompanyName = $"{code} Holding BV", callRecordingEnabled = true, customerCallRecordingRetention = "P1Y" }
            : (object)new { code, name = $"{code} BV", billingCompanyName = $"{code} Holding BV" });
        var key = await CreateKeyAsync(code, [ApiScopes.StoreRead, ApiScopes.StoreWrite, ApiScopes.SubjectsLookup, ApiScopes.OrganizationsWrite, ApiScopes.HoldsRead, ApiScopes.HoldsWrite, ApiScopes.RetentionRead]);
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
        await Post("holds", new { basis = "legal_claims", reason = $"Claim {canary}", reference = $"{code}-D-1", identifiers = new[] { new { kind = "phone", value = phone } }, endsAt = "2099-01-01T00:00:00Z" });
        return new TenantRecords(code, organizationId, ids, phone);
    }

    /// <summary>
    /// Adds one of each content record (an attachment to the seeded ticket, a support-line recording, a customer call
    /// recording; the organisation needs the call-recording feature) to <see cref="Ids"/>.
    /// </summary>
    public async Task SeedContentAsync(HttpClient tenant)
    {
        var ids = (Dictionary<string, Guid>)Ids;
        ids["support-ticket-attachments"] = (await ContentUpload.PostAsync(tenant, $"/api/v1/support-tickets/{Ids["support-tickets"]}/attachments", ContentUpload.Pdf, "application/pdf")).GetProperty("id").GetGuid();
        ids["support-call-recordings"] = (await ContentUpload.PostAsync(tenant, "/api/v1/support-call-recordings", ContentUpload.Wav(), "audio/wav", ContentUpload.Call(Phone))).GetProperty("id").GetGuid();
        ids["customer-call-recordings"] = (await ContentUpload.PostAsync(tenant, "/api/v1/customer-call-recordings", ContentUpload.Wav(), "audio/wav", ContentUpload.Call(Phone, "+31201234567"))).GetProperty("id").GetGuid();
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

/// <summary>Raw-body uploads with metadata headers, and synthetic content to upload.</summary>
internal static class ContentUpload
{
    public static readonly byte[] Pdf = "%PDF-1.4\n% synthetic test document\n%%EOF\n"u8.ToArray();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A valid WAV file: RIFF header, 16-bit mono PCM at 8 kHz, <paramref name="seconds"/> of a 440 Hz tone.</summary>
    public static byte[] Wav(int seconds = 1)
    {
        const int rate = 8000;
        var samples = rate * seconds;
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, System.Text.Encoding.ASCII, leaveOpen: true))
        {
            w.Write("RIFF"u8);
            w.Write(36 + (samples * 2));
            w.Write("WAVE"u8);
            w.Write("fmt "u8);
            w.Write(16);
            w.Write((short)1); // PCM
            w.Write((short)1); // mono
            w.Write(rate);
            w.Write(rate * 2); // byte rate
            w.Write((short)2); // block align
            w.Write((short)16); // bits per sample
            w.Write("data"u8);
            w.Write(samples * 2);
            for (var i = 0; i < samples; i++)
            {
                w.Write((short)(Math.Sin(2 * Math.PI * 440 * i / rate) * 8000));
            }
        }

        return stream.ToArray();
    }

    /// <summary>The metadata headers of a call that started at 2025-03-01 10:00 UTC and took 61 seconds.</summary>
    public static Dictionary<string, string> Call(string caller, string? callee = null, Guid? ticket = null)
    {
        var headers = new Dictionary<string, string>
        {
            ["Call-Caller"] = caller,
            ["Call-Started-At"] = "2025-03-01T10:00:00Z",
            ["Call-Duration-Seconds"] = "61",
        };
        if (callee is not null)
        {
            headers["Call-Callee"] = callee;
        }

        if (ticket is not null)
        {
            headers["Call-Ticket-Id"] = ticket.Value.ToString();
        }

        return headers;
    }

    public static async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> SendAsync(
        HttpClient client, string path, HttpContent content, IReadOnlyDictionary<string, string>? headers = null, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        var response = await client.SendAsync(request, Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct), response);
    }

    public static async Task<(HttpStatusCode Status, string Body)> SendAsync(
        HttpClient client, string path, byte[] body, string contentType, IReadOnlyDictionary<string, string>? headers = null, string? idempotencyKey = null)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        var (status, text, response) = await SendAsync(client, path, content, headers, idempotencyKey);
        response.Dispose();
        return (status, text);
    }

    public static async Task<JsonElement> PostAsync(HttpClient client, string path, byte[] body, string contentType, IReadOnlyDictionary<string, string>? headers = null)
    {
        var (status, text) = await SendAsync(client, path, body, contentType, headers);
        Assert.True(status == HttpStatusCode.Created, $"POST {path}: {(int)status} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
