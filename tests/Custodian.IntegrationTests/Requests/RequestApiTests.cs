using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Custodian.Core.Features.Mail;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Custodian.Testing;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Xunit;

namespace Custodian.IntegrationTests.Requests;

/// <summary>The public request API through real HTTP on the real server, both engines.</summary>
public sealed partial class RequestApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [GeneratedRegex(@"code: (\d{6})", RegexOptions.IgnoreCase)]
    private static partial Regex CodeLine();

    private static string Outbox(CustodianServer server) => server.Services.GetRequiredService<MailOptions>().OutboxFolder!;

    private static string CodeFromOutbox(CustodianServer server, string reference)
    {
        var mail = Directory.GetFiles(Outbox(server), "*.eml").Order(StringComparer.Ordinal)
            .Select(f => MimeMessage.Load(f))
            .Last(m => (m.Subject ?? string.Empty).Contains(reference, StringComparison.Ordinal));
        return CodeLine().Match(mail.TextBody ?? string.Empty).Groups[1].Value;
    }

    private static async Task<(HttpStatusCode Status, string Body, string? Reference)> SubmitAsync(CustodianServer server, string email)
    {
        using var response = await server.Client.PostAsJsonAsync("/api/v1/requests", new { type = "access", email, language = "en" }, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        var reference = response.StatusCode == HttpStatusCode.Accepted ? JsonDocument.Parse(body).RootElement.GetProperty("reference").GetString() : null;
        return (response.StatusCode, body, reference);
    }

    private static Task<HttpResponseMessage> VerifyAsync(CustodianServer server, string reference, string code) =>
        server.Client.PostAsJsonAsync($"/api/v1/requests/{reference}/verify", new { code }, Ct);

    private static async Task<string?> ProblemCodeAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("code").GetString();

    [Theory, AllEngines]
    public async Task Submit_ReadCodeFromOutbox_VerifyThenStatus(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(engine);

        var (status, _, reference) = await SubmitAsync(server, "jan.tester@example.nl");
        Assert.Equal(HttpStatusCode.Accepted, status);
        using var verify = await VerifyAsync(server, reference!, CodeFromOutbox(server, reference!));
        Assert.Equal(HttpStatusCode.OK, verify.StatusCode);
        var token = JsonDocument.Parse(await verify.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("token").GetString();

        using var anonymous = await server.Client.GetAsync($"/api/v1/requests/{reference}", Ct);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/requests/{reference}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var read = await server.Client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("request.session_invalid", await ProblemCodeAsync(anonymous));
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        var json = JsonDocument.Parse(await read.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal("verified", json.GetProperty("state").GetString());
        Assert.Equal("access", json.GetProperty("type").GetString());
        Assert.Equal(json.GetProperty("receivedOn").GetString()!.Length, json.GetProperty("dueOn").GetString()!.Length);
        Assert.Equal(["received", "verification_sent", "verified"], json.GetProperty("timeline").EnumerateArray().Select(e => e.GetProperty("kind").GetString()));
        Assert.DoesNotContain("jan.tester", json.ToString(), StringComparison.Ordinal);
    }

    [Theory, AllEngines]
    public async Task Verify_WrongFiveTimesThenRight_LockedAndReusedCodeRefused(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(engine);
        var locked = (await SubmitAsync(server, "lock.tester@example.nl")).Reference!;
        var code = CodeFromOutbox(server, locked);
        var wrong = code == "111111" ? "222222" : "111111";

        var codes = new List<string?>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await VerifyAsync(server, locked, wrong);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            codes.Add(await ProblemCodeAsync(response));
        }

        using var right = await VerifyAsync(server, locked, code);
        Assert.Equal("request.code_invalid", codes[0]);
        Assert.Equal("request.code_locked", codes[4]);
        Assert.Equal("request.code_locked", await ProblemCodeAsync(right));

        var reused = (await SubmitAsync(server, "reuse.tester@example.nl")).Reference!;
        var reusedCode = CodeFromOutbox(server, reused);
        using var first = await VerifyAsync(server, reused, reusedCode);
        using var second = await VerifyAsync(server, reused, reusedCode);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("request.code_used", await ProblemCodeAsync(second));
    }

    /// <summary>Attack A8: the submit answer is the same for an address the store holds and one it does not.</summary>
    [Theory, AllEngines]
    public async Task Submit_KnownAndUnknownAddress_IdenticalAnswers(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(engine);
        await using (var db = server.Database.CreateContext())
        {
            db.ScopeTo(TenantScope.Everything);
            var organization = new Organization { Code = "a8-org", Name = "A8 Org", BillingCompanyName = "A8 Org BV" };
            db.Organizations.Add(organization);
            db.Add(new ContactPerson { OrganizationId = organization.Id, Name = "Known Tester", Email = "known.tester@example.nl", Role = "it" });
            await db.SaveChangesAsync(Ct);
        }

        var known = await SubmitAsync(server, "known.tester@example.nl");
        var unknown = await SubmitAsync(server, "nobody.tester@example.nl");

        Assert.Equal(HttpStatusCode.Accepted, known.Status);
        Assert.Equal(known.Status, unknown.Status);
        // The reference is random per request; everything else is byte-identical.
        Assert.Equal(known.Body.Replace(known.Reference!, "REF", StringComparison.Ordinal), unknown.Body.Replace(unknown.Reference!, "REF", StringComparison.Ordinal));
        Assert.Equal(2, Directory.GetFiles(Outbox(server), "*.eml").Length);
    }

    [Theory, AllEngines]
    public async Task Submit_SixthFromOneClientInAnHour_429WithRetryAfter(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(engine);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await SubmitAsync(server, $"flood{i}.tester@example.nl")).Status);
        }

        using var sixth = await server.Client.PostAsJsonAsync("/api/v1/requests", new { type = "access", email = "flood6.tester@example.nl" }, Ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, sixth.StatusCode);
        Assert.Equal("request.rate_limited", await ProblemCodeAsync(sixth));
        var retryAfter = int.Parse(Assert.Single(sixth.Headers.GetValues("Retry-After")), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 3500, 3600);
    }

    /// <summary>Behind a trusted layer-7 balancer the limit counts the forwarded client, not the balancer; an untrusted header changes nothing.</summary>
    [Fact]
    public async Task Submit_BehindTrustedProxy_CountsTheForwardedClient()
    {
        await using var server = await CustodianServer.StartAsync(
            await TestDatabase.CreateEmptyAsync(Engine.Sqlite),
            adjust: o => o with { TrustedProxies = [System.Net.IPNetwork.Parse("127.0.0.0/8")] });

        async Task<HttpStatusCode> FromAsync(string client, int i)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/requests", UriKind.Relative))
            {
                Content = JsonContent.Create(new { type = "access", email = $"proxied{i}.tester@example.nl" }),
            };
            request.Headers.Add("X-Forwarded-For", client);
            using var response = await server.Client.SendAsync(request, Ct);
            return response.StatusCode;
        }

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Accepted, await FromAsync("198.51.100.7", i));
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, await FromAsync("198.51.100.7", 5));
        Assert.Equal(HttpStatusCode.Accepted, await FromAsync("198.51.100.8", 6));
    }

    [Fact]
    public async Task Submit_ForwardedForWithoutTrustedProxy_IsIgnored()
    {
        await using var server = await CustodianServer.StartAsync(Engine.Sqlite);
        for (var i = 0; i < 5; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/requests", UriKind.Relative))
            {
                Content = JsonContent.Create(new { type = "access", email = $"spoof{i}.tester@example.nl" }),
            };
            request.Headers.Add("X-Forwarded-For", $"198.51.100.{i + 10}");
            using var response = await server.Client.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        // A client cannot escape the limit by inventing a new forwarded address per request.
        using var sixth = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/requests", UriKind.Relative))
        {
            Content = JsonContent.Create(new { type = "access", email = "spoof6.tester@example.nl" }),
        };
        sixth.Headers.Add("X-Forwarded-For", "198.51.100.99");
        using var refused = await server.Client.SendAsync(sixth, Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
    }

    [Fact]
    public async Task Submit_PhoneAndEmailOrBadPhone_ValidationProblem()
    {
        await using var server = await CustodianServer.StartAsync(Engine.Sqlite);

        using var response = await server.Client.PostAsJsonAsync("/api/v1/requests", new { type = "erasure", email = "p.tester@example.nl", phone = "+31612345678" }, Ct);
        using var bad = await server.Client.PostAsJsonAsync("/api/v1/requests", new { type = "erasure", phone = "12" }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal("validation.failed", json.GetProperty("code").GetString());
        Assert.Equal("request.contact.one_channel", json.GetProperty("errors")[0].GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var badJson = JsonDocument.Parse(await bad.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal("phone", badJson.GetProperty("errors")[0].GetProperty("field").GetString());
    }

    [Fact]
    public async Task OpenApi_ListsTheRequestEndpointsWithSummaries()
    {
        await using var server = await CustodianServer.StartAsync(Engine.Sqlite);

        var root = JsonDocument.Parse(await server.Client.GetStringAsync("/openapi/v1.json", Ct)).RootElement;
        var doc = root.GetProperty("paths");

        Assert.False(string.IsNullOrEmpty(doc.GetProperty("/api/v1/requests").GetProperty("post").GetProperty("summary").GetString()));
        Assert.False(string.IsNullOrEmpty(doc.GetProperty("/api/v1/requests/{reference}/verify").GetProperty("post").GetProperty("summary").GetString()));
        Assert.False(string.IsNullOrEmpty(doc.GetProperty("/api/v1/requests/{reference}").GetProperty("get").GetProperty("summary").GetString()));
        Assert.False(string.IsNullOrEmpty(doc.GetProperty("/api/v1/requests/{reference}/mandate").GetProperty("post").GetProperty("summary").GetString()));

        // The mandate fields of a submission are documented (from the DTO's XML comments).
        var submit = root.GetProperty("components").GetProperty("schemas").GetProperty("SubmitRequestDto").GetProperty("properties");
        foreach (var field in new[] { "subjectEmail", "subjectPhone", "mandate" })
        {
            Assert.False(string.IsNullOrEmpty(submit.GetProperty(field).GetProperty("description").GetString()), field);
        }
    }
}
