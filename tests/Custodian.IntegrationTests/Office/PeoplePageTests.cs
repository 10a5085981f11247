using System.Net;
using Custodian.Core.Features.Accounts;
using Custodian.Testing;
using Xunit;
using static Custodian.IntegrationTests.Office.OfficePageSetup;

namespace Custodian.IntegrationTests.Office;

/// <summary>The people page over real HTTP: who may open it, the reason rule and its audit, tenant isolation, no personal data in URLs.</summary>
public sealed class PeoplePageTests
{
    private static Dictionary<string, string> Lookup(string identifier, string reason) =>
        new() { ["identifier"] = identifier, ["kind"] = "", ["reason"] = reason };

    [Theory, AllEngines]
    public async Task Pages_EveryRole_OpensWhatItsPermissionsAllow_AndGets403Otherwise(Engine engine)
    {
        var (server, alpha, _) = await StartAsync(engine);
        await using var _s = server;
        var pages = new (string Path, string Permission)[]
        {
            ("/office/people", Permissions.PeopleLookup),
            ("/office/organizations", Permissions.OrganizationsRead),
            ($"/office/organizations/{alpha}", Permissions.OrganizationsRead),
            ("/office/register", Permissions.RegisterRead),
        };
        foreach (var role in StaffRoles.All)
        {
            using var client = await ClientAsync(server, role, alpha);
            foreach (var (path, permission) in pages)
            {
                using var response = await GetAsync(client, path);
                var expected = StaffRoles.PermissionsOf(role).Contains(permission) ? HttpStatusCode.OK : HttpStatusCode.Forbidden;
                Assert.True(expected == response.StatusCode, $"{role} GET {path}: {response.StatusCode}, expected {expected}");
            }
        }

        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = server.BaseAddress };
        using var redirected = await GetAsync(anonymous, "/office/people");
        Assert.Equal(HttpStatusCode.Found, redirected.StatusCode);
        Assert.StartsWith("/office/login", redirected.Headers.Location?.OriginalString, StringComparison.Ordinal);
    }

    [Theory, AllEngines]
    public async Task Lookup_BySupportAgentWithoutReason_IsRefusedWithAMessage_NothingShownOrLookedUp(Engine engine)
    {
        var (server, _, _) = await StartAsync(engine);
        await using var _s = server;
        using var client = await ClientAsync(server, StaffRoles.SupportAgent);

        using var response = await PostAsync(client, "/office/people", "/office/people?handler=Lookup", Lookup(AlphaPhone, "  "));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await BodyAsync(response);
        Assert.Contains("data-testid=\"reason-error\"", html, StringComparison.Ordinal);
        Assert.Contains("Zonder reden wordt niets opgezocht", html, StringComparison.Ordinal);
        Assert.DoesNotContain(AlphaName, html, StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"person\"", html, StringComparison.Ordinal);
        Assert.Empty(await AuditAsync(server, "subject.looked_up"));
    }

    [Theory, AllEngines]
    public async Task Lookup_BySupportAgentWithReason_ShowsThePersonPerCategory_AndTheAuditKeepsTheReason(Engine engine)
    {
        var (server, _, _) = await StartAsync(engine);
        await using var _s = server;
        using var client = await ClientAsync(server, StaffRoles.SupportAgent);

        using var response = await PostAsync(client, "/office/people", "/office/people?handler=Lookup", Lookup(AlphaPhone, "TICKET-4711"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await BodyAsync(response);
        Assert.Contains(AlphaName, html, StringComparison.Ordinal);
        Assert.Contains("general.contact_person", html, StringComparison.Ordinal);
        Assert.Contains("Overeenkomst (art. 6 lid 1 sub b)", html, StringComparison.Ordinal);
        Assert.DoesNotContain(BetaName, html, StringComparison.Ordinal);
        var looked = Assert.Single(await AuditAsync(server, "subject.looked_up"));
        Assert.Equal("TICKET-4711", looked.Reason);
        Assert.Equal("user", looked.ActorKind);
        Assert.DoesNotContain(AlphaPhone, looked.Objects + looked.Details, StringComparison.Ordinal);
    }

    [Theory, AllEngines]
    public async Task Lookup_ByClientContact_OfAnotherOrganisationsPerson_AnswersExactlyLikeNobody(Engine engine)
    {
        var (server, alpha, _) = await StartAsync(engine);
        await using var _s = server;
        using var client = await ClientAsync(server, StaffRoles.ClientPrivacyContact, alpha);

        async Task<string> LookUpAsync(string phone)
        {
            using var response = await PostAsync(client, "/office/people", "/office/people?handler=Lookup", Lookup(phone, "REQ-1"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return MainOf(await BodyAsync(response)).Replace("&#x2B;" + phone[1..], "PHONE", StringComparison.Ordinal).Replace(phone, "PHONE", StringComparison.Ordinal);
        }

        var own = await LookUpAsync(AlphaPhone);
        var foreign = await LookUpAsync(BetaPhone);
        var nobody = await LookUpAsync("+31201239999");

        Assert.Contains(AlphaName, own, StringComparison.Ordinal);
        Assert.DoesNotContain(BetaName, foreign, StringComparison.Ordinal);
        Assert.Equal(nobody, foreign);
        Assert.Contains("data-testid=\"person-none\"", foreign, StringComparison.Ordinal);
    }

    [Theory, AllEngines]
    public async Task List_IsAPostWithThePrefixInTheBody_AClientContactSeesOnlyItsOwnPeople(Engine engine)
    {
        var (server, alpha, _) = await StartAsync(engine);
        await using var _s = server;
        using var officer = await ClientAsync(server, StaffRoles.PrivacyOfficer);
        using var contact = await ClientAsync(server, StaffRoles.ClientPrivacyContact, alpha);
        var fields = new Dictionary<string, string> { ["listKind"] = "name", ["prefix"] = "" };

        using var all = await PostAsync(officer, "/office/people", "/office/people?handler=List", new(fields));
        using var own = await PostAsync(contact, "/office/people", "/office/people?handler=List", new(fields));
        using var prefixed = await PostAsync(officer, "/office/people", "/office/people?handler=List", new(fields) { ["prefix"] = "bert" });

        var allHtml = await BodyAsync(all);
        Assert.Contains(AlphaName.ToLowerInvariant(), allHtml, StringComparison.Ordinal);
        Assert.Contains(BetaName.ToLowerInvariant(), allHtml, StringComparison.Ordinal);
        var ownHtml = await BodyAsync(own);
        Assert.Contains(AlphaName.ToLowerInvariant(), ownHtml, StringComparison.Ordinal);
        Assert.DoesNotContain(BetaName.ToLowerInvariant(), ownHtml, StringComparison.Ordinal);
        Assert.DoesNotContain("Beta Test", ownHtml, StringComparison.Ordinal);
        var prefixedHtml = await BodyAsync(prefixed);
        Assert.DoesNotContain(AlphaName.ToLowerInvariant(), prefixedHtml, StringComparison.Ordinal);
        Assert.Contains(BetaName.ToLowerInvariant(), prefixedHtml, StringComparison.Ordinal);
        // No link or form address carries a person's data: every form posts to the page itself.
        foreach (var html in new[] { allHtml, ownHtml, prefixedHtml })
        {
            Assert.DoesNotMatch("(href|action)=\"[^\"]*(anna|bert|%2B31|\\+31)", html);
            Assert.DoesNotContain("method=\"get\"", html, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Theory]
    [InlineData("/office/people?handler=Lookup")]
    [InlineData("/office/people?handler=List")]
    public async Task Post_WithoutAntiforgeryToken_Is400_AndLooksNothingUp(string path)
    {
        var (server, _, _) = await StartAsync(Engine.Sqlite);
        await using var _s = server;
        using var client = await ClientAsync(server, StaffRoles.PrivacyOfficer);
        using var content = new FormUrlEncodedContent(Lookup(AlphaPhone, "TICKET-1"));

        using var response = await client.PostAsync(new Uri(path, UriKind.Relative), content, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(await AuditAsync(server, "subject.looked_up"));
        Assert.Empty(await AuditAsync(server, "subject.listed"));
    }

    [Fact]
    public async Task Get_WithTheIdentifierInTheQuery_LooksNothingUp()
    {
        var (server, _, _) = await StartAsync(Engine.Sqlite);
        await using var _s = server;
        using var client = await ClientAsync(server, StaffRoles.PrivacyOfficer);

        using var response = await GetAsync(client, $"/office/people?handler=Lookup&identifier={Uri.EscapeDataString(AlphaPhone)}&reason=x");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(AlphaName, await BodyAsync(response), StringComparison.Ordinal);
        Assert.Empty(await AuditAsync(server, "subject.looked_up"));
    }
}
