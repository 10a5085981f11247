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

/// <summary>
/// The forced change of an administrator-given password over real HTTP on both engines: the account is held on
/// <c>/office/login/password</c> until it has chosen its own, a poor choice is refused with a clear message, and an
/// initial password past its lifetime no longer opens anything.
/// </summary>
public sealed class OfficePasswordChangeTests
{
    private const string NewPassword = "my own long passphrase";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(CustodianServer Server, FakeTimeProvider Time)> StartAsync(Engine engine)
    {
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        var server = await CustodianServer.StartAsync(engine, b => b.Services.AddSingleton<TimeProvider>(time));
        return (server, time);
    }

    private static HttpClient NewClient(CustodianServer server) =>
        new(new HttpClientHandler { UseCookies = true, AllowAutoRedirect = false }) { BaseAddress = server.BaseAddress };

    /// <summary>An enrolled account whose password an administrator has just reset: it must change it.</summary>
    private static async Task<OfficeUser> FlaggedAccountAsync(CustodianServer server, string role = StaffRoles.Auditor)
    {
        var user = await OfficeAccounts.CreateAsync(server, role);
        await using var scope = server.Services.CreateAsyncScope();
        var reset = await scope.ServiceProvider.GetRequiredService<StaffAccounts>().ResetPasswordAsync(user.Login, new AuditActor(AuditActorKind.Cli, "cli:test"), Ct);
        Assert.True(reset.IsSuccess);
        return user with { Password = reset.Value.InitialPassword! };
    }

    /// <summary>Password and code; asserts the login ends on the password page (not the start page).</summary>
    private static async Task<string> LogInToPasswordPageAsync(HttpClient client, CustodianServer server, OfficeUser user)
    {
        using var password = await OfficeAccounts.PostFormAsync(client, "/office/login", new() { ["login"] = user.Login, ["password"] = user.Password });
        Assert.Equal(HttpStatusCode.Found, password.StatusCode);
        using var code = await OfficeAccounts.PostFormAsync(client, "/office/login/code", new() { ["code"] = OfficeAccounts.CodeFor(server, user) });
        Assert.Equal(HttpStatusCode.Found, code.StatusCode);
        Assert.StartsWith(OfficeAuthentication.PasswordChangePath, code.Headers.Location?.OriginalString, StringComparison.Ordinal);
        return OfficeAccounts.SetCookie(code, OfficeAuthentication.SessionCookie) ?? throw new InvalidOperationException("no session cookie");
    }

    private static async Task<HttpResponseMessage> ChangeAsync(HttpClient client, string password, string confirmation) =>
        await OfficeAccounts.PostFormAsync(client, OfficeAuthentication.PasswordChangePath, new() { ["password"] = password, ["confirmation"] = confirmation });

    private static async Task<StaffUser> UserAsync(CustodianServer server, OfficeUser user)
    {
        await using var db = server.Database.CreateContext();
        return await db.StaffUsers.AsNoTracking().SingleAsync(u => u.LoginName == user.Login, Ct);
    }

    [Theory, AllEngines]
    public async Task Login_FlaggedAccount_IsHeldOnThePasswordPage_AndNoOtherPageOpens(Engine engine)
    {
        var (server, _) = await StartAsync(engine);
        await using var _s = server;
        var user = await FlaggedAccountAsync(server, StaffRoles.Administrator);
        using var client = NewClient(server);

        await LogInToPasswordPageAsync(client, server, user);

        foreach (var path in new[] { "/office", "/office/audit", "/office/organizations", "/office/logout" })
        {
            using var other = await client.GetAsync(new Uri(path, UriKind.Relative), Ct);
            Assert.Equal(HttpStatusCode.Found, other.StatusCode);
            Assert.StartsWith(OfficeAuthentication.PasswordChangePath + "?returnUrl=", other.Headers.Location?.OriginalString, StringComparison.Ordinal);
        }

        using var page = await client.GetAsync(new Uri(OfficeAuthentication.PasswordChangePath, UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync(Ct);
        Assert.Contains("Kies een nieuw wachtwoord", html, StringComparison.Ordinal);
        Assert.Contains("autocomplete=\"new-password\"", html, StringComparison.Ordinal);
        Assert.True((await UserAsync(server, user)).PasswordMustChange);
    }

    [Theory, AllEngines]
    public async Task ChangePassword_Valid_ClearsTheFlag_RotatesTheSession_AndIsAuditedWithoutThePassword(Engine engine)
    {
        var (server, time) = await StartAsync(engine);
        await using var _s = server;
        var user = await FlaggedAccountAsync(server);
        using var client = NewClient(server);
        var held = await LogInToPasswordPageAsync(client, server, user);

        using var changed = await ChangeAsync(client, NewPassword, NewPassword);

        Assert.Equal(HttpStatusCode.Found, changed.StatusCode);
        Assert.Equal("/office", changed.Headers.Location?.OriginalString);
        var session = OfficeAccounts.SetCookie(changed, OfficeAuthentication.SessionCookie);
        Assert.NotNull(session);
        Assert.NotEqual(held, session);
        using (var start = await client.GetAsync(new Uri("/office", UriKind.Relative), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, start.StatusCode);
        }

        var stored = await UserAsync(server, user);
        Assert.False(stored.PasswordMustChange);
        Assert.Null(stored.PasswordExpiresAt);
        Assert.True(new StaffPasswordHasher().Verify(NewPassword, stored.PasswordHash, out _));
        await using (var db = server.Database.CreateContext())
        {
            var change = await db.Set<AuditEvent>().SingleAsync(e => e.Action == "staff.password_changed", Ct);
            Assert.DoesNotContain(NewPassword, change.Objects + change.Details + change.ActorId, StringComparison.Ordinal);
            Assert.DoesNotContain(user.Password, change.Objects + change.Details + change.ActorId, StringComparison.Ordinal);
        }

        // The chosen password now logs in straight to the start page (a code of the next step: each is accepted once).
        time.Advance(TimeSpan.FromSeconds(StaffTotp.StepSeconds));
        using var again = NewClient(server);
        await OfficeAccounts.LogInAsync(again, server, user with { Password = NewPassword });
        using var home = await again.GetAsync(new Uri("/office", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
    }

    [Theory, AllEngines]
    public async Task ChangePassword_TooShortMismatchedOrUnchanged_IsRefusedWithAClearMessage(Engine engine)
    {
        var (server, _) = await StartAsync(engine);
        await using var _s = server;
        var user = await FlaggedAccountAsync(server);
        using var client = NewClient(server);
        await LogInToPasswordPageAsync(client, server, user);

        foreach (var (password, confirmation, message) in new[]
        {
            ("too-short", "too-short", "Het nieuwe wachtwoord is te kort"),
            (NewPassword, NewPassword + "x", "De twee wachtwoorden zijn niet gelijk"),
            (user.Password, user.Password, "Het nieuwe wachtwoord is hetzelfde als het huidige"),
        })
        {
            using var refused = await ChangeAsync(client, password, confirmation);
            Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
            var html = await refused.Content.ReadAsStringAsync(Ct);
            Assert.Contains(message, html, StringComparison.Ordinal);
            Assert.Contains("role=\"alert\"", html, StringComparison.Ordinal);
            Assert.Null(OfficeAccounts.SetCookie(refused, OfficeAuthentication.SessionCookie));
        }

        Assert.True((await UserAsync(server, user)).PasswordMustChange);
        using var still = await client.GetAsync(new Uri("/office", UriKind.Relative), Ct);
        Assert.StartsWith(OfficeAuthentication.PasswordChangePath, still.Headers.Location?.OriginalString, StringComparison.Ordinal);
    }

    [Theory, AllEngines]
    public async Task Login_InitialPasswordPastItsLifetime_FailsLikeAWrongPassword(Engine engine)
    {
        var (server, time) = await StartAsync(engine);
        await using var _s = server;
        var user = await FlaggedAccountAsync(server);
        time.Advance(new AccountsOptions().InitialPasswordLifetime.ToTimeSpan() + TimeSpan.FromMinutes(1));
        using var client = NewClient(server);

        using var response = await OfficeAccounts.PostFormAsync(client, "/office/login", new() { ["login"] = user.Login, ["password"] = user.Password });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(OfficeAccounts.SetCookie(response, OfficeAuthentication.PendingCookie));
        Assert.Contains("Inloggen is niet gelukt", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Theory, AllEngines]
    public async Task Login_DemoAccount_IsNotFlagged_AndGoesStraightToTheStartPage(Engine engine)
    {
        var (server, _) = await StartAsync(engine);
        await using var _s = server;
        var user = await OfficeAccounts.CreateAsync(server, StaffRoles.PrivacyOfficer);
        using var client = NewClient(server);

        await OfficeAccounts.LogInAsync(client, server, user);

        using var start = await client.GetAsync(new Uri("/office", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, start.StatusCode);
        Assert.False((await UserAsync(server, user)).PasswordMustChange);
    }

    [Theory, AllEngines]
    public async Task Logout_FromThePasswordPage_EndsTheSession_AndTheFlagStays(Engine engine)
    {
        var (server, _) = await StartAsync(engine);
        await using var _s = server;
        var user = await FlaggedAccountAsync(server);
        using var client = NewClient(server);
        await LogInToPasswordPageAsync(client, server, user);

        using var logout = await OfficeAccounts.PostFormAsync(client, OfficeAuthentication.PasswordChangePath + "?handler=Logout", []);

        Assert.Equal(HttpStatusCode.Found, logout.StatusCode);
        Assert.Equal(OfficeAuthentication.LoginPath, logout.Headers.Location?.OriginalString);
        var stored = await UserAsync(server, user);
        Assert.True(stored.PasswordMustChange);
        await using var db = server.Database.CreateContext();
        Assert.False(await db.StaffSessions.AnyAsync(s => s.UserId == stored.Id, Ct));
    }
}
