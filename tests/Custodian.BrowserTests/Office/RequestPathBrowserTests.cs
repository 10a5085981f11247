using System.Text.RegularExpressions;
using Custodian.BrowserTests.Infrastructure;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Mail;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Requests;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using MimeKit;
using NodaTime;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Custodian.BrowserTests.Office;

/// <summary>
/// Class fixture of the whole-path request tests: one server (SQLite) on a fake clock that starts at the real time (so
/// cookies and data protection behave; only the erasure test moves it past the cooling-off), client organisations
/// <c>client-a</c> and <c>client-b</c>, and two people in the store (through the store's commands, so the split finds
/// them): <see cref="AccessEmail"/> only as a contact person at client-a (provider-controlled), <see cref="ErasureEmail"/>
/// as a contact person and as an alarm keyholder (client-controlled) at client-a. An authority hold covers client-a's
/// contact persons: its reference and reason must never reach a requester.
/// </summary>
public sealed class RequestPathServerFixture : IAsyncLifetime
{
    public const string AccessEmail = "jan.pad@person.example";
    public const string AccessName = "Jan Padtest";
    public const string AccessPhone = "+31201234599";
    public const string ErasureEmail = "els.wis@person.example";
    public const string HoldReference = "OM-BROWSER-4711";
    public const string HoldReason = "Bevel 126ni zaak Reiger";

    private CustodianServer? _server;

    internal CustodianServer Server => _server ?? throw new InvalidOperationException("not started");

    internal FakeTimeProvider Time { get; } = new(TimeProvider.System.GetUtcNow());

    internal Guid ClientA { get; private set; }

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        _server = await CustodianServer.StartAsync(Engine.Sqlite, b => b.Services.AddSingleton<TimeProvider>(Time));
        await using (var db = _server.Database.CreateContext())
        {
            db.ScopeTo(TenantScope.Everything);
            var a = new Organization { Code = "client-a", Name = "Client A", BillingCompanyName = "Client A BV" };
            var b = new Organization { Code = "client-b", Name = "Client B", BillingCompanyName = "Client B BV" };
            db.Organizations.AddRange(a, b);
            var now = Instant.FromDateTimeOffset(Time.GetUtcNow());
            db.LegalHolds.Add(new LegalHold
            {
                Basis = HoldBasis.PreservationOrder126ni,
                Reason = HoldReason,
                Reference = HoldReference,
                OrganizationId = a.Id,
                Categories = ["general.contact_person"],
                StartsAt = now - Duration.FromDays(1),
                PlacedAt = now - Duration.FromDays(1),
                PlacedByKind = AuditActorKind.User,
                PlacedById = "officer",
            });
            await db.SaveChangesAsync(ct);
            ClientA = a.Id;
        }

        await using var scope = _server.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CustodianDbContext>().ScopeTo(TenantScope.Everything);
        var caller = new StoreCaller(new AuditActor(AuditActorKind.Cli, "cli:test"), TenantScope.Everything);
        var commands = scope.ServiceProvider.GetRequiredService<StoreCommands>();
        Assert.True((await commands.CreateAsync(caller, new ContactPersonInput("client-a", AccessName, AccessPhone, AccessEmail, "general"), null, ct)).IsSuccess);
        Assert.True((await commands.CreateAsync(caller, new ContactPersonInput("client-a", "Els Wistest", null, ErasureEmail, "billing"), null, ct)).IsSuccess);
        var alarm = await commands.CreateAsync(caller, new ServiceInput("client-a", "alarm", "ALARM-PAD", "2020-01-01", null), null, ct);
        Assert.True(alarm.IsSuccess);
        Assert.True((await commands.CreateAsync(caller, new KeyholderInput(alarm.Value!.Id, "Els Wistest", "+31201234598", ErasureEmail), null, ct)).IsSuccess);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>
/// Issue 6 §7, the whole path in a real browser: a data subject files a request in the portal, confirms it with the
/// code from the dev outbox, staff handle it in the office pages (two people: the one who confirms a high-tier identity
/// is not the one who fulfils), and the requester reads the outcome and downloads the answer. Actors take turns in one
/// browser context (cookies are swapped), so the failure evidence always shows the page that failed.
/// </summary>
public sealed partial class RequestPathBrowserTests(RequestPathServerFixture fixture)
    : BrowserTest(() => fixture.Server.BaseAddress), IClassFixture<RequestPathServerFixture>
{
    private CustodianServer Server => fixture.Server;

    private ILocator Heading => Page.GetByRole(AriaRole.Heading, new() { Level = 1 });

    private ILocator Done => Page.GetByTestId("request-done");

    [GeneratedRegex(@"code: (\d{6})", RegexOptions.IgnoreCase)]
    private static partial Regex CodeLine();

    [Fact]
    public async Task AccessRequest_PortalToOfficeToDownload_DeliversTheReportWithoutHolds()
    {
        var reference = await FileAndVerifyAsync("access", RequestPathServerFixture.AccessEmail);
        var requester = await Context.CookiesAsync();
        var path = "/office/requests/" + await RequestIdAsync(reference);

        // A support agent confirms the identity (high tier) through the queue; it has no way to fulfil.
        await SwitchToStaffAsync(StaffRoles.SupportAgent);
        await GotoAsync("/office/requests");
        await Page.GetByRole(AriaRole.Link, new() { Name = reference }).ClickAsync();
        await Expect(Heading).ToContainTextAsync(reference);
        await ConfirmIdentityAsync();
        await Expect(Page.GetByTestId("produce")).ToHaveCountAsync(0);

        // A privacy officer splits (only provider parts: nothing to forward) and produces the answer.
        await SwitchToStaffAsync(StaffRoles.PrivacyOfficer);
        await GotoAsync(path);
        await Page.GetByTestId("split").ClickAsync();
        await Expect(Done).ToContainTextAsync("opgesplitst");
        await Page.GetByTestId("produce").ClickAsync();
        await Expect(Done).ToContainTextAsync("Het antwoord staat klaar");
        await Expect(Page.GetByTestId("request-state")).ToHaveTextAsync("Geleverd");

        // The requester's session still lives: the status page offers the report.
        await SwitchToRequesterAsync(requester);
        await GotoAsync("/requests/" + reference);
        await Expect(Page.Locator("dl.facts")).ToContainTextAsync("Antwoord geleverd");
        var (contentType, body) = await DownloadAsync(".html");
        Assert.StartsWith("text/html", contentType, StringComparison.Ordinal);
        Assert.Contains(RequestPathServerFixture.AccessName, body, StringComparison.Ordinal);
        Assert.Contains("Client A", body, StringComparison.Ordinal);
        AssertNothingAboutHolds(body);
        Assert.Empty(PageErrors);
    }

    [Fact]
    public async Task ErasureRequest_ClientPartForwardedDecidedAndExecutedAfterCoolingOff_RequesterSeesOutcome()
    {
        var reference = await FileAndVerifyAsync("erasure", RequestPathServerFixture.ErasureEmail);
        var requester = await Context.CookiesAsync();
        var path = "/office/requests/" + await RequestIdAsync(reference);

        await SwitchToStaffAsync(StaffRoles.SupportAgent);
        await GotoAsync(path);
        await ConfirmIdentityAsync();

        await SwitchToStaffAsync(StaffRoles.PrivacyOfficer);
        await GotoAsync(path);
        await Page.GetByTestId("split").ClickAsync();
        await Expect(Done).ToContainTextAsync("doorgestuurd");
        await Expect(Page.GetByTestId("request-parts").Locator("tbody tr")).ToHaveCountAsync(2);

        // The client's privacy contact finds the request in its queue and sees only its own part.
        await SwitchToStaffAsync(StaffRoles.ClientPrivacyContact);
        await GotoAsync("/office/requests");
        await Expect(Page.GetByTestId("request-row")).ToHaveCountAsync(1);
        await Page.GetByRole(AriaRole.Link, new() { Name = reference }).ClickAsync();
        var parts = Page.GetByTestId("request-parts").Locator("tbody tr");
        await Expect(parts).ToHaveCountAsync(1);
        await Expect(parts).ToContainTextAsync("Client A");
        await Expect(Page.GetByTestId("request-timeline")).ToHaveCountAsync(0);
        await Page.Locator("form[action*='handler=Decide'] button[value=execute]").ClickAsync();
        await Expect(Done).ToContainTextAsync("Uw besluit is vastgelegd");

        // Staff may not erase within the cooling-off; seven days later they may.
        await SwitchToStaffAsync(StaffRoles.PrivacyOfficer);
        await GotoAsync(path);
        await Page.Locator("form[action*='handler=Execute'] button").First.ClickAsync();
        await Expect(Page.GetByTestId("request-error")).ToBeVisibleAsync();
        fixture.Time.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(5));
        await SwitchToStaffAsync(StaffRoles.PrivacyOfficer);
        await GotoAsync(path);
        var execute = Page.Locator("form[action*='handler=Execute'] button");
        for (var left = 2; left > 0; left--)
        {
            await Expect(execute).ToHaveCountAsync(left);
            await execute.First.ClickAsync();
            await Expect(Done).ToContainTextAsync("Het deel is uitgevoerd");
        }

        await Page.GetByTestId("produce").ClickAsync();
        await Expect(Page.GetByTestId("request-state")).ToHaveTextAsync("Geleverd");

        // The requester's hour-long session ended a week ago (its cookie is still in the browser): a new code, then the outcome.
        await SwitchToRequesterAsync(requester);
        await Page.GotoAsync("/requests/" + reference);
        await Expect(Heading).ToHaveTextAsync("Uw code invullen");
        await Expect(Page.GetByRole(AriaRole.Status)).ToContainTextAsync("sessie is verlopen");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Stuur een nieuwe code" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Status)).ToContainTextAsync("nieuwe code onderweg");
        await Page.GetByLabel("Code uit de e-mail").FillAsync(CodeFromOutbox(reference));
        await Page.GetByRole(AriaRole.Button, new() { Name = "Bevestigen" }).ClickAsync();
        await Expect(Heading).ToHaveTextAsync("Uw verzoek " + reference);
        await Expect(Page.Locator("dl.facts")).ToContainTextAsync("Antwoord geleverd");
        var (contentType, body) = await DownloadAsync(".html");
        Assert.StartsWith("text/html", contentType, StringComparison.Ordinal);
        Assert.Contains("gewist", body, StringComparison.Ordinal);
        Assert.Contains("Uitgevoerd op instructie van Client A", body, StringComparison.Ordinal);
        AssertNothingAboutHolds(body);
        Assert.DoesNotContain(RequestPathServerFixture.ErasureEmail, body, StringComparison.Ordinal);

        // Only the expected refusal (the early execution) answered with an error status, if any.
        Assert.DoesNotContain(PageErrors, e => !e.Contains("handler=Execute", StringComparison.Ordinal));
    }

    /// <summary>Files a request of <paramref name="type"/> through the portal form and confirms it with the code from the outbox.</summary>
    private async Task<string> FileAndVerifyAsync(string type, string email)
    {
        await GotoAsync("/requests/new/" + type);
        await Page.GetByLabel("Uw e-mailadres").FillAsync(email);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Verzoek indienen" }).ClickAsync();
        await Expect(Heading).ToHaveTextAsync("Uw code invullen");
        var reference = await Page.Locator("#reference").InputValueAsync();
        await Page.GetByLabel("Code uit de e-mail").FillAsync(CodeFromOutbox(reference));
        await Page.GetByRole(AriaRole.Button, new() { Name = "Bevestigen" }).ClickAsync();
        await Expect(Heading).ToHaveTextAsync("Uw verzoek " + reference);
        return reference;
    }

    /// <summary>Back to the requester's browser state: only the cookies saved after filing.</summary>
    private async Task SwitchToRequesterAsync(IReadOnlyList<BrowserContextCookiesResult> cookies)
    {
        await Context.ClearCookiesAsync();
        await Context.AddCookiesAsync(cookies.Select(c => new Cookie
        {
            Name = c.Name,
            Value = c.Value,
            Domain = c.Domain,
            Path = c.Path,
            Expires = c.Expires,
            HttpOnly = c.HttpOnly,
            Secure = c.Secure,
            SameSite = c.SameSite,
        }));
    }

    private async Task ConfirmIdentityAsync()
    {
        await Page.Locator("#method").SelectOptionAsync("client_confirmation");
        await Page.Locator("form[action*='handler=Confirm'] button").ClickAsync();
        await Expect(Done).ToContainTextAsync("De identiteit is bevestigd");
    }

    /// <summary>Drops every cookie and logs a new account of <paramref name="role"/> in (client contacts of client-a); ends on the start page.</summary>
    private async Task SwitchToStaffAsync(string role)
    {
        await Context.ClearCookiesAsync();
        var user = await OfficeAccounts.CreateAsync(Server, role, StaffRoles.IsOrganizationBound(role) ? fixture.ClientA : null);
        await GotoAsync("/office/login");
        await Page.GetByLabel("Gebruikersnaam").FillAsync(user.Login);
        await Page.GetByLabel("Wachtwoord").FillAsync(user.Password);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Inloggen" }).ClickAsync();
        await Page.GetByLabel("Code").FillAsync(OfficeAccounts.CodeFor(Server, user));
        await Page.GetByRole(AriaRole.Button, new() { Name = "Inloggen" }).ClickAsync();
        await Expect(Page).ToHaveURLAsync(new Uri(BaseAddress, "/office").ToString());
    }

    /// <summary>Clicks the status page's download button whose file name ends in <paramref name="extension"/>; the answer's content type and text.</summary>
    private async Task<(string ContentType, string Body)> DownloadAsync(string extension)
    {
        var button = Page.Locator("ul.answers button").Filter(new() { HasTextRegex = new Regex(Regex.Escape(extension) + "$") });
        var response = Page.WaitForResponseAsync(r => r.Url.Contains("/answers/", StringComparison.Ordinal));
        var download = await Page.RunAndWaitForDownloadAsync(() => button.ClickAsync());
        var headers = await (await response).AllHeadersAsync();
        var file = await download.PathAsync();
        return (headers["content-type"], await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken));
    }

    private static void AssertNothingAboutHolds(string text)
    {
        foreach (var secret in new[] { RequestPathServerFixture.HoldReference, RequestPathServerFixture.HoldReason, "126ni", "Reiger" })
        {
            Assert.DoesNotContain(secret, text, StringComparison.OrdinalIgnoreCase);
        }
    }

    /// <summary>The code in the newest outbox message for <paramref name="reference"/> that carries one.</summary>
    private string CodeFromOutbox(string reference)
    {
        var folder = Server.Services.GetRequiredService<MailOptions>().OutboxFolder!;
        return Directory.GetFiles(folder, "*.eml").Order(StringComparer.Ordinal)
            .Select(f => MimeMessage.Load(f))
            .Where(m => (m.Subject ?? string.Empty).Contains(reference, StringComparison.Ordinal))
            .Select(m => CodeLine().Match(m.TextBody ?? string.Empty))
            .Last(m => m.Success).Groups[1].Value;
    }

    private async Task<Guid> RequestIdAsync(string reference)
    {
        await using var db = Server.Database.CreateContext();
        db.ScopeTo(TenantScope.Everything);
        return await db.Set<DataSubjectRequest>().Where(r => r.Reference == reference).Select(r => r.Id).SingleAsync(TestContext.Current.CancellationToken);
    }
}
