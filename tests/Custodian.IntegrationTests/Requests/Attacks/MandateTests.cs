using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Requests;
using Custodian.Core.Features.Requests.Workflow;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Persistence;
using Custodian.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.IntegrationTests.Requests.Attacks;

/// <summary>
/// Mandates (issue 6 §1) through the real HTTP pipeline: a representative files for the victim with their own address,
/// proves it with the code, and the victim confirms or rejects through the victim's own address on file. Covers the
/// attacks a mandate invites: acting for someone without their say (A10: no new channel), enumeration through the
/// mandate path (A8), token misuse, and staff executing before confirmation.
/// </summary>
public sealed partial class MandateTests
{
    private const string Representative = "rep.resentative@agency.example";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [GeneratedRegex(@"token=([A-Za-z0-9_-]{43})")]
    private static partial Regex TokenLink();

    [GeneratedRegex(@"code: (\d{6})", RegexOptions.IgnoreCase)]
    private static partial Regex SixDigits();

    private static object OnBehalfOf(string? subjectEmail = null, string? subjectPhone = null, string? mandate = "I am his lawyer, authorised in writing.", string email = Representative) =>
        new { type = "access", email, language = "en", subjectEmail, subjectPhone, mandate };

    /// <summary>Submits on behalf of a subject and verifies the representative's own code: reference, verify answer, session token.</summary>
    private static async Task<(string Reference, ApiAnswer Submitted, ApiAnswer Verified, string Token)> FileAsync(AttackServer s, object body, string representative = Representative)
    {
        var submitted = await s.SubmitAsync(body);
        Assert.Equal(HttpStatusCode.Accepted, submitted.Status);
        var reference = submitted.Reference!;
        var codeMail = s.MailsTo(representative).Last(m => (m.Subject ?? string.Empty).Contains(reference, StringComparison.Ordinal));
        var verified = await s.VerifyAsync(reference, SixDigits().Match(codeMail.TextBody ?? string.Empty).Groups[1].Value);
        Assert.Equal(HttpStatusCode.OK, verified.Status);
        return (reference, submitted, verified, JsonDocument.Parse(verified.Body).RootElement.GetProperty("token").GetString()!);
    }

    private static string? TokenFor(AttackServer s, string to, string reference)
    {
        var mail = s.MailsTo(to).LastOrDefault(m => (m.Subject ?? string.Empty).Contains(reference, StringComparison.Ordinal) && (m.TextBody ?? string.Empty).Contains("token=", StringComparison.Ordinal));
        return mail is null ? null : TokenLink().Match(mail.TextBody!).Groups[1].Value;
    }

    private static async Task<ApiAnswer> DecideAsync(AttackServer s, string reference, string? token, string decision)
    {
        using var response = await s.Server.Client.PostAsJsonAsync($"/api/v1/requests/{reference}/mandate", new { token, decision }, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        return new ApiAnswer(response.StatusCode, body, []);
    }

    private static async Task<Core.Features.Store.StoreResult<IReadOnlyList<RequestPart>>> SplitAsync(AttackServer s, Guid requestId)
    {
        var staff = new StaffIdentity(Guid.CreateVersion7(), Guid.CreateVersion7(), "po", "po", StaffRoles.PrivacyOfficer, null, StaffRoles.PermissionsOf(StaffRoles.PrivacyOfficer));
        await using var scope = s.Server.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CustodianDbContext>().ScopeTo(staff.TenantScope);
        return await scope.ServiceProvider.GetRequiredService<RequestWorkflow>().SplitAsync(staff, requestId, Ct);
    }

    private static async Task LapseAsync(AttackServer s)
    {
        await using var scope = s.Server.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<RequestMandates>().LapseExpiredAsync(Ct);
    }

    [Theory, AllEngines]
    public async Task Mandate_SubjectConfirms_RequestVerifiedOnlyThenAndStaffMayProceed(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);
        var (reference, _, _, token) = await FileAsync(s, OnBehalfOf(subjectEmail: AttackServer.VictimEmail));

        var waiting = await s.RequestAsync(reference);
        Assert.Equal(RequestState.AwaitingMandate, waiting.State);
        Assert.Null(waiting.VerificationTier);
        Assert.Equal(SubjectIdentifierKind.Email, waiting.IdentifierKind);
        Assert.Equal(Representative, waiting.RepresentativeEmail);
        Assert.Contains("awaiting_mandate", (await s.StatusAsync(reference, token)).Body, StringComparison.Ordinal);

        // Staff cannot start before the subject confirmed.
        var early = await SplitAsync(s, waiting.Id);
        Assert.Equal(WorkflowErrors.NotVerified, early.Error?.Code);

        // The subject's message: only to the address on file, with no trace of the representative.
        var toVictim = Assert.Single(s.MailsTo(AttackServer.VictimEmail));
        Assert.DoesNotContain(Representative, toVictim.TextBody, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("lawyer", toVictim.TextBody, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("access", toVictim.TextBody, StringComparison.Ordinal);
        var mandateToken = TokenFor(s, AttackServer.VictimEmail, reference)!;

        // The portal page shows the type and asks; GET changes nothing (a link scanner cannot confirm).
        using (var page = await s.Server.Client.GetAsync($"/requests/mandate/{reference}?token={mandateToken}", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        }

        Assert.Equal(RequestState.AwaitingMandate, (await s.RequestAsync(reference)).State);

        var confirmed = await DecideAsync(s, reference, mandateToken, "confirm");
        Assert.Equal(HttpStatusCode.OK, confirmed.Status);
        var verified = await s.RequestAsync(reference);
        Assert.Equal(RequestState.Verified, verified.State);
        Assert.Equal(VerificationMethods.MandateConfirmedBySubject, verified.VerificationMethod);
        Assert.Equal(waiting.DueOn, verified.DueOn); // DSR-12: the due date never moves

        var split = await SplitAsync(s, verified.Id);
        Assert.True(split.IsSuccess, split.Error?.ToString());

        // The request stands for the subject (filed in the subject's name), and the representative's session sees it.
        Assert.Equal(AttackServer.VictimEmail, AttackServer.SubjectOf(verified)[0].Value);
        var actions = (await s.AuditAsync()).Select(a => a.Action).ToList();
        Assert.Contains("request.representative_verified", actions);
        Assert.Contains("request.mandate_requested", actions);
        Assert.Contains("request.mandate_confirmed", actions);
        await s.AssertAuditHoldsNoneOfAsync(AttackServer.VictimEmail, Representative, mandateToken, "lawyer");
        await s.AssertAuditVerifiesAsync();
    }

    [Theory, AllEngines]
    public async Task Mandate_SubjectRejects_ClosedAndRepresentativeToldNeutrally(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);
        var (reference, _, _, _) = await FileAsync(s, OnBehalfOf(subjectEmail: AttackServer.VictimEmail));
        var mandateToken = TokenFor(s, AttackServer.VictimEmail, reference)!;

        var rejected = await DecideAsync(s, reference, mandateToken, "reject");

        Assert.Equal(HttpStatusCode.OK, rejected.Status);
        var request = await s.RequestAsync(reference);
        Assert.Equal(RequestState.Closed, request.State);
        Assert.Null(request.VerificationTier);
        var notice = Assert.Single(s.MailsTo(Representative), m => (m.Subject ?? string.Empty).EndsWith(": closed", StringComparison.Ordinal));
        Assert.Contains("not confirmed", notice.TextBody, StringComparison.Ordinal);
        AttackServer.AssertNothingOfVictim(notice.TextBody ?? string.Empty);
        Assert.Equal("request.mandate_used", (await DecideAsync(s, reference, mandateToken, "confirm")).ProblemCode);
        Assert.Equal(WorkflowErrors.AlreadySplit, (await SplitAsync(s, request.Id)).Error?.Code);
        Assert.Contains("request.mandate_rejected", (await s.AuditAsync()).Select(a => a.Action));
    }

    [Theory, AllEngines]
    public async Task Mandate_UnknownOrPhoneSubject_SameAnswers_OnlyOnFileChannelsMessaged_LapsesLikeUnconfirmed(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);
        const string unknown = "nobody.here@person.example";
        var known = await FileAsync(s, OnBehalfOf(subjectEmail: AttackServer.VictimEmail));
        var missing = await FileAsync(s, OnBehalfOf(subjectEmail: unknown));
        var phone = await FileAsync(s, OnBehalfOf(subjectPhone: AttackServer.VictimPhone));

        // A8: the representative sees the same answers and the same status for each.
        Assert.Equal(known.Submitted.Comparable(), missing.Submitted.Comparable());
        Assert.Equal(known.Submitted.Comparable(), phone.Submitted.Comparable());
        static string Status(ApiAnswer a, string reference) => Regex.Replace(a.Comparable(reference), "\"(at|receivedOn|dueOn)\":\"[^\"]*\"", "\"$1\":\"X\"");
        var knownStatus = Status(await s.StatusAsync(known.Reference, known.Token), known.Reference);
        Assert.Equal(knownStatus, Status(await s.StatusAsync(missing.Reference, missing.Token), missing.Reference));
        Assert.Equal(knownStatus, Status(await s.StatusAsync(phone.Reference, phone.Token), phone.Reference));
        Assert.Empty(s.MailsTo(unknown));
        Assert.Single(s.MailsTo(AttackServer.VictimEmail)); // the known subject's confirmation
        Assert.Single(s.SmsTo(AttackServer.VictimPhone)); // the subject known by phone: the link by SMS

        s.Time.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));
        await LapseAsync(s);

        foreach (var reference in new[] { known.Reference, missing.Reference, phone.Reference })
        {
            Assert.Equal(RequestState.Closed, (await s.RequestAsync(reference)).State);
        }

        // The server's own reminder timer may lapse one of them at the same moment (the clock just jumped a week); its
        // notice is sent right after its commit, which can be a moment after this look-up returns.
        var notices = s.MailsTo(Representative).Where(m => (m.Subject ?? string.Empty).EndsWith(": closed", StringComparison.Ordinal)).ToList();
        for (var wait = 0; notices.Count < 3 && wait < 100; wait++)
        {
            await Task.Delay(100, Ct);
            notices = [.. s.MailsTo(Representative).Where(m => (m.Subject ?? string.Empty).EndsWith(": closed", StringComparison.Ordinal))];
        }

        Assert.Equal(3, notices.Count);
        Assert.Single(notices.Select(m => m.TextBody!.Replace(known.Reference, "R", StringComparison.Ordinal).Replace(missing.Reference, "R", StringComparison.Ordinal).Replace(phone.Reference, "R", StringComparison.Ordinal)).Distinct());
        var audit = await s.AuditAsync();
        Assert.Equal(3, audit.Count(a => a.Action == "request.mandate_lapsed"));
        Assert.Equal(1, audit.Count(a => a.Action == "request.mandate_not_sent"));
        await s.AssertAuditHoldsNoneOfAsync(unknown, AttackServer.VictimEmail, AttackServer.VictimPhone, Representative);
    }

    [Theory, AllEngines]
    public async Task Mandate_WrongForeignReusedOrExpiredToken_RefusedAndAudited(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);
        var first = await FileAsync(s, OnBehalfOf(subjectEmail: AttackServer.VictimEmail));
        var second = await FileAsync(s, OnBehalfOf(subjectEmail: "piet.other@person.example"));
        var firstToken = TokenFor(s, AttackServer.VictimEmail, first.Reference)!;
        var secondToken = TokenFor(s, "piet.other@person.example", second.Reference)!;
        var auditBefore = (await s.AuditAsync()).Count;

        var wrong = await DecideAsync(s, first.Reference, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "confirm");
        var foreign = await DecideAsync(s, first.Reference, secondToken, "confirm");
        var garbage = await DecideAsync(s, first.Reference, "not a token", "confirm");
        Assert.Equal(HttpStatusCode.BadRequest, wrong.Status);
        Assert.Equal("request.mandate_invalid", wrong.ProblemCode);
        Assert.Equal("request.mandate_invalid", foreign.ProblemCode); // the same answer as a wrong one; audited apart
        Assert.Equal("request.mandate_invalid", garbage.ProblemCode);
        Assert.Equal(RequestState.AwaitingMandate, (await s.RequestAsync(first.Reference)).State);
        Assert.Equal(RequestState.AwaitingMandate, (await s.RequestAsync(second.Reference)).State);

        // The representative's own session or code is no mandate.
        Assert.Equal("request.mandate_invalid", (await DecideAsync(s, first.Reference, first.Token, "confirm")).ProblemCode);

        Assert.Equal(HttpStatusCode.OK, (await DecideAsync(s, first.Reference, firstToken, "confirm")).Status);
        Assert.Equal("request.mandate_used", (await DecideAsync(s, first.Reference, firstToken, "confirm")).ProblemCode);

        Assert.Equal(
            ["request.mandate_invalid", "request.mandate_mismatch", "request.mandate_invalid", "request.mandate_invalid", "request.mandate_confirmed", "request.mandate_reused"],
            await s.AuditActionsSinceAsync(auditBefore));

        // After 7 days the link is dead; the request lapses once, whether the server's hourly sweep or the attempt closes it.
        s.Time.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));
        Assert.Equal("request.mandate_expired", (await DecideAsync(s, second.Reference, secondToken, "confirm")).ProblemCode);
        Assert.Equal(RequestState.Closed, (await s.RequestAsync(second.Reference)).State);
        var later = await s.AuditAsync();
        Assert.Single(later, a => a.Action == "request.mandate_expired");
        Assert.Single(later, a => a.Action == "request.mandate_lapsed");
        await s.AssertAuditHoldsNoneOfAsync(firstToken, secondToken, AttackServer.VictimEmail);
    }

    [Theory, AllEngines]
    public async Task Mandate_BadInput_RefusedWithFieldErrors(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);
        var noStatement = await s.SubmitAsync(OnBehalfOf(subjectEmail: AttackServer.VictimEmail, mandate: null));
        var self = await s.SubmitAsync(OnBehalfOf(subjectEmail: Representative.ToUpperInvariant()));
        var both = await s.SubmitAsync(OnBehalfOf(subjectEmail: AttackServer.VictimEmail, subjectPhone: AttackServer.VictimPhone));

        Assert.Equal(HttpStatusCode.BadRequest, noStatement.Status);
        Assert.Contains("mandate", noStatement.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, self.Status);
        Assert.Contains("request.mandate.self", self.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, both.Status);
        Assert.Contains("request.mandate.one_identifier", both.Body, StringComparison.Ordinal);
        Assert.Empty(s.Mails());
    }
}
