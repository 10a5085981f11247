using System.Text.RegularExpressions;
using Custodian.BrowserTests.Infrastructure;
using Custodian.Core.Features.Mail;
using Custodian.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using MimeKit;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Custodian.BrowserTests.Portal;

/// <summary>The data-subject request portal in a real browser: filing, the code from the dev outbox, the status page, axe on every page.</summary>
public sealed partial class RequestPortalBrowserTests(PortalServerFixture server) : BrowserTest(server), IClassFixture<PortalServerFixture>
{
    private readonly PortalServerFixture _server = server;

    [GeneratedRegex(@"code: (\d{6})", RegexOptions.IgnoreCase)]
    private static partial Regex CodeLine();

    /// <summary>The code in the newest outbox message whose subject contains <paramref name="subjectPart"/> (the test server's data folder's outbox).</summary>
    private string CodeFromOutbox(string subjectPart)
    {
        var folder = _server.Server.Services.GetRequiredService<MailOptions>().OutboxFolder!;
        var mail = Directory.GetFiles(folder, "*.eml").Order(StringComparer.Ordinal)
            .Select(f => MimeMessage.Load(f))
            .Last(m => (m.Subject ?? string.Empty).Contains(subjectPart, StringComparison.Ordinal));
        return CodeLine().Match(mail.TextBody ?? string.Empty).Groups[1].Value;
    }

    private ILocator Heading => Page.GetByRole(AriaRole.Heading, new() { Level = 1 });

    [Fact]
    public async Task AccessRequest_Dutch_FileReadCodeVerify_SeesTheStatusPage()
    {
        await GotoAsync("/");
        await Page.GetByRole(AriaRole.Link, new() { Name = "Dien een verzoek in over uw gegevens" }).ClickAsync();
        await Expect(Heading).ToHaveTextAsync("Een verzoek over uw gegevens");
        await AxeAssert.NoViolationsAsync(Page);

        await Page.GetByRole(AriaRole.Link, new() { Name = "Inzage", Exact = true }).ClickAsync();
        await Expect(Heading).ToHaveTextAsync("Verzoek: Inzage");
        await Page.GetByLabel("Uw e-mailadres").FillAsync("jan.browser@example.nl");
        await Expect(Page.GetByLabel("Nederlands")).ToBeCheckedAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Verzoek indienen" }).ClickAsync();

        await Expect(Heading).ToHaveTextAsync("Uw code invullen");
        await Expect(Page.GetByRole(AriaRole.Status)).ToContainTextAsync("een code onderweg");
        await AxeAssert.NoViolationsAsync(Page);
        var reference = await Page.Locator("#reference").InputValueAsync();
        Assert.Matches("^[0-9A-Z]{12}$", reference);
        await Page.GetByLabel("Code uit de e-mail").FillAsync(CodeFromOutbox(reference));
        await Page.GetByRole(AriaRole.Button, new() { Name = "Bevestigen" }).ClickAsync();

        await Expect(Heading).ToHaveTextAsync("Uw verzoek " + reference);
        await Expect(Page.Locator("dl.facts")).ToContainTextAsync("Inzage");
        await Expect(Page.Locator("dl.facts")).ToContainTextAsync("de termijn verandert daardoor niet");
        await Expect(Page.Locator("ol.timeline")).ToContainTextAsync("Verzoek bevestigd met de code");
        await AxeAssert.NoViolationsAsync(Page);
        Assert.Empty(PageErrors);
    }

    [Theory]
    [InlineData("nl")]
    [InlineData("en")]
    public async Task EveryPortalPage_Wcag21AA_HasNoAxeViolations(string language)
    {
        string[] pages =
        [
            "/requests", "/requests/new/access", "/requests/new/rectification", "/requests/new/erasure", "/requests/new/restriction",
            "/requests/new/portability", "/requests/new/objection", "/requests/new/withdraw_consent", "/requests/verify", "/requests/mine",
        ];
        foreach (var path in pages)
        {
            await GotoAsync(path + "?lang=" + language);
            await Expect(Page.Locator("html")).ToHaveAttributeAsync("lang", language);
            await AxeAssert.NoViolationsAsync(Page);
        }

        // A form with errors: the summary links to the field, and the field says it is invalid.
        await GotoAsync("/requests/new/rectification?lang=" + language);
        await Page.Locator("#email").FillAsync("not-an-address");
        await Page.Locator("button[type=submit]").ClickAsync();
        await Expect(Page.Locator("#email")).ToHaveAttributeAsync("aria-invalid", "true");
        await AxeAssert.NoViolationsAsync(Page);

        // Which requests were filed in my name: the code step and the (empty) list.
        await GotoAsync("/requests/mine?lang=" + language);
        await Page.Locator("#email").FillAsync($"mine.{language}@example.nl");
        await Page.Locator("button[type=submit]").ClickAsync();
        await Expect(Page.Locator("#code")).ToBeVisibleAsync();
        await AxeAssert.NoViolationsAsync(Page);
        await Page.Locator("#code").FillAsync(CodeFromOutbox(language == "en" ? "privacy requests" : "privacyverzoeken"));
        await Page.Locator("button[type=submit]").ClickAsync();
        await Expect(Page).ToHaveURLAsync(new Uri(BaseAddress, "/requests/mine/list").ToString());
        await AxeAssert.NoViolationsAsync(Page);
        Assert.Empty(PageErrors);
    }
}
