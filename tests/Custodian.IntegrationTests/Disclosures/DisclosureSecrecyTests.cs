using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.ApiKeys;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Requests.Answers;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.IntegrationTests.Office;
using Custodian.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Disclosures;

/// <summary>
/// One server (SQLite) with one order registered through the API, produced by one officer and released and
/// downloaded by a second, over real HTTP. The order's reference and one target (an IMEI) are canaries that appear
/// nowhere else: no other role may find them in any page, API answer, access report or log line.
/// </summary>
public sealed class DisclosureSecrecyFixture : IAsyncLifetime
{
    public const string CanaryReference = "OM-CANARY-7Q3Z";
    public const string CanaryImei = "356938035643809";
    public const string TargetPhone = "+31201237777";

    internal CustodianServer Server { get; private set; } = null!;

    internal ConcurrentQueue<string> LogLines { get; } = new();

    internal Guid OrderId { get; private set; }

    internal Guid HoldId { get; private set; }

    internal Guid AlphaId { get; private set; }

    internal HttpClient Officer { get; private set; } = null!;

    internal HttpClient SecondOfficer { get; private set; } = null!;

    internal string RegisterAnswer { get; private set; } = "";

    internal HttpStatusCode FourEyesStatus { get; private set; }

    internal byte[] Package { get; private set; } = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        Server = await CustodianServer.StartAsync(Engine.Sqlite, b => b.Logging.AddProvider(new CapturingProvider(LogLines)).SetMinimumLevel(LogLevel.Trace));
        await using (var db = Server.Database.CreateContext())
        {
            db.ScopeTo(TenantScope.Everything);
            var alpha = new Organization { Code = "alpha", Name = "Alpha Test", BillingCompanyName = "Alpha Test BV" };
            db.Organizations.Add(alpha);
            await db.SaveChangesAsync(Ct);
            AlphaId = alpha.Id;
            db.ContactPersons.Add(new ContactPerson
            {
                OrganizationId = alpha.Id,
                CreatedAt = Instant.FromDateTimeOffset(TimeProvider.System.GetUtcNow()),
                Name = "Tess Targettest",
                Phone = TargetPhone,
                Email = "tess@alpha.example",
                Role = "privacy",
            });
            await db.SaveChangesAsync(Ct);
        }

        using var api = new HttpClient { BaseAddress = Server.BaseAddress };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await KeyAsync(null, [ApiScopes.DisclosuresManage, ApiScopes.AllTenants]));
        var now = TimeProvider.System.GetUtcNow();
        using var registered = await api.PostAsJsonAsync("/api/v1/disclosures/orders", new
        {
            reference = CanaryReference,
            type = "traffic_data_126n",
            issuedBy = "public_prosecutor",
            receivedAt = Iso(now.AddHours(-2)),
            periodFrom = Iso(now.AddDays(-30)),
            periodUntil = Iso(now.AddDays(1)),
            categories = new[] { "general.contact_person" },
            targets = new[] { new { kind = "phone", value = "020 123 7777" }, new { kind = "imei", value = CanaryImei } },
        }, Ct);
        RegisterAnswer = await registered.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        using var json = JsonDocument.Parse(RegisterAnswer);
        OrderId = json.RootElement.GetProperty("id").GetGuid();
        HoldId = json.RootElement.GetProperty("legalHoldId").GetGuid();

        Officer = await OfficePageSetup.ClientAsync(Server, StaffRoles.LawfulDisclosureOfficer);
        SecondOfficer = await OfficePageSetup.ClientAsync(Server, StaffRoles.LawfulDisclosureOfficer);
        var page = $"/office/disclosures/orders/{OrderId}";
        using (var produced = await OfficePageSetup.PostAsync(Officer, page, page + "?handler=produce", []))
        {
            Assert.Equal(HttpStatusCode.Found, produced.StatusCode);
        }

        var productionId = Guid.Parse(System.Text.RegularExpressions.Regex.Match(
            await OfficePageSetup.BodyAsync(await OfficePageSetup.GetAsync(Officer, page)), "name=\"production\" value=\"([^\"]+)\"").Groups[1].Value);
        using (var selfRelease = await OfficePageSetup.PostAsync(Officer, page, page + "?handler=release", new() { ["production"] = productionId.ToString() }))
        {
            FourEyesStatus = selfRelease.StatusCode;
        }

        using (var released = await OfficePageSetup.PostAsync(SecondOfficer, page, page + "?handler=release", new() { ["production"] = productionId.ToString() }))
        {
            Assert.Equal(HttpStatusCode.Found, released.StatusCode);
        }

        using var download = await OfficePageSetup.GetAsync(SecondOfficer, $"{page}?handler=download&production={productionId}");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Package = await download.Content.ReadAsByteArrayAsync(Ct);
    }

    internal async Task<string> KeyAsync(string? organization, string[] scopes)
    {
        await using var scope = Server.Services.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<ApiKeyRegistry>().CreateAsync(organization, scopes, "test", new AuditActor(AuditActorKind.Cli, "cli:test"), Ct);
        Assert.True(result.IsSuccess, result.Error?.ToString());
        return result.Value.FullKey;
    }

    public async ValueTask DisposeAsync()
    {
        Officer?.Dispose();
        SecondOfficer?.Dispose();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }

    private static string Iso(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private sealed class CapturingProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{category}: {formatter(state, exception)} {exception}");
        }
    }
}

/// <summary>Secrecy of the order register (Tw 13.5, ACC-5), with canaries, against every other role.</summary>
public sealed class DisclosureSecrecyTests(DisclosureSecrecyFixture fixture) : IClassFixture<DisclosureSecrecyFixture>
{
    public static TheoryData<string> OtherRoles { get; } =
        [StaffRoles.Administrator, StaffRoles.PrivacyOfficer, StaffRoles.SupportAgent, StaffRoles.Auditor, StaffRoles.ClientPrivacyContact];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Officers_RegisterProduceRelease_FourEyesHeldAndPackageDelivered()
    {
        Assert.Contains("\"needsLegalReview\":true", fixture.RegisterAnswer, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, fixture.FourEyesStatus); // the page again, with the four-eyes error, not a redirect
        Assert.Equal((byte)'P', fixture.Package[0]); // a ZIP
        var list = await OfficePageSetup.BodyAsync(await OfficePageSetup.GetAsync(fixture.Officer, "/office/disclosures"));
        Assert.Contains(DisclosureSecrecyFixture.CanaryReference, list, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"legal-review\"", list, StringComparison.Ordinal);
        Assert.Contains("href=\"/office/disclosures\"", list, StringComparison.Ordinal); // the menu entry
        var order = await OfficePageSetup.BodyAsync(await OfficePageSetup.GetAsync(fixture.Officer, $"/office/disclosures/orders/{fixture.OrderId}"));
        Assert.Contains($"/office/retention/holds/{fixture.HoldId}", order, StringComparison.Ordinal);
        var released = await OfficePageSetup.AuditAsync(fixture.Server, "disclosure.released");
        Assert.Single(released);
        Assert.DoesNotContain(DisclosureSecrecyFixture.CanaryReference, released[0].Details ?? "", StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(OtherRoles))]
    public async Task OtherRole_OrderPagesAndCanaries_ForbiddenAndNowhereToBeSeen(string role)
    {
        using var client = await OfficePageSetup.ClientAsync(fixture.Server, role, fixture.AlphaId);
        foreach (var path in new[] { "/office/disclosures", "/office/disclosures/new", $"/office/disclosures/orders/{fixture.OrderId}", "/office/disclosures/statistics" })
        {
            using var response = await OfficePageSetup.GetAsync(client, path);
            Assert.True(response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound, $"{role} {path}: {response.StatusCode}");
        }

        var seen = new List<string>();
        foreach (var path in new[] { "/office", "/office/dashboard", "/office/retention/holds", "/office/retention", "/office/audit", $"/office/retention/holds/{fixture.HoldId}" })
        {
            using var response = await OfficePageSetup.GetAsync(client, path);
            seen.Add(await OfficePageSetup.BodyAsync(response));
        }

        if (StaffRoles.PermissionsOf(role).Contains(Permissions.PeopleLookup))
        {
            using var lookup = await OfficePageSetup.PostAsync(client, "/office/people", "/office/people?handler=Lookup",
                new() { ["identifier"] = DisclosureSecrecyFixture.TargetPhone, ["kind"] = "", ["reason"] = "TICKET-1" });
            var body = await OfficePageSetup.BodyAsync(lookup);
            Assert.Contains("Tess Targettest", body, StringComparison.Ordinal); // the person's own data shows
            seen.Add(body);
        }

        foreach (var body in seen)
        {
            AssertNoTrace(body);
            Assert.DoesNotContain("href=\"/office/disclosures\"", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Api_ProviderKeyWithoutThePermission_ForbiddenAndTenantKeyCannotHoldIt()
    {
        using var api = new HttpClient { BaseAddress = fixture.Server.BaseAddress };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await fixture.KeyAsync(null, [.. ApiScopes.ProviderDefaults]));
        foreach (var path in new[] { "/api/v1/disclosures/orders", $"/api/v1/disclosures/orders/{fixture.OrderId}", "/api/v1/disclosures/statistics/2026" })
        {
            using var response = await api.GetAsync(new Uri(path, UriKind.Relative), Ct);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            AssertNoTrace(await response.Content.ReadAsStringAsync(Ct));
        }

        using var holds = await api.GetAsync(new Uri("/api/v1/holds", UriKind.Relative), Ct);
        AssertNoTrace(await holds.Content.ReadAsStringAsync(Ct));
        await using var scope = fixture.Server.Services.CreateAsyncScope();
        var tenantKey = await scope.ServiceProvider.GetRequiredService<ApiKeyRegistry>()
            .CreateAsync("alpha", [ApiScopes.DisclosuresManage], "test", new AuditActor(AuditActorKind.Cli, "cli:test"), Ct);
        Assert.Contains("api_key.tenant_cannot_disclose", Assert.IsType<ValidationError>(tenantKey.Error).Errors.Select(e => e.Code));
    }

    [Fact]
    public async Task AccessReportAndLogs_ForTheTarget_HoldNoTraceOfTheOrder()
    {
        await using var scope = fixture.Server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CustodianDbContext>();
        db.ScopeTo(TenantScope.Everything);
        var builder = scope.ServiceProvider.GetRequiredService<AccessReportBuilder>();
        var report = await builder.BuildAsync(db, [new SubjectKey(SubjectIdentifierKind.Phone, DisclosureSecrecyFixture.TargetPhone), new SubjectKey(SubjectIdentifierKind.Imei, DisclosureSecrecyFixture.CanaryImei)],
            new AnswerScope(), new AuditActor(AuditActorKind.System, "test"), Ct);
        Assert.True(report.RecordCount > 0); // the person's own data is there
        using var json = new MemoryStream();
        AccessReportJson.Write(report, json);
        AssertNoTrace(System.Text.Encoding.UTF8.GetString(json.ToArray()));
        AssertNoTrace(AccessReportHtml.Render(report, Core.Features.Register.StatementLanguage.Dutch));

        Assert.NotEmpty(fixture.LogLines);
        Assert.DoesNotContain(fixture.LogLines, l => l.Contains(DisclosureSecrecyFixture.CanaryReference, StringComparison.Ordinal) || l.Contains(DisclosureSecrecyFixture.CanaryImei, StringComparison.Ordinal));
    }

    [Fact]
    public async Task MarkComplied_ApiOnceAndPageShowsTheDutyToInform_ForTapAnd1111Orders()
    {
        using var api = new HttpClient { BaseAddress = fixture.Server.BaseAddress };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await fixture.KeyAsync(null, [ApiScopes.DisclosuresManage, ApiScopes.AllTenants]));
        var now = TimeProvider.System.GetUtcNow();
        async Task<Guid> RegisterAsync(string reference, string type, string issuedBy)
        {
            using var registered = await api.PostAsJsonAsync("/api/v1/disclosures/orders", new
            {
                reference,
                type,
                issuedBy,
                judgeAuthorisation = "RC-TAP-1",
                receivedAt = now.AddHours(-1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                periodFrom = now.AddDays(-7).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                periodUntil = now.AddDays(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                categories = new[] { "general.contact_person" },
                targets = new[] { new { kind = "phone", value = "+31201238888" } },
            }, Ct);
            var body = await registered.Content.ReadAsStringAsync(Ct);
            Assert.True(registered.StatusCode == HttpStatusCode.Created, body);
            return JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();
        }

        var tap = await RegisterAsync("OM-TAP-1", "interception_126m", "public_prosecutor");
        var nuisance = await RegisterAsync("NC-1", "nuisance_call_11_11", "subscriber");

        var tapPage = await OfficePageSetup.BodyAsync(await OfficePageSetup.GetAsync(fixture.Officer, $"/office/disclosures/orders/{tap}"));
        Assert.Contains("data-testid=\"mark-complied\"", tapPage, StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"inform-subscriber\"", tapPage, StringComparison.Ordinal);
        using (var marked = await api.PostAsync(new Uri($"/api/v1/disclosures/orders/{tap}/complied", UriKind.Relative), null, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, marked.StatusCode);
            Assert.Contains("\"compliedAt\":\"", await marked.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        using (var again = await api.PostAsync(new Uri($"/api/v1/disclosures/orders/{tap}/complied", UriKind.Relative), null, Ct))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
            Assert.Contains("order.already_complied", await again.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        tapPage = await OfficePageSetup.BodyAsync(await OfficePageSetup.GetAsync(fixture.Officer, $"/office/disclosures/orders/{tap}"));
        Assert.DoesNotContain("data-testid=\"mark-complied\"", tapPage, StringComparison.Ordinal);

        var nuisancePage = await OfficePageSetup.BodyAsync(await OfficePageSetup.GetAsync(fixture.Officer, $"/office/disclosures/orders/{nuisance}"));
        Assert.Contains("data-testid=\"inform-subscriber\"", nuisancePage, StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"mark-complied\"", nuisancePage, StringComparison.Ordinal); // complied by release
        using var detail = await api.GetAsync(new Uri($"/api/v1/disclosures/orders/{nuisance}", UriKind.Relative), Ct);
        var nuisanceJson = await detail.Content.ReadAsStringAsync(Ct);
        Assert.Contains("\"mustInformDisclosedSubscriber\":true", nuisanceJson, StringComparison.Ordinal);
        Assert.Contains("\"holdBasis\":\"other\"", nuisanceJson, StringComparison.Ordinal);
    }

    private void AssertNoTrace(string text)
    {
        Assert.DoesNotContain(DisclosureSecrecyFixture.CanaryReference, text, StringComparison.Ordinal);
        Assert.DoesNotContain(DisclosureSecrecyFixture.CanaryImei, text, StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.OrderId.ToString(), text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(fixture.HoldId.ToString(), text, StringComparison.OrdinalIgnoreCase);
    }
}
