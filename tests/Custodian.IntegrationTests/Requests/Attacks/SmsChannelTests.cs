using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Custodian.Core.Features.Requests;
using Custodian.Core.Features.Subjects;
using Custodian.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.IntegrationTests.Requests.Attacks;

/// <summary>
/// The phone channel (issue 6 §2: "a one-time code to a channel already on file (e-mail or phone number)") through the
/// real HTTP pipeline: the code goes by SMS (the dev outbox's <c>*.sms.json</c>) to the number the requester gave, with
/// the same rules as mail codes; a mandate subject known by phone is asked by SMS; the caps count per number.
/// </summary>
public sealed partial class SmsChannelTests
{
    private const string Mobile = "+31612345678";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [GeneratedRegex(@"token=([A-Za-z0-9_-]{43})")]
    private static partial Regex TokenLink();

    private static async Task<ApiAnswer> ResendAsync(AttackServer s, string reference)
    {
        using var response = await s.Server.Client.PostAsync($"/api/v1/requests/{reference}/code", null, Ct);
        return new ApiAnswer(response.StatusCode, await response.Content.ReadAsStringAsync(Ct), []);
    }

    [Theory, AllEngines]
    public async Task Submit_PhoneContact_CodeBySmsOnly_VerifiesOnce_NoticeBySms(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);

        // A Dutch national spelling: canonicalised to E.164, the code goes there by SMS and nothing is mailed.
        var submitted = await s.SubmitAsync(new { type = "access", phone = "06 1234 5678", language = "en" });
        Assert.Equal(HttpStatusCode.Accepted, submitted.Status);
        var reference = submitted.Reference!;
        var sms = Assert.Single(s.SmsTo(Mobile));
        Assert.Equal(reference, sms.Reference);
        Assert.Empty(s.Mails());
        Assert.True(sms.Text.Length <= 160, sms.Text);
        var code = s.SmsCodeFor(reference)!;
        Assert.Equal($"Your verification code for privacy request {reference}: {code}. Valid 10 minutes, works once. Not you? Ignore this message.", sms.Text);

        var wrong = await s.VerifyAsync(reference, code == "000000" ? "111111" : "000000");
        Assert.Equal("request.code_invalid", wrong.ProblemCode);
        var verified = await s.VerifyAsync(reference, code);
        Assert.Equal(HttpStatusCode.OK, verified.Status);
        Assert.Equal("request.code_used", (await s.VerifyAsync(reference, code)).ProblemCode);
        var request = await s.RequestAsync(reference);
        Assert.Equal((SubjectIdentifierKind.Phone, Mobile, RequestState.Verified), (request.IdentifierKind, request.IdentifierValue, request.State));

        // "Send a new code" goes to the same number; a notice (here a refusal) goes by SMS too, in the request's language.
        Assert.Equal(HttpStatusCode.Accepted, (await ResendAsync(s, reference)).Status);
        Assert.Equal(2, s.SmsTo(Mobile).Count);
        await using (var scope = s.Server.Services.CreateAsyncScope())
        {
            var refused = await scope.ServiceProvider.GetRequiredService<RequestActions>().RefuseAsync(Guid.CreateVersion7(), request.Id, "Manifestly excessive: test.", Ct);
            Assert.True(refused.IsSuccess, refused.Error?.ToString());
        }

        // (Outbox names sort by the fake clock, which stands still here: find the notice by its text, not its place.)
        var notice = Assert.Single(s.SmsTo(Mobile), m => !m.Text.StartsWith("Your verification code", StringComparison.Ordinal));
        Assert.Equal($"Privacy request {reference} was refused. Our reasons and your rights are on the request's page.", notice.Text);
        Assert.Empty(s.Mails());
        await s.AssertAuditHoldsNoneOfAsync(Mobile, "612345678", code);
        Assert.Contains((await s.AuditAsync()).Where(a => a.Action == "request.verification_sent").Select(a => a.Text), t => Regex.IsMatch(t, @"channel\W+sms\b"));
    }

    [Fact]
    public async Task PortalForm_EmailOrPhone_BothIsFieldError_PhoneAloneSendsSms()
    {
        await using var s = await AttackServer.StartAsync(Engine.Sqlite);
        using var client = new HttpClient(new HttpClientHandler { UseCookies = true, AllowAutoRedirect = false }) { BaseAddress = s.Server.BaseAddress };
        Dictionary<string, string> Form(string email, string phone) => new() { ["email"] = email, ["phone"] = phone, ["language"] = "en", ["details"] = string.Empty };

        using var both = await Office.OfficePageSetup.PostAsync(client, "/requests/new/access?lang=en", "/requests/new/access", Form("p.tester@example.nl", Mobile));
        using var neither = await Office.OfficePageSetup.PostAsync(client, "/requests/new/access?lang=en", "/requests/new/access", Form(string.Empty, string.Empty));
        using var phone = await Office.OfficePageSetup.PostAsync(client, "/requests/new/access?lang=en", "/requests/new/access", Form(string.Empty, "06-12345678"));

        var bothHtml = await both.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.OK, both.StatusCode);
        Assert.Contains("id=\"phone-error\"", bothHtml, StringComparison.Ordinal);
        Assert.Contains("not both", bothHtml, StringComparison.Ordinal);
        var neitherHtml = await neither.Content.ReadAsStringAsync(Ct);
        Assert.Contains("id=\"email-error\"", neitherHtml, StringComparison.Ordinal);
        Assert.Contains("your mobile number", neitherHtml, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, phone.StatusCode);
        var sms = Assert.Single(s.SmsTo(Mobile));
        Assert.Contains(sms.Reference, phone.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.Empty(s.Mails());
    }

    private sealed class FailingGateway : Core.Features.Sms.ISmsSender
    {
        public int Calls { get; private set; }

        public Task SendAsync(Core.Features.Sms.OutgoingSms sms, CancellationToken ct)
        {
            Calls++;
            throw new Core.Features.Sms.SmsException("gateway answered 500");
        }
    }

    [Fact]
    public async Task Submit_GatewayFails_SameAnswer_RequestKeptAwaitingVerification()
    {
        var gateway = new FailingGateway();
        await using var server = await CustodianServer.StartAsync(Engine.Sqlite, b => b.Services.AddSingleton<Core.Features.Sms.ISmsSender>(gateway));

        using var response = await server.Client.PostAsJsonAsync("/api/v1/requests", new { type = "access", phone = Mobile, language = "en" }, Ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(1, gateway.Calls);
        var reference = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("reference").GetString();
        await using var db = server.Database.CreateContext();
        var request = Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(db.Set<DataSubjectRequest>(), r => r.Reference == reference, Ct);
        Assert.Equal(RequestState.AwaitingVerification, (await request).State);
    }

    [Theory, AllEngines]
    public async Task Submit_KnownAndUnknownNumber_IdenticalAnswers(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);
        const string unknown = "+31687654321";

        // Like mail (A8): the submission never looks the person up, so the answer cannot tell whether the number is on file.
        var known = await s.SubmitAsync(new { type = "access", phone = AttackServer.VictimPhone, language = "en" });
        var stranger = await s.SubmitAsync(new { type = "access", phone = unknown, language = "en" });

        Assert.Equal(HttpStatusCode.Accepted, known.Status);
        Assert.Equal(known.Comparable(), stranger.Comparable());
        Assert.Single(s.SmsTo(AttackServer.VictimPhone));
        Assert.Single(s.SmsTo(unknown));
        Assert.Empty(s.Mails());
    }

    [Theory, AllEngines]
    public async Task Resend_PhoneContact_DailyMessageCapPerNumberHolds_AnswersUnchanged(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);
        var first = await s.SubmitAsync(new { type = "access", phone = Mobile, language = "nl" });
        var reference = first.Reference!;

        var answers = new List<ApiAnswer>();
        for (var i = 0; i < RequestRateLimits.MessagesPerAddressPerDay; i++)
        {
            if (i == 3)
            {
                s.NextHour(); // the per-client limit (5 an hour) is not what this test is about
            }

            answers.Add(await ResendAsync(s, reference));
        }

        // One code on submission plus four resends reach the cap; the fifth resend is answered alike and sends nothing.
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Accepted, a.Status));
        Assert.Single(answers.Select(a => a.Comparable(reference)).Distinct());
        Assert.Equal(RequestRateLimits.MessagesPerAddressPerDay, s.SmsTo(Mobile).Count);
        Assert.StartsWith($"Uw verificatiecode voor privacyverzoek {reference}: ", s.SmsTo(Mobile)[0].Text, StringComparison.Ordinal);

        // Another spelling of the same number is the same number: a new request is accepted alike but sends nothing.
        s.NextHour();
        var respelled = await s.SubmitAsync(new { type = "access", phone = "0031 6 12345678", language = "nl" });
        Assert.Equal(first.Comparable(), respelled.Comparable());
        Assert.Equal(RequestRateLimits.MessagesPerAddressPerDay, s.SmsTo(Mobile).Count);
        Assert.Contains("request.rate_limited", (await s.AuditAsync()).Select(a => a.Action));
    }

    [Theory, AllEngines]
    public async Task Mandate_SubjectKnownByPhone_LinkBySms_ConfirmVerifies_UnknownNumberNotMessaged(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);
        const string representative = "rep.resentative@agency.example";
        const string unknown = "+31201234599";
        async Task<(ApiAnswer Submitted, string Reference)> FileAsync(string subjectPhone)
        {
            var submitted = await s.SubmitAsync(new { type = "access", email = representative, language = "en", subjectPhone, mandate = "I am his lawyer." });
            var reference = submitted.Reference!;
            Assert.Equal(HttpStatusCode.OK, (await s.VerifyAsync(reference, s.CodeFor(reference)!)).Status);
            return (submitted, reference);
        }

        var known = await FileAsync(AttackServer.VictimPhone);
        var stranger = await FileAsync(unknown);

        Assert.Equal(known.Submitted.Comparable(), stranger.Submitted.Comparable());
        Assert.Empty(s.SmsTo(unknown));
        var sms = Assert.Single(s.SmsTo(AttackServer.VictimPhone));
        Assert.Equal(known.Reference, sms.Reference);
        Assert.DoesNotContain("rep.resentative", sms.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("lawyer", sms.Text, StringComparison.Ordinal);
        var token = TokenLink().Match(sms.Text).Groups[1].Value;

        using var decided = await s.Server.Client.PostAsJsonAsync($"/api/v1/requests/{known.Reference}/mandate", new { token, decision = "confirm" }, Ct);
        Assert.Equal(HttpStatusCode.OK, decided.StatusCode);
        var verified = await s.RequestAsync(known.Reference);
        Assert.Equal((RequestState.Verified, VerificationMethods.MandateConfirmedBySubject), (verified.State, verified.VerificationMethod));
        Assert.Equal(RequestState.AwaitingMandate, (await s.RequestAsync(stranger.Reference)).State);
        await s.AssertAuditHoldsNoneOfAsync(AttackServer.VictimPhone, unknown, token);
        var outcomes = (await s.AuditAsync()).Where(a => a.Action.StartsWith("request.mandate_", StringComparison.Ordinal)).Select(a => a.Action).ToList();
        Assert.Equal(["request.mandate_requested", "request.mandate_not_sent", "request.mandate_confirmed"], outcomes);
        _ = JsonDocument.Parse(await decided.Content.ReadAsStringAsync(Ct));
    }
}
