using System.Net;
using System.Text.RegularExpressions;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Custodian.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Office;

/// <summary>
/// A running server with two client organisations (alpha and beta), each with one contact person, and logged-in
/// clients per role, for the people, organisation and register pages over real HTTP.
/// </summary>
internal static partial class OfficePageSetup
{
    public const string AlphaPhone = "+31201230001";
    public const string BetaPhone = "+31201230002";
    public const string AlphaName = "Anna Alphatest";
    public const string BetaName = "Bert Betatest";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<(CustodianServer Server, Guid Alpha, Guid Beta)> StartAsync(Engine engine, Action<WebApplicationBuilder>? configure = null)
    {
        var server = await CustodianServer.StartAsync(engine, configure);
        await using var db = server.Database.CreateContext();
        db.ScopeTo(TenantScope.Everything);
        var alpha = new Organization { Code = "alpha", Name = "Alpha Test", BillingCompanyName = "Alpha Test BV" };
        var beta = new Organization { Code = "beta", Name = "Beta Test", BillingCompanyName = "Beta Test BV" };
        db.Organizations.AddRange(alpha, beta);
        await db.SaveChangesAsync(Ct);
        var now = Instant.FromDateTimeOffset(TimeProvider.System.GetUtcNow());
        db.ContactPersons.AddRange(
            new ContactPerson { OrganizationId = alpha.Id, CreatedAt = now, Name = AlphaName, Phone = AlphaPhone, Email = "anna@alpha.example", Role = "privacy" },
            new ContactPerson { OrganizationId = beta.Id, CreatedAt = now, Name = BetaName, Phone = BetaPhone, Email = "bert@beta.example", Role = "privacy" });
        await db.SaveChangesAsync(Ct);
        return (server, alpha.Id, beta.Id);
    }

    /// <summary>A new client with its own cookies, logged in as a new account of <paramref name="role"/> (client contacts belong to <paramref name="organization"/>).</summary>
    public static async Task<HttpClient> ClientAsync(CustodianServer server, string role, Guid? organization = null)
    {
        var user = await OfficeAccounts.CreateAsync(server, role, StaffRoles.IsOrganizationBound(role) ? organization : null);
        var client = new HttpClient(new HttpClientHandler { UseCookies = true, AllowAutoRedirect = false }) { BaseAddress = server.BaseAddress };
        await OfficeAccounts.LogInAsync(client, server, user);
        return client;
    }

    public static async Task<HttpResponseMessage> GetAsync(HttpClient client, string path) =>
        await client.GetAsync(new Uri(path, UriKind.Relative), Ct);

    /// <summary>GETs <paramref name="formPage"/> for an antiforgery token, then POSTs <paramref name="fields"/> to <paramref name="postPath"/>.</summary>
    public static async Task<HttpResponseMessage> PostAsync(HttpClient client, string formPage, string postPath, Dictionary<string, string> fields)
    {
        using var page = await GetAsync(client, formPage);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var token = TokenPattern().Match(await page.Content.ReadAsStringAsync(Ct));
        Assert.True(token.Success, $"{formPage} has no antiforgery token");
        fields["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value);
        using var content = new FormUrlEncodedContent(fields);
        return await client.PostAsync(new Uri(postPath, UriKind.Relative), content, Ct);
    }

    public static async Task<string> BodyAsync(HttpResponseMessage response) => await response.Content.ReadAsStringAsync(Ct);

    /// <summary>The page's main element with the random antiforgery tokens blanked, for comparing two answers.</summary>
    public static string MainOf(string html)
    {
        var main = html[html.IndexOf("<main", StringComparison.Ordinal)..];
        return TokenPattern().Replace(main, "TOKEN");
    }

    public static async Task<List<AuditEvent>> AuditAsync(CustodianServer server, string action)
    {
        await using var db = server.Database.CreateContext();
        return await db.Set<AuditEvent>().Where(e => e.Action == action).OrderBy(e => e.Seq).ToListAsync(Ct);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
