using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.Testing;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.IntegrationTests.Store;

/// <summary>
/// The tenant-isolation matrix (issue 3 §5, security.md §4.2): every API endpoint is enumerated from ASP.NET Core's
/// <see cref="EndpointDataSource"/>; for each one a key of organisation A uses organisation B's ids, codes and
/// identifiers. Reads of B's objects must give exactly the answer a non-existent id gives, writes must fail like
/// writes against nothing, lists and look-ups must show nothing of B (a canary in every B value), and B's rows must be
/// byte-for-byte unchanged afterwards. An endpoint the matrix does not know fails the test.
/// </summary>
public sealed class TenantIsolationTests
{
    /// <summary>Endpoints without a scope, on purpose: the register and statement are public (they are what the statement publishes).</summary>
    /// <summary>Issue 7's provider-side resources, probed by one rule (see <see cref="ProbeAsync"/>).</summary>
    private static readonly HashSet<string> ProviderOnly = ["disclosures", "emergency", "bills", "consents", "insights", "breaches"];

    private static readonly HashSet<string> PublicEndpoints =
    [
        "GET /api/v1/register",
        "GET /api/v1/register/categories/{id}",
        "GET /api/v1/statement",
        // Data-subject requests: a data subject has no key; the request token protects the status (RequestApiTests).
        "POST /api/v1/requests",
        "POST /api/v1/requests/{reference}/verify",
        "POST /api/v1/requests/{reference}/code",
        "GET /api/v1/requests/{reference}",
        // The subject confirms or rejects a mandate with the single-use token mailed to their address on file (MandateTests).
        "POST /api/v1/requests/{reference}/mandate",
    ];

    private static readonly string[] OrganizationLevel = ["contact-persons", "delivery-addresses", "services", "support-tickets", "holds"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task KeyOfA_ThroughEveryEndpoint_CannotSeeOrChangeB(Engine engine)
    {
        await using var api = await StoreApi.StartAsync(engine);
        var (aId, a) = await api.CreateTenantAsync("org-a", callRecording: true);
        var (bId, b) = await api.CreateTenantAsync("org-b", callRecording: true);
        var recordsA = await TenantRecords.SeedAsync(a, "org-a", aId, "acanary", 1);
        var recordsB = await TenantRecords.SeedAsync(b, "org-b", bId, "BCANARY", 2);
        await recordsA.SeedContentAsync(a);
        await recordsB.SeedContentAsync(b);
        var before = await SnapshotAsync(api.Server.Database, bId);

        var endpoints = api.Server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
            .ToList();
        var problems = new List<string>();
        var cells = 0;
        foreach (var endpoint in endpoints)
        {
            var pattern = endpoint.RoutePattern.RawText!.TrimEnd('/');
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [];
            var scoped = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Any(d => d.Policy is not null);
            if (methods.Count == 0)
            {
                continue; // the API's fallback (problem 404 for unknown paths)
            }

            foreach (var method in methods)
            {
                var name = $"{method} {pattern}";
                if (!scoped)
                {
                    if (!PublicEndpoints.Contains(name))
                    {
                        problems.Add($"{name}: no scope and not in the public allow-list");
                    }

                    continue;
                }

                cells++;
                var failure = await ProbeAsync(a, method, pattern, recordsA, recordsB);
                if (failure is not null)
                {
                    problems.Add($"{name}: {failure}");
                }
            }
        }

        var after = await SnapshotAsync(api.Server.Database, bId);
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        Assert.Equal(before, after);
        Assert.True(cells >= 40, $"only {cells} endpoint cells were probed");
        TestContext.Current.TestOutputHelper?.WriteLine($"{engine}: {cells} tenant-scoped endpoint cells probed, 0 leaks");
    }

    /// <summary>One cell of the matrix: returns what went wrong, or null.</summary>
    private static async Task<string?> ProbeAsync(HttpClient a, string method, string pattern, TenantRecords own, TenantRecords other)
    {
        var segments = pattern["/api/v1/".Length..].Split('/');
        var resource = segments[0];
        var nowhere = Guid.CreateVersion7();
        switch (method, segments.Length)
        {
            case (_, _) when ProviderOnly.Contains(resource):
                {
                    // Issue 7's provider-side APIs (the order register, 112, itemised bills, the consent ledger, the app's
                    // usage overview): a tenant key is refused or, where a tenant may ask (the usage overview, a bill of
                    // its own number), gets nothing of B's when it names B's number.
                    var path = string.Join('/', pattern.Split('/').Select(p => p.StartsWith('{') ? nowhere.ToString() : p));
                    var query = method == "GET" ? $"?identifier={Uri.EscapeDataString(other.Phone)}&phone={Uri.EscapeDataString(other.Phone)}&purpose=app_usage_insights" : "";
                    var body = new { number = other.Phone, identifier = other.Phone, phone = other.Phone, period = "2026-11", purpose = "app_usage_insights", textVersion = "v1", text = "t", channel = "app" };
                    var (status, text) = await SendAsync(a, new HttpMethod(method), path + query, method == "GET" ? null : body);
                    return status is HttpStatusCode.OK or HttpStatusCode.Created && Leaks(text, other) is { } leak ? leak
                        : (int)status >= 500 ? $"status {status}" : null;
                }

            case ("GET", 2) when resource == "audit":
                {
                    // The checkpoint feed is log-wide on purpose (every holder must see the same head): hashes and a
                    // signature, no tenant data. It must answer any key and carry nothing of B's.
                    var (status, text) = await GetTextAsync(a, segments[1] == "consistency" ? "/api/v1/audit/consistency?from=0&to=1" : pattern);
                    return status is not (HttpStatusCode.OK or HttpStatusCode.NotFound) ? $"status {status}" : Leaks(text, other);
                }

            case ("GET", 2 or 3) when resource == "retention":
                {
                    // Retention evidence is provider-wide data seen through A's key: A's own lines only, nothing of B.
                    // A receipt is not a tenant object; its id answers A like any other key (the lines differ).
                    var path = $"/api/v1/retention/{segments[1]}";
                    if (segments.Length == 3)
                    {
                        var (_, list) = await GetTextAsync(a, "/api/v1/retention/sweeps?limit=1");
                        var first = JsonDocument.Parse(list).RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()).FirstOrDefault();
                        path += $"/{(first == Guid.Empty ? nowhere : first)}";
                    }

                    var (status, text) = await GetTextAsync(a, path);
                    return status is not (HttpStatusCode.OK or HttpStatusCode.NotFound) ? $"status {status}" : Leaks(text, other);
                }

            case ("GET", 1) when resource == "subjects":
                {
                    var (status, leaked) = await GetTextAsync(a, $"/api/v1/subjects?identifier={Uri.EscapeDataString(other.Phone)}&reason=isolation-test");
                    var (_, nothing) = await GetTextAsync(a, "/api/v1/subjects?identifier=%2B31640009999&reason=isolation-test");
                    return status != HttpStatusCode.OK ? $"status {status}"
                        : Leaks(leaked, other) ?? (Categories(leaked) == Categories(nothing) ? null : "B's identifier finds something");
                }

            case ("GET", 1):
                {
                    var (status, text) = await GetTextAsync(a, $"/api/v1/{resource}?limit=200");
                    return status != HttpStatusCode.OK ? $"status {status}" : Leaks(text, other);
                }

            case ("GET", 2):
                {
                    if (await SendAsync(a, HttpMethod.Get, $"/api/v1/{resource}/{IdOf(own, resource)}", null) is var mine && mine.Status != HttpStatusCode.OK)
                    {
                        return $"A's own object gives {mine.Status}; the probe proves nothing";
                    }

                    return Same(
                        await SendAsync(a, HttpMethod.Get, $"/api/v1/{resource}/{IdOf(other, resource)}", null),
                        await SendAsync(a, HttpMethod.Get, $"/api/v1/{resource}/{nowhere}", null),
                        expectFailure: true);
                }

            case ("PUT", 2):
                {
                    var body = Body(resource, own);
                    return Same(
                        await SendAsync(a, HttpMethod.Put, $"/api/v1/{resource}/{IdOf(other, resource)}", body),
                        await SendAsync(a, HttpMethod.Put, $"/api/v1/{resource}/{nowhere}", body),
                        expectFailure: true);
                }

            case ("GET", 3):
                {
                    // A sub-resource of one object (a ticket's attachments, a record's content).
                    var sub = segments[2];
                    if (await SendAsync(a, HttpMethod.Get, $"/api/v1/{resource}/{IdOf(own, resource)}/{sub}", null) is var mine && mine.Status != HttpStatusCode.OK)
                    {
                        return $"A's own object gives {mine.Status}; the probe proves nothing";
                    }

                    return Same(
                        await SendAsync(a, HttpMethod.Get, $"/api/v1/{resource}/{IdOf(other, resource)}/{sub}", null),
                        await SendAsync(a, HttpMethod.Get, $"/api/v1/{resource}/{nowhere}/{sub}", null),
                        expectFailure: true);
                }

            case ("POST", 3) when segments[2] == "attachments":
                {
                    // An upload to B's ticket fails exactly like one to a ticket that does not exist.
                    return Same(
                        await UploadAsync(a, $"/api/v1/{resource}/{IdOf(other, resource)}/attachments", ContentUpload.Pdf, "application/pdf", null),
                        await UploadAsync(a, $"/api/v1/{resource}/{nowhere}/attachments", ContentUpload.Pdf, "application/pdf", null),
                        expectFailure: true);
                }

            case ("POST", 1) when resource is "support-call-recordings" or "customer-call-recordings":
                {
                    // Metadata in headers names B as the owner (or nobody); for support recordings also B's ticket (or none).
                    var toB = ContentUpload.Call(own.Phone, "+31201234567");
                    toB["Custodian-Organization"] = other.Code;
                    var toNobody = ContentUpload.Call(own.Phone, "+31201234567");
                    toNobody["Custodian-Organization"] = "no-such-org";
                    var path = $"/api/v1/{resource}";
                    var byOrganization = Same(
                        await UploadAsync(a, path, ContentUpload.Wav(), "audio/wav", toB),
                        await UploadAsync(a, path, ContentUpload.Wav(), "audio/wav", toNobody),
                        expectFailure: true);
                    if (byOrganization is not null || resource != "support-call-recordings")
                    {
                        return byOrganization;
                    }

                    return Same(
                        await UploadAsync(a, path, ContentUpload.Wav(), "audio/wav", ContentUpload.Call(own.Phone, ticket: IdOf(other, "support-tickets"))),
                        await UploadAsync(a, path, ContentUpload.Wav(), "audio/wav", ContentUpload.Call(own.Phone, ticket: nowhere)),
                        expectFailure: true);
                }

            case ("POST", 3):
                {
                    var body = ActionBody($"{resource}/{segments[2]}");
                    return Same(
                        await SendAsync(a, HttpMethod.Post, $"/api/v1/{resource}/{IdOf(other, resource)}/{segments[2]}", body),
                        await SendAsync(a, HttpMethod.Post, $"/api/v1/{resource}/{nowhere}/{segments[2]}", body),
                        expectFailure: true);
                }

            case ("POST", 1) when resource == "organizations":
                {
                    var (status, _) = await SendAsync(a, HttpMethod.Post, "/api/v1/organizations", Body(resource, own));
                    return status == HttpStatusCode.Forbidden ? null : $"a tenant key creating an organisation got {status}";
                }

            case ("POST", 1) when OrganizationLevel.Contains(resource):
                {
                    // The body names B (or nobody): a tenant key's records go to its own organisation, never to a named one.
                    var toB = Body(resource, own);
                    toB["organization"] = other.Code;
                    var toNobody = Body(resource, own);
                    toNobody["organization"] = "no-such-org";
                    return Same(await SendAsync(a, HttpMethod.Post, $"/api/v1/{resource}", toB), await SendAsync(a, HttpMethod.Post, $"/api/v1/{resource}", toNobody), expectFailure: true);
                }

            case ("POST", 1) when Parents.ContainsKey(resource):
                {
                    // The body points at B's parent (or at nothing): the parent is looked up through A's tenant filter.
                    var (field, _) = Parents[resource];
                    var toB = Body(resource, other);
                    var toNobody = Body(resource, other);
                    toNobody[field] = nowhere;
                    return Same(await SendAsync(a, HttpMethod.Post, $"/api/v1/{resource}", toB), await SendAsync(a, HttpMethod.Post, $"/api/v1/{resource}", toNobody), expectFailure: true);
                }

            default:
                return "not covered by the isolation matrix: add a case for this endpoint";
        }
    }

    /// <summary>Which field names the parent of a child record, and the route whose id it takes.</summary>
    private static readonly Dictionary<string, (string Field, string ParentRoute)> Parents = new()
    {
        ["internet-connections"] = ("serviceId", "services"),
        ["voip-devices"] = ("serviceId", "services:voip"),
        ["voip-contacts"] = ("serviceId", "services:voip"),
        ["mobile-subscriptions"] = ("serviceId", "services:mobile"),
        ["keyholders"] = ("serviceId", "services:alarm"),
        ["mobile-notifications"] = ("subscriptionId", "mobile-subscriptions"),
    };

    private static Guid IdOf(TenantRecords records, string resource) =>
        resource == "organizations" ? records.OrganizationId
        : records.Ids.TryGetValue(resource, out var id) ? id
        : throw new InvalidOperationException($"no seeded record for {resource}: extend TenantRecords.SeedAsync");

    /// <summary>A valid body for <paramref name="resource"/> whose parents are <paramref name="owner"/>'s.</summary>
    private static Dictionary<string, object?> Body(string resource, TenantRecords owner)
    {
        Guid Parent() => owner.Ids[Parents[resource].ParentRoute];
        return resource switch
        {
            "organizations" => new() { ["code"] = "new-org", ["name"] = "New BV", ["billingCompanyName"] = "New BV" },
            "contact-persons" => new() { ["name"] = "Probe Person", ["email"] = "probe@probe.example", ["role"] = "general" },
            "delivery-addresses" => new() { ["street"] = "Probestraat", ["houseNumber"] = "9", ["postcode"] = "9999 ZZ", ["city"] = "Probe", ["country"] = "NL" },
            "services" => new() { ["kind"] = "voip", ["reference"] = "PROBE-1", ["startDate"] = "2024-01-01" },
            "support-tickets" => new() { ["reference"] = "PROBE-T", ["requesterName"] = "Probe Person", ["text"] = "probe", ["openedAt"] = "2025-01-01T00:00:00Z" },
            "internet-connections" => new() { ["serviceId"] = Parent(), ["connectionServiceId"] = "PROBE", ["lineId"] = "PROBE", ["publicIp"] = "198.51.100.9" },
            "voip-devices" => new() { ["serviceId"] = Parent(), ["deviceIp"] = "10.9.9.9", ["macAddress"] = "02:99:99:99:99:99" },
            "voip-contacts" => new() { ["serviceId"] = Parent(), ["name"] = "Probe Person", ["phone"] = "+31640009998" },
            "mobile-subscriptions" => new() { ["serviceId"] = Parent(), ["iccid"] = TenantRecords.Iccid(999), ["phoneNumber"] = "+31640009998" },
            "mobile-notifications" => new() { ["subscriptionId"] = Parent(), ["kind"] = "bundle", ["sentAt"] = "2025-01-01T00:00:00Z", ["text"] = "probe" },
            "keyholders" => new() { ["serviceId"] = Parent(), ["name"] = "Probe Person", ["phone"] = "+31640009998" },
            "holds" => new() { ["basis"] = "legal_claims", ["reason"] = "probe", ["identifiers"] = new[] { new { kind = "phone", value = "+31640009998" } } },
            _ => throw new InvalidOperationException($"no probe body for {resource}: add one"),
        };
    }

    private static Dictionary<string, object?> ActionBody(string action) => action switch
    {
        "services/end" => new() { ["endDate"] = "2030-01-01" },
        "support-tickets/close" => new() { ["closedAt"] = "2030-01-01T00:00:00Z" },
        "holds/extend" => new() { ["endsAt"] = "2099-06-01T00:00:00Z" },
        "holds/release" => new() { ["reason"] = "probe" },
        _ => throw new InvalidOperationException($"no probe body for {action}: add one"),
    };

    private static string? Same((HttpStatusCode Status, string Body) foreign, (HttpStatusCode Status, string Body) missing, bool expectFailure)
    {
        if (expectFailure && (int)foreign.Status is >= 200 and < 300)
        {
            return $"succeeded ({foreign.Status}) on B's object";
        }

        var f = WithoutTrace(foreign.Body);
        var m = WithoutTrace(missing.Body);
        return foreign.Status == missing.Status && f == m
            ? null
            : $"B's object answers {foreign.Status} {f}, a missing one {missing.Status} {m}";
    }

    private static string? Leaks(string text, TenantRecords other) =>
        text.Contains("BCANARY", StringComparison.OrdinalIgnoreCase) || text.Contains(other.OrganizationId.ToString(), StringComparison.OrdinalIgnoreCase)
            ? "the answer contains B's data"
            : other.Ids.Values.FirstOrDefault(id => text.Contains(id.ToString(), StringComparison.OrdinalIgnoreCase)) is var id && id != Guid.Empty
                ? $"the answer contains B's id {id}"
                : null;

    private static string Categories(string lookup) => JsonDocument.Parse(lookup).RootElement.GetProperty("categories").GetRawText();

    private static string WithoutTrace(string body)
    {
        if (body.Length == 0)
        {
            return body;
        }

        var node = JsonNode.Parse(body)!.AsObject();
        node.Remove("traceId");
        return node.ToJsonString();
    }

    private static Task<(HttpStatusCode Status, string Body)> UploadAsync(HttpClient client, string path, byte[] body, string contentType, Dictionary<string, string>? headers) =>
        ContentUpload.SendAsync(client, path, body, contentType, headers);

    private static async Task<(HttpStatusCode Status, string Body)> GetTextAsync(HttpClient client, string path) =>
        await SendAsync(client, HttpMethod.Get, path, null);

    private static async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpClient client, HttpMethod method, string path, object? body)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = System.Net.Http.Json.JsonContent.Create(body);
        }

        using var response = await client.SendAsync(request, Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    /// <summary>Every row of organisation B (its organisation row, every tenant-owned table), serialised for comparison.</summary>
    private static async Task<string> SnapshotAsync(TestDatabase database, Guid organizationId)
    {
        await using var db = database.CreateContext();
        db.ScopeTo(TenantScope.Everything);
        var rows = new SortedDictionary<string, object>(StringComparer.Ordinal)
        {
            ["organizations"] = await db.Organizations.AsNoTracking().Where(o => o.Id == organizationId).ToListAsync(Ct),
        };
        // Legal holds are not ITenantOwned (a provider-wide hold has no organisation) but are B's all the same.
        rows["legal_holds"] = await db.LegalHolds.AsNoTracking().Where(h => h.OrganizationId == organizationId).OrderBy(h => h.Id).ToListAsync(Ct);
        foreach (var entity in db.Model.GetEntityTypes().Where(e => typeof(ITenantOwned).IsAssignableFrom(e.ClrType)))
        {
            var method = typeof(TenantIsolationTests).GetMethod(nameof(RowsOfAsync), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                .MakeGenericMethod(entity.ClrType);
            rows[entity.ClrType.Name] = await (Task<object>)method.Invoke(null, [db, organizationId])!;
        }

        return JsonSerializer.Serialize(rows);
    }

    private static async Task<object> RowsOfAsync<T>(CustodianDbContext db, Guid organizationId)
        where T : class, ITenantOwned =>
        await db.Set<T>().AsNoTracking().Where(r => r.OrganizationId == organizationId).ToListAsync(Ct);
}
