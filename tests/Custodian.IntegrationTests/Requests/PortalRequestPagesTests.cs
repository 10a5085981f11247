using System.Net;
using System.Text.RegularExpressions;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using Custodian.Core.Features.Mail;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Requests;
using Custodian.Core.Features.Requests.Answers;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Requests;

/// <summary>The data-subject portal under /requests through real HTTP on the real server, both engines.</summary>
public sealed partial class PortalRequestPagesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [GeneratedRegex(@"code: (\d{6})", RegexOptions.IgnoreCase)]
    private static partial Regex CodeLine();

    [GeneratedRegex(@"name=""__RequestVerificationToken"" type=""hidden"" value=""[^""]*""")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex(@"[0-9A-Z]{12}")]
    private static partial Regex ReferenceLike();

    internal static HttpClient Browser(CustodianServer server) =>
        new(new HttpClientHandler { UseCookies = true, AllowAutoRedirect = false }) { BaseAddress = server.BaseAddress };

    internal static string CodeFromOutbox(CustodianServer server, string reference)
    {
        var folder = server.Services.GetRequiredService<MailOptions>().OutboxFolder!;
        var mail = Directory.GetFiles(folder, "*.eml").Order(StringComparer.Ordinal)
            .Select(f => MimeMessage.Load(f))
            .Last(m => (m.Subject ?? string.Empty).Contains(reference, StringComparison.Ordinal));
        return CodeLine().Match(mail.TextBody ?? string.Empty).Groups[1].Value;
    }

    private static int OutboxCount(CustodianServer server)
    {
        var folder = server.Services.GetRequiredService<MailOptions>().OutboxFolder!;
        return Directory.Exists(folder) ? Directory.GetFiles(folder, "*.eml").Length : 0;
    }

    internal static async Task<IHtmlDocument> PageAsync(HttpClient client, string path, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative), Ct);
        Assert.Equal(expected, response.StatusCode);
        return new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync(Ct));
    }

    /// <summary>GETs <paramref name="formPage"/>, then posts the form's antiforgery token with <paramref name="fields"/> to <paramref name="action"/>.</summary>
    internal static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string formPage, string action, params (string Name, string Value)[] fields)
    {
        var page = await PageAsync(client, formPage);
        var token = page.QuerySelector("input[name=__RequestVerificationToken]")!.GetAttribute("value")!;
        using var content = new FormUrlEncodedContent([new("__RequestVerificationToken", token), .. fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))]);
        return await client.PostAsync(new Uri(action, UriKind.Relative), content, Ct);
    }

    internal static async Task<string> FileAsync(HttpClient client, string type, string email, string? details = null)
    {
        using var response = await PostFormAsync(client, "/requests/new/" + type, "/requests/new/" + type, ("email", email), ("details", details ?? string.Empty), ("language", "nl"));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.OriginalString;
        Assert.StartsWith("/requests/verify?reference=", location, StringComparison.Ordinal);
        return ReferenceLike().Match(location).Value;
    }

    internal static async Task<HttpResponseMessage> VerifyAsync(HttpClient client, string reference, string code) =>
        await PostFormAsync(client, "/requests/verify?reference=" + reference, "/requests/verify", ("reference", reference), ("code", code));

    private static async Task<Guid> RequestIdAsync(CustodianServer server, string reference)
    {
        await using var scope = server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CustodianDbContext>();
        return await db.Set<DataSubjectRequest>().Where(r => r.Reference == reference).Select(r => r.Id).SingleAsync(Ct);
    }

    [Theory, AllEngines]
    public async Task Index_ListsTheSevenTypesAndFiledInMyName_LinkedFromHomeAndPrivacy(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(engine);
        using var client = Browser(server);

        var index = await PageAsync(client, "/requests");
        var home = await PageAsync(client, "/");
        var privacy = await PageAsync(client, "/privacy");

        var links = index.QuerySelectorAll("main a").Select(a => a.GetAttribute("href")).ToList();
        foreach (var type in RequestTypes.Names)
        {
            Assert.Contains("/requests/new/" + type, links);
        }

        Assert.Contains("/requests/mine", links);
        Assert.Equal("nl", index.DocumentElement.GetAttribute("lang"));
        Assert.Contains(home.QuerySelectorAll("main a"), a => a.GetAttribute("href") == "/requests");
        Assert.Contains(privacy.QuerySelectorAll("main a"), a => a.GetAttribute("href") == "/requests");
    }

    [Theory, AllEngines]
    public async Task NewForm_EveryType_HasLabelledFieldsAndAntiforgery_UnknownTypeIs404(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(engine);
        using var client = Browser(server);
        foreach (var type in RequestTypes.Names)
        {
            var page = await PageAsync(client, "/requests/new/" + type);
            Assert.NotNull(page.QuerySelector("form[method=post] input[name=__RequestVerificationToken]"));
            foreach (var input in page.QuerySelectorAll("form input:not([type=hidden]), form textarea"))
            {
                Assert.NotNull(page.QuerySelector($"label[for={input.Id}]"));
            }

            Assert.Equal(type is "rectification" or "objection" or "erasure" or "restriction" or "withdraw_consent", page.QuerySelector("textarea#details") is not null);
        }

        await PageAsync(client, "/requests/new/complaint", HttpStatusCode.NotFound);
    }

    [Theory, AllEngines]
    public async Task Submit_WithoutAntiforgeryToken_Refused(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(engine);
        using var client = Browser(server);
        using var content = new FormUrlEncodedContent([new("email", "jan.tester@example.nl"), new("language", "nl")]);
        using var response = await client.PostAsync(new Uri("/requests/new/access", UriKind.Relative), content, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, OutboxCount(server));
    }

    [Theory, AllEngines]
    public async Task Submit_KnownAndUnknownAddress_SameRedirectAndSameNextPage(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(engine);
        await using (var db = server.Database.CreateContext())
        {
            db.ScopeTo(TenantScope.Everything);
            var organization = new Organization { Code = "portal-org", Name = "Portal Org", BillingCompanyName = "Portal Org BV" };
            db.Organizations.Add(organization);
            db.Add(new ContactPerson { OrganizationId = organization.Id, Name = "Known Tester", Email = "known.person@example.nl", Role = "it" });
            await db.SaveChangesAsync(Ct);
        }

        var answers = new List<string>();
        foreach (var email in new[] { "known.person@example.nl", "nobody.here@example.nl" })
        {
            using var client = Browser(server);
            using var post = await PostFormAsync(client, "/requests/new/access", "/requests/new/access", ("email", email), ("language", "nl"));
            var location = post.Headers.Location!.OriginalString;
            var next = await client.GetAsync(new Uri(location, UriKind.Relative), Ct);
            var body = await next.Content.ReadAsStringAsync(Ct);
            answers.Add($"{(int)post.StatusCode} {ReferenceLike().Replace(location, "REF")}\n{(int)next.StatusCode}\n" +
                        AntiforgeryField().Replace(ReferenceLike().Replace(body, "REF"), "TOKEN"));
        }

        Assert.Equal(answers[0], answers[1]);
        Assert.Contains("een code onderweg", answers[0], StringComparison.Ordinal);
    }

    [Theory, AllEngines]
    public async Task Submit_InvalidAddress_ErrorSummaryLinksToTheField(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(engine);
        using var client = Browser(server);
        using var response = await PostFormAsync(client, "/requests/new/rectification", "/requests/new/rectification", ("email", "not-an-address"), ("details", "Mijn adres is fout."), ("language", "nl"));
        var page = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync(Ct));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("#email", page.QuerySelector("[role=alert] a")?.GetAttribute("href"));
        Assert.Equal("true", page.QuerySelector("#email")!.GetAttribute("aria-invalid"));
        Assert.Contains("email-error", page.QuerySelector("#email")!.GetAttribute("aria-describedby"), StringComparison.Ordinal);
        Assert.Equal("Mijn adres is fout.", page.QuerySelector("#details")!.TextContent);
    }

    [Theory, AllEngines]
    public async Task Submit_RectificationWithoutDetails_AskedForThem(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(engine);
        using var client = Browser(server);
        using var response = await PostFormAsync(client, "/requests/new/rectification", "/requests/new/rectification", ("email", "jan.tester@example.nl"), ("language", "nl"));
        var page = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("#details", page.QuerySelector("[role=alert] a")?.GetAttribute("href"));
        Assert.Equal(0, OutboxCount(server));
    }

    [Theory, AllEngines]
    public async Task Submit_SixthFromOneClient_429WithAClearMessage(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(engine);
        using var client = Browser(server);
        for (var i = 0; i < RequestRateLimits.SubmissionsPerClientPerHour; i++)
        {
            await FileAsync(client, "access", $"tester{i}@example.nl");
        }

        using var refused = await PostFormAsync(client, "/requests/new/access", "/requests/new/access", ("email", "tester9@example.nl"), ("language", "nl"));
        var body = await refused.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter is not null);
        Assert.Contains("te veel verzoeken", body, StringComparison.Ordinal);
    }

    [Theory, AllEngines]
    public async Task Verify_RightCode_SetsThePortalCookieAndShowsTheStatus(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(engine);
        using var client = Browser(server);
        var reference = await FileAsync(client, "access", "jan.tester@example.nl");

        using var verified = await VerifyAsync(client, reference, CodeFromOutbox(server, reference));
        Assert.Equal(HttpStatusCode.Redirect, verified.StatusCode);
        Assert.Equal("/requests/" + reference, verified.Headers.Location!.OriginalString);
        var cookie = verified.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("custodian-request=", StringComparison.Ordinal));
        Assert.Contains("path=/requests", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", cookie, StringComparison.OrdinalIgnoreCase); // plain HTTP test server: Secure only over HTTPS

        using var status = await client.GetAsync(new Uri("/requests/" + reference, UriKind.Relative), Ct);
        var html = await status.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        Assert.Equal("no-store", status.Headers.CacheControl?.ToString());
        Assert.Contains("Inzage", html, StringComparison.Ordinal);
        Assert.Contains("Verzoek bevestigd met de code", html, StringComparison.Ordinal);
        Assert.Contains("de termijn verandert daardoor niet", html, StringComparison.Ordinal);
        Assert.DoesNotContain("jan.tester", html, StringComparison.Ordinal);
    }

    [Theory, AllEngines]
    public async Task Verify_WrongCodeThenLocked_ClearMessages(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(engine);
        using var client = Browser(server);
        var reference = await FileAsync(client, "access", "jan.tester@example.nl");
        var right = CodeFromOutbox(server, reference);
        var wrong = right == "000000" ? "111111" : "000000";

        using var first = await VerifyAsync(client, reference, wrong);
        var firstBody = await first.Content.ReadAsStringAsync(Ct);
        for (var i = 1; i < VerificationCodes.MaxAttempts; i++)
        {
            using var again = await VerifyAsync(client, reference, wrong);
        }

        using var locked = await VerifyAsync(client, reference, right);
        var lockedBody = await locked.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.BadRequest, first.StatusCode);
        Assert.Contains("Het kenmerk of de code klopt niet.", firstBody, StringComparison.Ordinal);
        Assert.Contains("deze code werkt niet meer", lockedBody, StringComparison.Ordinal);
        Assert.DoesNotContain("custodian-request=", string.Join(";", locked.Headers.TryGetValues("Set-Cookie", out var c) ? c : []), StringComparison.Ordinal);
    }

    [Theory, AllEngines]
    public async Task Status_WithoutSessionOrWithAnotherRequestsSession_RedirectsToVerify(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(engine);
        using var mine = Browser(server);
        using var other = Browser(server);
        var myReference = await FileAsync(mine, "access", "jan.tester@example.nl");
        var otherReference = await FileAsync(other, "erasure", "piet.tester@example.nl");
        using var _ = await VerifyAsync(other, otherReference, CodeFromOutbox(server, otherReference));

        using var anonymous = Browser(server);
        using var none = await anonymous.GetAsync(new Uri("/requests/" + myReference, UriKind.Relative), Ct);
        using var wrongSession = await other.GetAsync(new Uri("/requests/" + myReference, UriKind.Relative), Ct);
        using var unknown = await other.GetAsync(new Uri("/requests/ZZZZZZZZZZZZ", UriKind.Relative), Ct);

        foreach (var response in new[] { none, wrongSession, unknown })
        {
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.StartsWith("/requests/verify", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
            Assert.Empty(await response.Content.ReadAsStringAsync(Ct));
        }
    }

    [Theory, AllEngines]
    public async Task Resend_NewCodeWorksOldDoesNot_SameAnswerForUnknownReference_CappedPerAddress(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(engine);
        using var client = Browser(server);
        var reference = await FileAsync(client, "access", "jan.tester@example.nl");
        var old = CodeFromOutbox(server, reference);

        using var resent = await PostFormAsync(client, "/requests/verify", "/requests/verify?handler=Resend", ("reference", reference));
        using var unknown = await PostFormAsync(client, "/requests/verify", "/requests/verify?handler=Resend", ("reference", "ZZZZZZZZZZZZ"));
        var fresh = CodeFromOutbox(server, reference);
        var after = OutboxCount(server);

        Assert.Equal(HttpStatusCode.Redirect, resent.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, unknown.StatusCode);
        Assert.Equal(ReferenceLike().Replace(resent.Headers.Location!.OriginalString, "REF"), ReferenceLike().Replace(unknown.Headers.Location!.OriginalString, "REF"));
        Assert.NotEqual(old, fresh);
        Assert.Equal(2, after);
        using var withOld = await VerifyAsync(client, reference, old);
        Assert.Equal(HttpStatusCode.BadRequest, withOld.StatusCode);
        using var withFresh = await VerifyAsync(client, reference, fresh);
        Assert.Equal(HttpStatusCode.Redirect, withFresh.StatusCode);
    }

    [Theory, AllEngines]
    public async Task ResendApi_AddressCapReached_SameAnswerNoMoreMail(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(engine);
        using var client = Browser(server);
        var reference = await FileAsync(client, "access", "jan.tester@example.nl");
        var statuses = new List<HttpStatusCode>();
        var bodies = new List<string>();
        // 1 sent by the submission; the client limit (5/h) counts resends too: 4 more calls pass it.
        for (var i = 0; i < RequestRateLimits.SubmissionsPerClientPerHour - 1; i++)
        {
            using var response = await server.Client.PostAsync(new Uri($"/api/v1/requests/{reference}/code", UriKind.Relative), null, Ct);
            statuses.Add(response.StatusCode);
            bodies.Add(await response.Content.ReadAsStringAsync(Ct));
        }

        using var limited = await server.Client.PostAsync(new Uri($"/api/v1/requests/{reference}/code", UriKind.Relative), null, Ct);

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.Accepted, s));
        Assert.Single(bodies.Distinct(StringComparer.Ordinal));
        Assert.Equal(RequestRateLimits.MessagesPerAddressPerDay, OutboxCount(server));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
    }

    [Theory, AllEngines]
    public async Task Download_VerifiedSession_StreamsOnceAsAttachmentNoStore_OtherSessionRefused(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(engine);
        using var client = Browser(server);
        var reference = await FileAsync(client, "access", "jan.tester@example.nl");
        using var _ = await VerifyAsync(client, reference, CodeFromOutbox(server, reference));
        var requestId = await RequestIdAsync(server, reference);
        var files = server.Services.GetRequiredService<RequestAnswers>();
        var now = Instant.FromDateTimeOffset(server.Services.GetRequiredService<TimeProvider>().GetUtcNow());
        var answer = await files.StoreAsync(requestId, AnswerKind.AccessHtml, "inzage.html", "text/html", new MemoryStream("<p>rapport</p>"u8.ToArray()), now + Duration.FromDays(7), Ct);

        var status = await PageAsync(client, "/requests/" + reference);
        var form = status.QuerySelector($"form[action='/requests/{reference}/answers/{answer.Id}']");
        Assert.NotNull(form);
        using var first = await PostFormAsync(client, "/requests/" + reference, $"/requests/{reference}/answers/{answer.Id}");
        using var second = await PostFormAsync(client, "/requests/" + reference, $"/requests/{reference}/answers/{answer.Id}");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("<p>rapport</p>", await first.Content.ReadAsStringAsync(Ct));
        Assert.Equal("attachment", first.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("inzage.html", first.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.Equal("no-store", first.Headers.CacheControl?.ToString());
        // Each click is a fresh single-use link: the second click downloads again, through a new link.
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);

        using var other = Browser(server);
        var otherReference = await FileAsync(other, "access", "piet.tester@example.nl");
        using var __ = await VerifyAsync(other, otherReference, CodeFromOutbox(server, otherReference));
        using var stolen = await PostFormAsync(other, "/requests/verify", $"/requests/{reference}/answers/{answer.Id}");
        using var crossed = await PostFormAsync(other, "/requests/verify", $"/requests/{otherReference}/answers/{answer.Id}");
        Assert.Equal(HttpStatusCode.Redirect, stolen.StatusCode);
        Assert.StartsWith("/requests/verify", stolen.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, crossed.StatusCode);
        Assert.Equal($"/requests/{otherReference}?download=true", crossed.Headers.Location!.OriginalString);
    }

    internal static string LookupCode(CustodianServer server)
    {
        var folder = server.Services.GetRequiredService<MailOptions>().OutboxFolder!;
        var mail = Directory.GetFiles(folder, "*.eml").Order(StringComparer.Ordinal)
            .Select(f => MimeMessage.Load(f))
            .Last(m => (m.Subject ?? string.Empty).Contains("privacyverzoeken", StringComparison.Ordinal));
        return CodeLine().Match(mail.TextBody ?? string.Empty).Groups[1].Value;
    }

    [Theory, AllEngines]
    public async Task FiledInMyName_CodeThenList_ShowsOnlyThatAddressesRequests_Audited(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(engine);
        using var client = Browser(server);
        var first = await FileAsync(client, "access", "jan.tester@example.nl");
        var second = await FileAsync(client, "erasure", "jan.tester@example.nl");
        var someoneElse = await FileAsync(client, "access", "piet.tester@example.nl");

        using var asked = await PostFormAsync(client, "/requests/mine", "/requests/mine", ("email", "jan.tester@example.nl"));
        Assert.Equal(HttpStatusCode.Redirect, asked.StatusCode);
        Assert.Equal("/requests/mine/code", asked.Headers.Location!.OriginalString);
        using var beforeCode = await client.GetAsync(new Uri("/requests/mine/list", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.Redirect, beforeCode.StatusCode);
        using var coded = await PostFormAsync(client, "/requests/mine/code", "/requests/mine/code", ("code", LookupCode(server)));
        Assert.Equal("/requests/mine/list", coded.Headers.Location!.OriginalString);
        var cookie = coded.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("custodian-request-mine=", StringComparison.Ordinal));
        Assert.Contains("path=/requests/mine", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("jan.tester", cookie, StringComparison.Ordinal);

        var list = await PageAsync(client, "/requests/mine/list");
        var references = list.QuerySelectorAll("tbody tr td:first-child").Select(td => td.TextContent.Trim()).ToList();
        Assert.Equal([second, first], references);
        Assert.DoesNotContain(someoneElse, list.Body!.TextContent, StringComparison.Ordinal);

        await using var db = server.Database.CreateContext();
        db.ScopeTo(TenantScope.Everything);
        var audited = await db.Set<Custodian.Core.Features.Audit.AuditEvent>().AsNoTracking().CountAsync(e => e.Action == "request.lookup_listed", Ct);
        Assert.Equal(1, audited);
    }

    [Theory, AllEngines]
    public async Task FiledInMyName_KnownAndUnknownAddress_SameAnswer_WrongCodeRefused(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(engine);
        using var filer = Browser(server);
        await FileAsync(filer, "access", "jan.tester@example.nl");
        var answers = new List<string>();
        foreach (var email in new[] { "jan.tester@example.nl", "nobody.tester@example.nl" })
        {
            using var client = Browser(server);
            using var post = await PostFormAsync(client, "/requests/mine", "/requests/mine", ("email", email));
            var next = await client.GetAsync(new Uri(post.Headers.Location!.OriginalString, UriKind.Relative), Ct);
            answers.Add($"{(int)post.StatusCode} {post.Headers.Location}\n{(int)next.StatusCode}\n" + AntiforgeryField().Replace(await next.Content.ReadAsStringAsync(Ct), "TOKEN"));
            if (email.StartsWith("nobody", StringComparison.Ordinal))
            {
                var right = LookupCode(server);
                using var wrong = await PostFormAsync(client, "/requests/mine/code", "/requests/mine/code", ("code", right == "000000" ? "111111" : "000000"));
                Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
                using var ok = await PostFormAsync(client, "/requests/mine/code", "/requests/mine/code", ("code", right));
                var empty = await PageAsync(client, "/requests/mine/list");
                Assert.Empty(empty.QuerySelectorAll("tbody tr"));
            }
        }

        Assert.Equal(answers[0], answers[1]);
    }
}
