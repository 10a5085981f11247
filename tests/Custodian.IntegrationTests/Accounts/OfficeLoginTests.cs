using System.Net;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Audit;
using Custodian.Features.Office;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Custodian.IntegrationTests.Accounts;

/// <summary>The back-office login over real HTTP on both engines: password, TOTP, lockout, sessions, logout.</summary>
public sealed class OfficeLoginTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(CustodianServer Server, FakeTimeProvider Time)> StartAsync(Engine engine)
    {
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        var server = await CustodianServer.StartAsync(engine, b => b.Services.AddSingleton<TimeProvider>(time));
        return (server, time);
    }

    private static HttpClient NewClient(CustodianServer server) =>
        new(new HttpClientHandler { UseCookies = true, AllowAutoRedirect = false }) { BaseAddress = server.BaseAddress };

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string path) =>
        await client.GetAsync(new Uri(path, UriKind.Relative), Ct);

    private static async Task<string> BodyOfPasswordStepAsync(HttpClient client, string login, string password)
    {
        using var response = await OfficeAccounts.PostFormAsync(client, "/office/login", new() { ["login"] = login, ["password"] = password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(OfficeAccounts.SetCookie(response, OfficeAuthentication.PendingCookie));
        var body = await response.Content.ReadAsStringAsync(Ct);
        // The antiforgery token is random per answer; everything else must be the same whoever the name belongs to.
        var main = body[body.IndexOf("<main", StringComparison.Ordinal)..].Replace(login, "LOGIN", StringComparison.Ordinal);
        return System.Text.RegularExpressions.Regex.Replace(main, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"[^\"]+\"", "TOKEN");
    }

    private static async Task<List<string>> AuditActionsAsync(CustodianServer server)
    {
        await using var db = server.Database.CreateContext();
        return await db.Set<AuditEvent>().OrderBy(e => e.Seq).Select(e => e.Action).ToListAsync(Ct);
    }

    [Theory, AllEngines]
    public async Task Login_PasswordThenCode_OpensTheStartPageWithNameRoleAndPermissions(Engine engine)
    {
        var (server, _) = await StartAsync(engine);
        await using var _s = server;
        var user = await OfficeAccounts.CreateAsync(server, StaffRoles.Auditor);
        using var client = NewClient(server);

        await OfficeAccounts.LogInAsync(client, server, user);
        using var start = await GetAsync(client, "/office");

        Assert.Equal(HttpStatusCode.OK, start.StatusCode);
        var html = await start.Content.ReadAsStringAsync(Ct);
        Assert.Contains("Test auditor (Auditor)", html, StringComparison.Ordinal);
        Assert.Contains("De audittrail doorzoeken", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Medewerkersaccounts beheren", html, StringComparison.Ordinal);
        Assert.Equal("no-store", start.Headers.CacheControl?.ToString());
        Assert.Contains("staff.login_succeeded", await AuditActionsAsync(server));
    }

    [Theory, AllEngines]
    public async Task Login_WrongPassword_SameAnswerAsAnUnknownName_AndNoNameInTheAudit(Engine engine)
    {
        var (server, _) = await StartAsync(engine);
        await using var _s = server;
        var user = await OfficeAccounts.CreateAsync(server, StaffRoles.SupportAgent);
        using var client = NewClient(server);

        var wrongPassword = await BodyOfPasswordStepAsync(client, user.Login, "not-the-password");
        var unknownName = await BodyOfPasswordStepAsync(client, "nobody-by-this-name", "not-the-password");

        Assert.Equal(wrongPassword, unknownName);
        Assert.Contains("Inloggen is niet gelukt", wrongPassword, StringComparison.Ordinal);
        await using var db = server.Database.CreateContext();
        var failures = await db.Set<AuditEvent>().Where(e => e.Action == "staff.login_failed").ToListAsync(Ct);
        Assert.Equal(2, failures.Count);
        Assert.All(failures, e => Assert.DoesNotContain("nobody-by-this-name", e.Objects + e.Details + e.ActorId, StringComparison.Ordinal));
    }

    /// <summary>
    /// An unknown name costs the same Argon2id work as a wrong password (a dummy hash at today's cost is verified), so
    /// the time of an answer does not tell which names have accounts. Compared in work done, not in milliseconds: a
    /// timing comparison on a shared machine failed both ways under load.
    /// </summary>
    [Theory, AllEngines]
    public async Task Login_UnknownName_CostsTheSameHashingWorkAsAWrongPassword(Engine engine)
    {
        var (server, _) = await StartAsync(engine);
        await using var _s = server;
        var user = await OfficeAccounts.CreateAsync(server, StaffRoles.SupportAgent);
        var hasher = server.Services.GetRequiredService<StaffPasswordHasher>();
        using var client = NewClient(server);
        await BodyOfPasswordStepAsync(client, "warm-up", "x"); // makes the dummy hash once

        async Task<long> WorkOfAsync(string login)
        {
            var before = hasher.WorkDone;
            await BodyOfPasswordStepAsync(client, login, "not-the-password");
            return hasher.WorkDone - before;
        }

        var wrongPassword = await WorkOfAsync(user.Login);
        var unknownName = await WorkOfAsync("nobody-by-this-name");

        var defaultCost = (long)Argon2Cost.Default.MemoryKib * Argon2Cost.Default.Passes * Argon2Cost.Default.Parallelism;
        Assert.Equal(defaultCost, wrongPassword);
        Assert.Equal(wrongPassword, unknownName);
    }

    [Theory, AllEngines]
    public async Task Code_WrongOrReplayed_IsRefused_NextStepWorks(Engine engine)
    {
        var (server, time) = await StartAsync(engine);
        await using var _s = server;
        var user = await OfficeAccounts.CreateAsync(server, StaffRoles.PrivacyOfficer);
        using var client = NewClient(server);
        var code = OfficeAccounts.CodeFor(server, user);

        using (var step1 = await OfficeAccounts.PostFormAsync(client, "/office/login", new() { ["login"] = user.Login, ["password"] = user.Password }))
        {
            Assert.Equal(HttpStatusCode.Found, step1.StatusCode);
        }

        var wrong = code == "000000" ? "111111" : "000000";
        using (var bad = await OfficeAccounts.PostFormAsync(client, "/office/login/code", new() { ["code"] = wrong }))
        {
            Assert.Equal(HttpStatusCode.OK, bad.StatusCode);
            Assert.Contains("Inloggen is niet gelukt", await bad.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        using (var good = await OfficeAccounts.PostFormAsync(client, "/office/login/code", new() { ["code"] = code }))
        {
            Assert.Equal(HttpStatusCode.Found, good.StatusCode);
            Assert.Equal("/office", good.Headers.Location?.OriginalString);
        }

        // The same code again, in the same 30 seconds, from another browser: refused.
        using var other = NewClient(server);
        using (var step1 = await OfficeAccounts.PostFormAsync(other, "/office/login", new() { ["login"] = user.Login, ["password"] = user.Password }))
        {
            Assert.Equal(HttpStatusCode.Found, step1.StatusCode);
        }

        using (var replay = await OfficeAccounts.PostFormAsync(other, "/office/login/code", new() { ["code"] = code }))
        {
            Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
            Assert.Null(OfficeAccounts.SetCookie(replay, OfficeAuthentication.SessionCookie));
        }

        time.Advance(TimeSpan.FromSeconds(StaffTotp.StepSeconds));
        using var next = await OfficeAccounts.PostFormAsync(other, "/office/login/code", new() { ["code"] = OfficeAccounts.CodeFor(server, user) });
        Assert.Equal(HttpStatusCode.Found, next.StatusCode);
        Assert.NotNull(OfficeAccounts.SetCookie(next, OfficeAuthentication.SessionCookie));
    }

    [Theory, AllEngines]
    public async Task Lockout_AfterFiveFailures_EvenTheRightPasswordIsRefused_UntilTheBackOffEnds_ThenItDoubles(Engine engine)
    {
        var (server, time) = await StartAsync(engine);
        await using var _s = server;
        var user = await OfficeAccounts.CreateAsync(server, StaffRoles.SupportAgent);
        using var client = NewClient(server);

        for (var i = 0; i < 4; i++)
        {
            Assert.Contains("Inloggen is niet gelukt", await BodyOfPasswordStepAsync(client, user.Login, "wrong-" + i), StringComparison.Ordinal);
        }

        Assert.Contains("Te veel mislukte pogingen", await BodyOfPasswordStepAsync(client, user.Login, "wrong-5"), StringComparison.Ordinal);
        Assert.Contains("Te veel mislukte pogingen", await BodyOfPasswordStepAsync(client, user.Login, user.Password), StringComparison.Ordinal);
        Assert.Contains("staff.login_locked", await AuditActionsAsync(server));

        time.Advance(TimeSpan.FromSeconds(61));
        // One more failure after the first lock: locked again, for two minutes now.
        Assert.Contains("Te veel mislukte pogingen", await BodyOfPasswordStepAsync(client, user.Login, "wrong-6"), StringComparison.Ordinal);
        time.Advance(TimeSpan.FromSeconds(61));
        Assert.Contains("Te veel mislukte pogingen", await BodyOfPasswordStepAsync(client, user.Login, user.Password), StringComparison.Ordinal);
        time.Advance(TimeSpan.FromSeconds(60));

        await OfficeAccounts.LogInAsync(client, server, user);
    }

    [Theory, AllEngines]
    public async Task Lockout_OfAnUnknownName_LooksTheSameAsOfARealOne(Engine engine)
    {
        var (server, _) = await StartAsync(engine);
        await using var _s = server;
        var user = await OfficeAccounts.CreateAsync(server, StaffRoles.SupportAgent);
        using var client = NewClient(server);
        var real = new List<string>();
        var unknown = new List<string>();

        for (var i = 0; i < 6; i++)
        {
            real.Add(await BodyOfPasswordStepAsync(client, user.Login, "wrong-" + i));
            unknown.Add(await BodyOfPasswordStepAsync(client, "ghost-account", "wrong-" + i));
        }

        Assert.Equal(real, unknown);
    }

    [Theory, AllEngines]
    public async Task Lockout_WrongCodesCountToo_SoThePasswordAloneCannotGuessCodesForever(Engine engine)
    {
        var (server, _) = await StartAsync(engine);
        await using var _s = server;
        var user = await OfficeAccounts.CreateAsync(server, StaffRoles.SupportAgent);
        using var client = NewClient(server);
        var right = OfficeAccounts.CodeFor(server, user);
        var wrong = right == "000000" ? "111111" : "000000";
        string? last = null;

        for (var i = 0; i < 5; i++)
        {
            using var step1 = await OfficeAccounts.PostFormAsync(client, "/office/login", new() { ["login"] = user.Login, ["password"] = user.Password });
            if (step1.StatusCode == HttpStatusCode.OK)
            {
                last = await step1.Content.ReadAsStringAsync(Ct);
                break;
            }

            using var code = await OfficeAccounts.PostFormAsync(client, "/office/login/code", new() { ["code"] = wrong });
            last = await code.Content.ReadAsStringAsync(Ct);
        }

        Assert.Contains("Te veel mislukte pogingen", last, StringComparison.Ordinal);
        Assert.Contains("Te veel mislukte pogingen", await BodyOfPasswordStepAsync(client, user.Login, user.Password), StringComparison.Ordinal);
    }

    [Theory, AllEngines]
    public async Task Login_IssuesANewSessionToken_APlantedCookieIsIgnored(Engine engine)
    {
        var (server, _) = await StartAsync(engine);
        await using var _s = server;
        var user = await OfficeAccounts.CreateAsync(server, StaffRoles.Auditor);
        var container = new CookieContainer();
        const string planted = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        container.Add(server.BaseAddress, new Cookie(OfficeAuthentication.SessionCookie, planted, "/office"));
        using var client = new HttpClient(new HttpClientHandler { CookieContainer = container, AllowAutoRedirect = false }) { BaseAddress = server.BaseAddress };

        var token = await OfficeAccounts.LogInAsync(client, server, user);

        Assert.NotEqual(planted, token);
        await using var db = server.Database.CreateContext();
        Assert.Equal(1, await db.StaffSessions.CountAsync(Ct));
        Assert.Equal(StaffSessionStage.Active, (await db.StaffSessions.SingleAsync(Ct)).Stage);
    }

    [Theory, AllEngines]
    public async Task Session_IdleTwentyMinutes_Ends_ButUseKeepsItAlive(Engine engine)
    {
        var (server, time) = await StartAsync(engine);
        await using var _s = server;
        var user = await OfficeAccounts.CreateAsync(server, StaffRoles.Auditor);
        using var client = NewClient(server);
        await OfficeAccounts.LogInAsync(client, server, user);

        for (var i = 0; i < 4; i++)
        {
            time.Advance(TimeSpan.FromMinutes(15));
            using var alive = await GetAsync(client, "/office");
            Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        }

        time.Advance(TimeSpan.FromMinutes(20));
        using var idle = await GetAsync(client, "/office");
        Assert.Equal(HttpStatusCode.Found, idle.StatusCode);
        Assert.StartsWith("/office/login", idle.Headers.Location?.OriginalString, StringComparison.Ordinal);
    }

    [Theory, AllEngines]
    public async Task Session_TenHoursAfterLogin_Ends_HoweverActive(Engine engine)
    {
        var (server, time) = await StartAsync(engine);
        await using var _s = server;
        var user = await OfficeAccounts.CreateAsync(server, StaffRoles.Auditor);
        using var client = NewClient(server);
        await OfficeAccounts.LogInAsync(client, server, user);

        for (var i = 0; i < 39; i++)
        {
            time.Advance(TimeSpan.FromMinutes(15));
            using var alive = await GetAsync(client, "/office");
            Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        }

        time.Advance(TimeSpan.FromMinutes(15));
        using var old = await GetAsync(client, "/office");
        Assert.Equal(HttpStatusCode.Found, old.StatusCode);
    }

    [Theory, AllEngines]
    public async Task Logout_DeletesTheSession_TheOldCookieOpensNothing(Engine engine)
    {
        var (server, _) = await StartAsync(engine);
        await using var _s = server;
        var user = await OfficeAccounts.CreateAsync(server, StaffRoles.Auditor);
        using var client = NewClient(server);
        var token = await OfficeAccounts.LogInAsync(client, server, user);

        using var logout = await OfficeAccounts.PostFormAsync(client, "/office/logout", []);
        Assert.Equal(HttpStatusCode.Found, logout.StatusCode);

        using var stolen = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/office");
        request.Headers.Add("Cookie", $"{OfficeAuthentication.SessionCookie}={token}");
        using var replay = await stolen.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.Found, replay.StatusCode);
        Assert.Contains("staff.logged_out", await AuditActionsAsync(server));
    }

    [Theory, AllEngines]
    public async Task DisabledAccount_ItsOpenSessionEndsAtOnce(Engine engine)
    {
        var (server, _) = await StartAsync(engine);
        await using var _s = server;
        var user = await OfficeAccounts.CreateAsync(server, StaffRoles.PrivacyOfficer);
        using var client = NewClient(server);
        await OfficeAccounts.LogInAsync(client, server, user);

        await using (var scope = server.Services.CreateAsyncScope())
        {
            var result = await scope.ServiceProvider.GetRequiredService<StaffAccounts>().DisableAsync(user.Login, new AuditActor(AuditActorKind.Cli, "cli:test"), Ct);
            Assert.True(result.IsSuccess);
        }

        using var after = await GetAsync(client, "/office");
        Assert.Equal(HttpStatusCode.Found, after.StatusCode);
        Assert.Contains("Inloggen is niet gelukt", await BodyOfPasswordStepAsync(client, user.Login, user.Password), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/office/login")]
    [InlineData("/office/login/code")]
    [InlineData("/office/login/enrol")]
    [InlineData("/office/logout")]
    public async Task Post_WithoutAntiforgeryToken_Is400(string path)
    {
        var (server, _) = await StartAsync(Engine.Sqlite);
        await using var _s = server;
        var user = await OfficeAccounts.CreateAsync(server, StaffRoles.Auditor);
        using var client = NewClient(server);
        if (path == "/office/logout")
        {
            await OfficeAccounts.LogInAsync(client, server, user);
        }

        using var content = new FormUrlEncodedContent(new Dictionary<string, string> { ["login"] = user.Login, ["password"] = user.Password, ["code"] = "123456" });
        using var response = await client.PostAsync(new Uri(path, UriKind.Relative), content, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Get_OfEveryOfficePage_ChangesNothingInTheDatabase()
    {
        var (server, _) = await StartAsync(Engine.Sqlite);
        await using var _s = server;
        var user = await OfficeAccounts.CreateAsync(server, StaffRoles.Administrator);
        using var client = NewClient(server);
        await OfficeAccounts.LogInAsync(client, server, user);
        var pages = server.Services.GetRequiredService<OfficePages>().Existing
            .Where(p => p.StartsWith("/Office/", StringComparison.Ordinal)).ToList();
        Assert.Contains("/Office/Logout", pages);

        async Task<string> StateAsync()
        {
            await using var db = server.Database.CreateContext();
            return string.Join('|',
                await db.StaffSessions.CountAsync(Ct), await db.StaffUsers.CountAsync(Ct), await db.LoginThrottles.CountAsync(Ct), await db.Set<AuditEvent>().CountAsync(Ct));
        }

        var before = await StateAsync();
        // Each page at its route; a route parameter (an organisation's id) gets an unknown id, so that page answers 404.
        // The administrator may not open every page (people, holds): a 403 must change nothing either.
        var routes = server.Services.GetRequiredService<Microsoft.AspNetCore.Routing.EndpointDataSource>().Endpoints
            .OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>()
            .Select(e => (Page: e.Metadata.GetMetadata<Microsoft.AspNetCore.Mvc.RazorPages.PageActionDescriptor>()?.ViewEnginePath, Route: e.RoutePattern.RawText!))
            .Where(e => e.Page is { } p && pages.Contains(p))
            .ToList();
        Assert.All(pages, p => Assert.Contains(routes, r => r.Page == p));
        foreach (var (_, route) in routes)
        {
            var path = "/" + System.Text.RegularExpressions.Regex.Replace(route.TrimStart('/'), "\\{[^}]+\\}", Guid.NewGuid().ToString());
            var allowed = route.Contains('{', StringComparison.Ordinal)
                ? new[] { HttpStatusCode.OK, HttpStatusCode.Found, HttpStatusCode.Forbidden, HttpStatusCode.NotFound }
                : [HttpStatusCode.OK, HttpStatusCode.Found, HttpStatusCode.Forbidden];
            using var response = await GetAsync(client, path + "?login=" + user.Login + "&password=" + user.Password + "&code=123456");
            Assert.True(allowed.Contains(response.StatusCode), $"GET {path}: {response.StatusCode}");
        }

        Assert.Equal(before, await StateAsync());
        using var still = await GetAsync(client, "/office");
        Assert.Equal(HttpStatusCode.OK, still.StatusCode);
    }

    [Fact]
    public async Task SessionCookie_IsHttpOnlyStrictAndLimitedToOffice_ThePortalAndTheApiIgnoreIt()
    {
        var (server, _) = await StartAsync(Engine.Sqlite);
        await using var _s = server;
        var user = await OfficeAccounts.CreateAsync(server, StaffRoles.PrivacyOfficer);
        using var client = NewClient(server);
        using (var step1 = await OfficeAccounts.PostFormAsync(client, "/office/login", new() { ["login"] = user.Login, ["password"] = user.Password }))
        {
            var pending = step1.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(OfficeAuthentication.PendingCookie + "=", StringComparison.Ordinal));
            Assert.Contains("path=/office/login", pending, StringComparison.OrdinalIgnoreCase);
        }

        using var step2 = await OfficeAccounts.PostFormAsync(client, "/office/login/code", new() { ["code"] = OfficeAccounts.CodeFor(server, user) });
        var cookie = step2.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(OfficeAuthentication.SessionCookie + "=", StringComparison.Ordinal));
        Assert.Contains("path=/office", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        var token = OfficeAccounts.SetCookie(step2, OfficeAuthentication.SessionCookie)!;

        // Sent by hand to the API (a browser would not even send it there): not authenticated.
        using var raw = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = server.BaseAddress };
        foreach (var path in new[] { "/api/v1/retention/overview", "/api/v1/audit/checkpoint", "/api/v1/subjects?identifier=0612345678&reason=x" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add("Cookie", $"{OfficeAuthentication.SessionCookie}={token}");
            using var response = await raw.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    [Fact]
    public async Task Page_WhosePermissionTheRoleLacks_Is403NoAccess_NotALoginLoop()
    {
        // No page needs more than office:access yet, so this server makes the logout page need users:manage.
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var server = await CustodianServer.StartAsync(Engine.Sqlite, b =>
        {
            b.Services.AddSingleton<TimeProvider>(time);
            b.Services.Configure<Microsoft.AspNetCore.Mvc.RazorPages.RazorPagesOptions>(o => o.Conventions.AuthorizePage("/Office/Logout", Permissions.UsersManage));
        });
        var user = await OfficeAccounts.CreateAsync(server, StaffRoles.Auditor);
        using var client = NewClient(server);
        await OfficeAccounts.LogInAsync(client, server, user);

        using var response = await GetAsync(client, "/office/logout");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("Geen toegang", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task ApiKey_CannotOpenAnOfficePage()
    {
        var (server, _) = await StartAsync(Engine.Sqlite);
        await using var _s = server;
        string key;
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var created = await scope.ServiceProvider.GetRequiredService<Core.Features.ApiKeys.ApiKeyRegistry>()
                .CreateAsync(null, [.. Core.Features.ApiKeys.ApiScopes.All], "all scopes", new AuditActor(AuditActorKind.Cli, "cli:test"), Ct);
            key = created.Value!.FullKey;
        }

        using var raw = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = server.BaseAddress };
        raw.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        using var api = await raw.GetAsync(new Uri("/api/v1/retention/overview", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);

        using var page = await raw.GetAsync(new Uri("/office", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.Found, page.StatusCode);
        Assert.StartsWith("/office/login", page.Headers.Location?.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryRole_StartPage_ListsExactlyItsPermissions_AndTheMenuShowsOnlyWhatItMayOpen()
    {
        var (server, time) = await StartAsync(Engine.Sqlite);
        await using var _s = server;
        Guid organization;
        await using (var db = server.Database.CreateContext())
        {
            db.ScopeTo(Core.Features.Tenancy.TenantScope.Everything);
            var org = new Core.Features.Organizations.Organization { Code = "client-a", Name = "Client A", BillingCompanyName = "Client A BV" };
            db.Organizations.Add(org);
            await db.SaveChangesAsync(Ct);
            organization = org.Id;
        }

        var texts = new System.Resources.ResourceManager("Custodian.Resources.OfficeResource", typeof(OfficeMenu).Assembly);
        var existing = server.Services.GetRequiredService<OfficePages>().Existing;
        foreach (var role in StaffRoles.All)
        {
            var user = await OfficeAccounts.CreateAsync(server, role, StaffRoles.IsOrganizationBound(role) ? organization : null);
            using var client = NewClient(server);
            await OfficeAccounts.LogInAsync(client, server, user);
            using var response = await GetAsync(client, "/office");
            var doc = await new AngleSharp.Html.Parser.HtmlParser().ParseDocumentAsync(await response.Content.ReadAsStringAsync(Ct), Ct);

            var listed = doc.QuerySelectorAll("[data-testid=permissions] li").Select(li => li.TextContent.Trim()).ToList();
            var expected = Permissions.Office.Where(StaffRoles.PermissionsOf(role).Contains)
                .Select(p => texts.GetString("Permission_" + p, System.Globalization.CultureInfo.GetCultureInfo("nl"))!).ToList();
            Assert.Equal(expected, listed);
            var menu = doc.QuerySelectorAll("nav ul a").Select(a => a.GetAttribute("href")).ToList();
            Assert.Equal(OfficeMenu.Entries.Where(e => StaffRoles.PermissionsOf(role).Contains(e.Permission) && existing.Contains(e.Page)).Select(e => e.Path), menu);
            Assert.Equal(StaffRoles.IsOrganizationBound(role), doc.Body!.TextContent.Contains("U werkt namens één organisatie", StringComparison.Ordinal));
            time.Advance(TimeSpan.FromSeconds(1));
        }
    }
}
