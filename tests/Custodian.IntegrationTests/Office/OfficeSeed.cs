using System.Net;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Custodian.Testing;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Office;

/// <summary>
/// Two client organisations with figures that appear nowhere else (so a page that leaks one shows it), and helpers to
/// log every role in. Deleted records: alpha 4321, beta 8765 (provider total 13086); kept by holds: beta 777.
/// Holds: one per organisation (reasons "Alpha dispuut", "Beta dispuut") and one authority hold on beta ("Verzegelde vordering").
/// </summary>
internal sealed class OfficeSeed
{
    public const string AlphaCode = "client-alpha";
    public const string BetaCode = "client-beta";
    public const string AlphaReason = "Alpha dispuut";
    public const string BetaReason = "Beta dispuut";
    public const string AuthorityReason = "Verzegelde vordering";

    private OfficeSeed(CustodianServer server, Guid alpha, Guid beta, Guid sweep, IReadOnlyList<Guid> holds)
    {
        Server = server;
        Alpha = alpha;
        Beta = beta;
        SweepId = sweep;
        AlphaHoldId = holds[0];
        BetaHoldId = holds[1];
        AuthorityHoldId = holds[2];
    }

    /// <summary>The holds, all placed by the provider (an operator): alpha's, beta's and beta's authority hold.</summary>
    public Guid AlphaHoldId { get; }

    public Guid BetaHoldId { get; }

    public Guid AuthorityHoldId { get; }

    public CustodianServer Server { get; }

    public Guid Alpha { get; }

    public Guid Beta { get; }

    /// <summary>The seeded sweep (started a day ago, completed).</summary>
    public Guid SweepId { get; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<OfficeSeed> SeedAsync(CustodianServer server)
    {
        await using var db = server.Database.CreateContext();
        db.ScopeTo(TenantScope.Everything);
        var now = Instant.FromDateTimeOffset(TimeProvider.System.GetUtcNow());
        Organization Org(string code) => new() { Code = code, Name = code + " B.V.", BillingCompanyName = code + " B.V.", CreatedAt = now };
        var alpha = Org(AlphaCode);
        var beta = Org(BetaCode);
        db.Organizations.AddRange(alpha, beta);
        ContactPerson Contact(Organization o, string name) =>
            new() { OrganizationId = o.Id, Name = name, Role = "general", Email = $"{name.ToLowerInvariant()}@{o.Code}.example", CreatedAt = now };
        db.ContactPersons.AddRange(Contact(alpha, "Ann"), Contact(beta, "Bob"), Contact(beta, "Cas"));

        var sweep = new RetentionSweepRun { Cutoff = now - Duration.FromDays(1), StartedAt = now - Duration.FromDays(1), FinishedAt = now - Duration.FromDays(1) + Duration.FromMinutes(5), State = RetentionSweepRun.Completed };
        sweep.Count(RetentionTargets.ContactPerson, alpha.Id, 4321, Duration.FromMinutes(30));
        sweep.Count(RetentionTargets.ContactPerson, beta.Id, 8765, Duration.FromDays(3));
        sweep.SetKept("contact_person", RetentionTargets.ContactPerson, [(beta.Id, 777)]);
        db.Set<RetentionSweepRun>().Add(sweep);

        LegalHold Hold(Guid organization, HoldBasis basis, string reason) => new()
        {
            Basis = basis,
            Reason = reason,
            OrganizationId = organization,
            StartsAt = now - Duration.FromDays(2),
            EndsAt = now + Duration.FromDays(30),
            PlacedAt = now - Duration.FromDays(2),
            PlacedByKind = AuditActorKind.Cli,
            PlacedById = "cli:test",
        };
        LegalHold[] holds = [
            Hold(alpha.Id, HoldBasis.LegalClaims, AlphaReason),
            Hold(beta.Id, HoldBasis.LegalClaims, BetaReason),
            Hold(beta.Id, HoldBasis.CriminalInvestigation, AuthorityReason)];
        db.LegalHolds.AddRange(holds);
        await db.SaveChangesAsync(Ct);
        return new OfficeSeed(server, alpha.Id, beta.Id, sweep.Id, [.. holds.Select(h => h.Id)]);
    }

    /// <summary>A logged-in client of <paramref name="role"/> (a client-privacy contact of alpha unless <paramref name="organization"/> says otherwise).</summary>
    public async Task<HttpClient> LogInAsync(string role, Guid? organization = null)
    {
        var user = await OfficeAccounts.CreateAsync(Server, role, StaffRoles.IsOrganizationBound(role) ? organization ?? Alpha : null);
        var client = NewClient(Server);
        await OfficeAccounts.LogInAsync(client, Server, user);
        return client;
    }

    public static HttpClient NewClient(CustodianServer server) =>
        new(new HttpClientHandler { UseCookies = true, AllowAutoRedirect = false }) { BaseAddress = server.BaseAddress };

    public static async Task<(HttpStatusCode Status, string Html)> GetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative), Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    /// <summary>The page's <c>main</c> (the menu and user bar are the layout's, tested elsewhere).</summary>
    public static async Task<IHtmlElement> MainAsync(HttpClient client, string path)
    {
        var (status, html) = await GetAsync(client, path);
        Assert.True(status == HttpStatusCode.OK, $"GET {path}: {status}");
        var doc = await new HtmlParser().ParseDocumentAsync(html, Ct);
        return (IHtmlElement)doc.QuerySelector("main")!;
    }

    /// <summary>
    /// GETs <paramref name="page"/> for an antiforgery token (any form's, the layout's logout form has one too), then
    /// POSTs <paramref name="fields"/> to it with <c>?handler=</c>; without the token when <paramref name="withToken"/> is false.
    /// </summary>
    public static async Task<HttpResponseMessage> PostAsync(HttpClient client, string page, string? handler, Dictionary<string, string>? fields = null, bool withToken = true)
    {
        var html = await client.GetStringAsync(new Uri(page, UriKind.Relative), Ct);
        fields ??= [];
        if (withToken)
        {
            var token = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"");
            Assert.True(token.Success, $"{page} has no antiforgery token");
            fields["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value);
        }

        using var content = new FormUrlEncodedContent(fields);
        return await client.PostAsync(new Uri(page + (handler is null ? "" : "?handler=" + handler), UriKind.Relative), content, Ct);
    }

    /// <summary>Each role's answer for <paramref name="path"/>: 200 for those holding <paramref name="permission"/>, 403 for the others.</summary>
    public async Task AssertRolesAsync(string path, string permission)
    {
        foreach (var role in StaffRoles.All)
        {
            using var client = await LogInAsync(role);
            var (status, _) = await GetAsync(client, path);
            var expected = StaffRoles.PermissionsOf(role).Contains(permission) ? HttpStatusCode.OK : HttpStatusCode.Forbidden;
            Assert.True(expected == status, $"{role} GET {path}: {status}, expected {expected}");
        }

        using var anonymous = NewClient(Server);
        using var response = await anonymous.GetAsync(new Uri(path, UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.StartsWith("/office/login", response.Headers.Location?.OriginalString, StringComparison.Ordinal);
    }
}
