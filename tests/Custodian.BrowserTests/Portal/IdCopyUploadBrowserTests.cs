using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Custodian.BrowserTests.Infrastructure;
using Custodian.Core.Features.Mail;
using Custodian.Core.Features.Requests;
using Custodian.Core.Features.Requests.Workflow;
using Custodian.Features.Requests;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using MimeKit;
using NodaTime;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Custodian.BrowserTests.Portal;

/// <summary>Class fixture: a server (SQLite) whose register has the ID-copy fallback on.</summary>
public sealed class IdCopyServerFixture : IAsyncLifetime
{
    private CustodianServer? _server;

    internal CustodianServer Server => _server ?? throw new InvalidOperationException("not started");

    public async ValueTask InitializeAsync() => _server = await CustodianServer.StartAsync(Engine.Sqlite, b => IdCopyFallback.SwitchOn(b.Services));

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>The portal's ID-copy upload in a real browser: the shielding instructions, and a copy with a readable BSN refused with the rule named.</summary>
public sealed partial class IdCopyUploadBrowserTests(IdCopyServerFixture fixture) : BrowserTest(() => fixture.Server.BaseAddress), IClassFixture<IdCopyServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [GeneratedRegex(@"code: (\d{6})", RegexOptions.IgnoreCase)]
    private static partial Regex CodeLine();

    [Fact]
    public async Task IdCopyUpload_BsnReadable_ShowsTheRefusalAndTheFormAgain()
    {
        IdCopyCards.RequireTools();
        var (reference, token) = await VerifiedRequestWithCopyAskedAsync();
        await Context.AddCookiesAsync([new Cookie { Name = PortalSession.CookieName, Value = token, Domain = BaseAddress.Host, Path = PortalSession.PathBase }]);

        await GotoAsync("/requests/" + reference);
        var form = Page.GetByTestId("id-copy-form");
        await Expect(form).ToContainTextAsync("KopieID");
        await Expect(form).ToContainTextAsync("KOPIE");
        await AxeAssert.NoViolationsAsync(Page);

        await Page.GetByLabel("Kopie (JPEG, PNG of PDF)").SetInputFilesAsync(new FilePayload
        {
            Name = "paspoort.png",
            MimeType = "image/png",
            Buffer = IdCopyCards.Card("Naam: Jan Voorbeeld", "Persoonsnummer 1234.56.782", "KOPIE inzage 29-11-2026"),
        });
        await Page.GetByRole(AriaRole.Button, new() { Name = "Kopie versturen" }).ClickAsync();

        var alert = Page.GetByRole(AriaRole.Alert);
        await Expect(alert).ToContainTextAsync("burgerservicenummer (BSN) leesbaar");
        await Expect(alert).ToContainTextAsync("niet bewaard");
        await Expect(Page.GetByTestId("id-copy-form")).ToBeVisibleAsync();
        await AxeAssert.NoViolationsAsync(Page);
        Assert.Empty(PageErrors);
    }

    /// <summary>Files and verifies an access request through the public API, then records that staff asked for a copy.</summary>
    private async Task<(string Reference, string Token)> VerifiedRequestWithCopyAskedAsync()
    {
        var server = fixture.Server;
        using var submitted = await server.Client.PostAsJsonAsync("/api/v1/requests", new { type = "access", email = "id.copy@person.example", language = "nl" }, Ct);
        var reference = JsonDocument.Parse(await submitted.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("reference").GetString()!;
        var outbox = server.Services.GetRequiredService<MailOptions>().OutboxFolder!;
        var mail = Directory.GetFiles(outbox, "*.eml").Select(f => MimeMessage.Load(f)).Last(m => (m.Subject ?? string.Empty).Contains(reference, StringComparison.Ordinal));
        using var verified = await server.Client.PostAsJsonAsync($"/api/v1/requests/{reference}/verify", new { code = CodeLine().Match(mail.TextBody ?? string.Empty).Groups[1].Value }, Ct);
        var token = JsonDocument.Parse(await verified.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("token").GetString()!;

        await using var db = server.Database.CreateContext();
        var request = await db.Set<DataSubjectRequest>().SingleAsync(r => r.Reference == reference, Ct);
        db.Add(new RequestEvent { RequestId = request.Id, At = Instant.FromDateTimeOffset(TimeProvider.System.GetUtcNow()), Kind = IdCopyEventKinds.Requested, Actor = "staff:test" });
        await db.SaveChangesAsync(Ct);
        return (reference, token);
    }
}
