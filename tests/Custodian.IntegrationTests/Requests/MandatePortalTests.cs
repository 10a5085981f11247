using System.Net;
using System.Text.RegularExpressions;
using AngleSharp.Html.Parser;
using Custodian.Core.Features.Requests;
using Custodian.IntegrationTests.Requests.Attacks;
using Custodian.Testing;
using Xunit;
using P = Custodian.IntegrationTests.Requests.PortalRequestPagesTests;

namespace Custodian.IntegrationTests.Requests;

/// <summary>
/// The portal's side of mandates: the "on behalf of" part of the form, and the page behind the subject's link (GET
/// shows, POST decides). Through real HTTP with cookies and antiforgery, on the attack fixture's victim.
/// </summary>
public sealed partial class MandatePortalTests
{
    private const string Representative = "ouder.vertegenwoordiger@agency.example";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [GeneratedRegex(@"token=([A-Za-z0-9_-]{43})")]
    private static partial Regex TokenLink();

    [Theory, AllEngines]
    public async Task Portal_OnBehalfOf_RepresentativeVerifies_SubjectConfirmsOnTheLinkPage(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);
        using var client = P.Browser(s.Server);

        // Without a statement the form comes back, pointing at the field, with what was typed.
        using (var missing = await P.PostFormAsync(client, "/requests/new/access", "/requests/new/access",
            ("email", Representative), ("subjectEmail", AttackServer.VictimEmail), ("language", "en")))
        {
            var page = new HtmlParser().ParseDocument(await missing.Content.ReadAsStringAsync(Ct));
            Assert.Equal(HttpStatusCode.OK, missing.StatusCode);
            Assert.Equal("#mandate", page.QuerySelector("[role=alert] a")?.GetAttribute("href"));
            Assert.Equal(AttackServer.VictimEmail, page.QuerySelector("#subjectEmail")!.GetAttribute("value"));
        }

        string reference;
        using (var filed = await P.PostFormAsync(client, "/requests/new/access", "/requests/new/access",
            ("email", Representative), ("subjectEmail", AttackServer.VictimEmail), ("mandate", "Ik ben zijn curator."), ("language", "en")))
        {
            Assert.Equal(HttpStatusCode.Redirect, filed.StatusCode);
            reference = Regex.Match(filed.Headers.Location!.OriginalString, "reference=([A-Z0-9]+)").Groups[1].Value;
        }

        Assert.Equal(Representative, s.RecipientOf(reference)); // the code goes to the representative, not the subject
        using (var verified = await P.VerifyAsync(client, reference, P.CodeFromOutbox(s.Server, reference)))
        {
            Assert.Equal(HttpStatusCode.Redirect, verified.StatusCode);
        }

        var status = await P.PageAsync(client, "/requests/" + reference);
        Assert.Contains("Wacht op bevestiging van de machtiging", status.Body!.TextContent, StringComparison.Ordinal);

        var token = TokenLink().Match(Assert.Single(s.MailsTo(AttackServer.VictimEmail)).TextBody!).Groups[1].Value;
        using var subject = P.Browser(s.Server);
        var link = $"/requests/mandate/{reference}?token={token}";
        var ask = await P.PageAsync(subject, link);
        Assert.Contains(reference, ask.Body!.TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain(Representative, ask.Body.TextContent, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("curator", ask.Body.TextContent, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(RequestState.AwaitingMandate, (await s.RequestAsync(reference)).State);

        using (var decided = await P.PostFormAsync(subject, link, $"/requests/mandate/{reference}", ("token", token), ("decision", "confirm")))
        {
            Assert.Equal(HttpStatusCode.OK, decided.StatusCode);
        }

        Assert.Equal(RequestState.Verified, (await s.RequestAsync(reference)).State);
        await P.PageAsync(subject, link, HttpStatusCode.BadRequest); // single use
    }
}
