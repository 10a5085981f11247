using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Custodian.Core.Features.ApiKeys;
using Custodian.Core.Features.Audit;
using Custodian.Testing;
using FsCheck.Fluent;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.IntegrationTests.Fuzz;

/// <summary>One server for the JSON fuzz tests, with a provider key holding every scope.</summary>
public sealed class ApiFuzzServer : IAsyncLifetime
{
    internal CustodianServer Server { get; private set; } = null!;

    internal HttpClient Anonymous { get; private set; } = null!;

    internal HttpClient Provider { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Server = await CustodianServer.StartAsync(Engine.Sqlite);
        await using var scope = Server.Services.CreateAsyncScope();
        var key = await scope.ServiceProvider.GetRequiredService<ApiKeyRegistry>()
            .CreateAsync(null, [.. ApiScopes.All], "fuzz", new AuditActor(AuditActorKind.Cli, "cli:fuzz"), CancellationToken.None);
        Anonymous = new HttpClient { BaseAddress = Server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        Provider = new HttpClient { BaseAddress = Server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        Provider.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key.Value!.FullKey);
    }

    public async ValueTask DisposeAsync()
    {
        Anonymous.Dispose();
        Provider.Dispose();
        await Server.DisposeAsync();
    }
}

/// <summary>
/// The JSON intake over real HTTP: the public request API (<c>POST /api/v1/requests</c> and its siblings) and the
/// store API's creates, with mutated and random bodies. Every answer is 2xx or 4xx, a 4xx is a problem document with a
/// stable <c>code</c>, a validation problem names its fields; never a 5xx, never a hang.
/// </summary>
public sealed class ApiFuzzTests(ApiFuzzServer fixture) : IClassFixture<ApiFuzzServer>
{
    private static readonly (string Path, string Body)[] RequestBodies =
    [
        ("/api/v1/requests", """{"type":"access","email":"jan@fuzz.example","language":"nl","details":"alles"}"""),
        ("/api/v1/requests", """{"type":"rectification","phone":"+31612345678","language":"en","details":"my name"}"""),
        ("/api/v1/requests", """{"type":"erasure","email":"rep@fuzz.example","subjectEmail":"jan@fuzz.example","mandate":"ouder"}"""),
        ("/api/v1/requests/R-ABCD-EFGH/verify", """{"code":"123456"}"""),
        ("/api/v1/requests/R-ABCD-EFGH/mandate", """{"token":"abc","decision":"confirm"}"""),
        ("/api/v1/requests/R-ABCD-EFGH/code", """{}"""),
    ];

    private static readonly (string Path, string Body)[] StoreBodies =
    [
        ("/api/v1/organizations", """{"code":"fuzz","name":"Fuzz BV","billingCompanyName":"Fuzz Holding BV"}"""),
        ("/api/v1/contact-persons", """{"name":"Jan Fuzz","phone":"+31640000001","email":"jan@fuzz.example","role":"privacy"}"""),
        ("/api/v1/delivery-addresses", """{"street":"Teststraat","houseNumber":"1","postcode":"1234 ab","city":"Utrecht","country":"NL"}"""),
        ("/api/v1/services", """{"kind":"voip","reference":"FUZZ-1","startDate":"2024-01-01"}"""),
        ("/api/v1/support-tickets", """{"reference":"F-T-1","requesterName":"Jan","requesterPhone":"+31640000001","text":"Storing","openedAt":"2025-02-01T08:00:00Z"}"""),
        ("/api/v1/holds", """{"basis":"legal_claims","reason":"Claim","reference":"F-D-1","identifiers":[{"kind":"phone","value":"+31640000001"}],"endsAt":"2099-01-01T00:00:00Z"}"""),
        ("/api/v1/keyholders", """{"serviceId":"0193e4a0-0000-7000-8000-000000000001","name":"Klaas","phone":"+31640000001","email":"k@fuzz.example"}"""),
        ("/api/v1/mobile-subscriptions", """{"serviceId":"0193e4a0-0000-7000-8000-000000000001","iccid":"8931000000000000019","imei":"350000000000019","phoneNumber":"+31640000001"}"""),
        ("/api/v1/consents", """{"subject":{"kind":"phone","value":"+31640000001"},"purpose":"marketing","givenAt":"2025-01-01T00:00:00Z"}"""),
    ];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void RequestApi_MutatedBodies_AnswerProblemNeverServerError()
    {
        Fuzz.Check("api.requests", Bodies(RequestBodies), input => SendAsync(fixture.Anonymous, input),
            ciRuns: 200, show: ShowInput, timeLimit: TimeSpan.FromSeconds(3));
    }

    [Fact]
    public void StoreApi_MutatedCreates_AnswerProblemNeverServerError()
    {
        Fuzz.Check("api.store", Bodies(StoreBodies), input => SendAsync(fixture.Provider, input),
            ciRuns: 250, show: ShowInput, timeLimit: TimeSpan.FromSeconds(3));
    }

    internal sealed record Input(string Path, string Body, string? ContentType);

    private static string ShowInput(Input i) => $"POST {i.Path} ({i.ContentType}) " + Fuzz.Show(i.Body);

    private static FsCheck.Gen<Input> Bodies((string Path, string Body)[] bases) =>
        Gen.Choose(0, int.MaxValue).Select(seed =>
        {
            var random = new System.Random(seed);
            var (path, body) = bases[random.Next(bases.Length)];
            if (path.Contains("/R-", StringComparison.Ordinal) && random.Next(3) == 0)
            {
                path = path.Replace("R-ABCD-EFGH", Uri.EscapeDataString(Mutate.RandomUnicode(random, random.Next(1, 30))), StringComparison.Ordinal);
            }

            var text = random.Next(8) == 0 ? JsonMutate.Noise(random) : JsonMutate.Body(body, random);
            string?[] types = ["application/json", "application/json", "application/json", "application/json; charset=utf-8", "text/plain", null, "application/json; charset=utf-16"];
            return new Input(path, text, types[random.Next(types.Length)]);
        });

    private static async Task SendAsync(HttpClient client, Input input)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, input.Path);
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(input.Body));
        if (input.ContentType is { } type)
        {
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        }

        request.Content = content;
        using var response = await client.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        var status = (int)response.StatusCode;
        Assert.True(status < 500, $"{status} for {ShowInput(input)}\nResponse: {text}");
        // Kestrel itself refuses a target with an encoded NUL (400, no body) before any of our code runs.
        if (status < 400 || (status == 400 && text.Length == 0 && input.Path.Contains("%00", StringComparison.Ordinal)))
        {
            return;
        }

        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json",
            $"{status} without a problem document ({response.Content.Headers.ContentType}) for {ShowInput(input)}\nResponse: {text}");
        using var problem = JsonDocument.Parse(text);
        Assert.True(problem.RootElement.TryGetProperty("code", out var code) && code.GetString() is { Length: > 0 },
            $"problem without code: {text}");
        if (problem.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
        {
            Assert.True(errors.EnumerateObject().Any(), $"validation problem without fields: {text}");
        }

        Assert.NotEqual(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
