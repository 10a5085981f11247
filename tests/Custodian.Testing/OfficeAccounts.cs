using System.Net;
using System.Text.RegularExpressions;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Audit;
using Custodian.Features.Office;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.Testing;

/// <summary>A back-office account made for a test: its password and its (already enrolled) TOTP secret.</summary>
internal sealed record OfficeUser(string Login, string Password, string Role, byte[] TotpSecret);

/// <summary>
/// Back-office accounts and logins for tests. <see cref="CreateAsync"/> makes an account with a known password and an
/// enrolled TOTP secret in the server's database; <see cref="CodeFor"/> gives its code at the server's current time (a
/// <c>FakeTimeProvider</c> registered through <c>CustodianServer.StartAsync(engine, b =&gt; b.Services.AddSingleton&lt;TimeProvider&gt;(fake))</c>
/// counts); <see cref="LogInAsync"/> walks the real login pages with an HttpClient (cookies on, redirects off, as
/// <c>CustodianServer.Client</c>). A code is accepted once: log the same account in twice within 30 s only after
/// advancing a fake clock.
/// </summary>
internal static partial class OfficeAccounts
{
    public const string Password = "correct-horse-battery";

    private static int _counter;

    /// <param name="server">The running server.</param>
    /// <param name="role">One of <see cref="StaffRoles.All"/>.</param>
    /// <param name="organizationId">The organisation of a client-privacy contact.</param>
    /// <param name="login">A login name; default a fresh one per call.</param>
    public static async Task<OfficeUser> CreateAsync(CustodianServer server, string role, Guid? organizationId = null, string? login = null)
    {
        login ??= $"test-{role}-{Interlocked.Increment(ref _counter)}";
        var secret = StaffTotp.NewSecret();
        await using var scope = server.Services.CreateAsyncScope();
        var created = await scope.ServiceProvider.GetRequiredService<StaffAccounts>().EnsureDemoAsync(
            login, "Test " + role, role, organizationId, Password, secret, new AuditActor(AuditActorKind.System, "test"), TestContext.Current.CancellationToken);
        Assert.True(created, $"an account {login} exists already");
        return new OfficeUser(login, Password, role, secret);
    }

    /// <summary>The account's code at the server's current time (plus <paramref name="steps"/> 30-second steps).</summary>
    public static string CodeFor(CustodianServer server, OfficeUser user, int steps = 0) =>
        StaffTotp.Code(user.TotpSecret, server.Services.GetRequiredService<TimeProvider>().GetUtcNow().AddSeconds(steps * StaffTotp.StepSeconds));

    /// <summary>Logs <paramref name="user"/> in (password, then code) and asserts it ended on the start page; returns the session token.</summary>
    public static async Task<string> LogInAsync(HttpClient client, CustodianServer server, OfficeUser user)
    {
        using var password = await PostFormAsync(client, "/office/login", new() { ["login"] = user.Login, ["password"] = user.Password });
        Assert.Equal(HttpStatusCode.Found, password.StatusCode);
        Assert.StartsWith("/office/login/code", password.Headers.Location?.OriginalString, StringComparison.Ordinal);
        using var code = await PostFormAsync(client, "/office/login/code", new() { ["code"] = CodeFor(server, user) });
        Assert.Equal(HttpStatusCode.Found, code.StatusCode);
        return SetCookie(code, OfficeAuthentication.SessionCookie) ?? throw new InvalidOperationException("the code step set no session cookie");
    }

    /// <summary>GETs <paramref name="path"/> for its antiforgery token (and cookie), then POSTs the form with it.</summary>
    public static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string path, Dictionary<string, string> fields)
    {
        var ct = TestContext.Current.CancellationToken;
        var form = await client.GetStringAsync(new Uri(path, UriKind.Relative), ct);
        var token = TokenPattern().Match(form);
        Assert.True(token.Success, $"{path} has no antiforgery token");
        fields["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value);
        using var content = new FormUrlEncodedContent(fields);
        return await client.PostAsync(new Uri(path, UriKind.Relative), content, ct);
    }

    /// <summary>The value a response sets for cookie <paramref name="name"/> (null when it sets none or deletes it).</summary>
    public static string? SetCookie(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues("Set-Cookie", out var values)
            ? values.Where(v => v.StartsWith(name + "=", StringComparison.Ordinal)).Select(v => v[(name.Length + 1)..].Split(';')[0]).LastOrDefault(v => v.Length > 0)
            : null;

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
