using System.Net;
using Custodian.Testing;
using Xunit;

namespace Custodian.IntegrationTests.Requests.Attacks;

/// <summary>
/// Attack A1 (security.md §1.2, Pavur &amp; Knerr): a new look-alike mailbox in the victim's name plus OSINT identifiers
/// in the details. Through the real HTTP API; the access report is built with the server's own
/// <c>AccessReportBuilder</c> (no HTTP surface for the report yet).
/// </summary>
public sealed class A01_LookalikeMailboxTests
{
    private const string Attacker = "janvictim.person@freemail.example";

    [Theory, AllEngines]
    public async Task A01_LookalikeMailbox_CodeGoesToTheNewMailboxAndFindsNothingOfTheVictim(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);
        var before = await s.CountsAsync();
        var auditBefore = (await s.AuditAsync()).Count;

        var submitted = await s.SubmitAsync(Attacker, "access", $"I am Jan Victim, my phone is {AttackServer.VictimPhone} and my old address {AttackServer.VictimEmail}.");
        var reference = submitted.Reference!;
        var code = s.CodeFor(reference)!;
        var verified = await s.VerifyAsync(reference, code);
        var token = System.Text.Json.JsonDocument.Parse(verified.Body).RootElement.GetProperty("token").GetString();
        var status = await s.StatusAsync(reference, token);

        // The code went to the new mailbox only; the victim got nothing and nothing was sent anywhere else.
        Assert.Equal(HttpStatusCode.Accepted, submitted.Status);
        Assert.Equal(Attacker, s.RecipientOf(reference));
        Assert.Empty(s.MailsTo(AttackServer.VictimEmail));
        Assert.Single(s.Mails());
        Assert.Equal(HttpStatusCode.OK, verified.Status);
        Assert.Equal(HttpStatusCode.OK, status.Status);
        // What the verified session shows and what an access report for it would hold: nothing of the victim.
        AttackServer.AssertNothingOfVictim(submitted.Comparable() + verified.Body + status.Comparable());
        var request = await s.RequestAsync(reference);
        Assert.Equal(Attacker, request.IdentifierValue); // the OSINT in the details adds no identifier
        var (report, json, html) = await s.ReportAsync(AttackServer.SubjectOf(request));
        Assert.False(report.DataProcessed);
        Assert.Empty(report.Categories);
        AttackServer.AssertNothingOfVictim(json);
        AttackServer.AssertNothingOfVictim(html);
        // Nothing in the store changed; every step is audited, without the address or the code in clear.
        AttackServer.AssertStoreUnchanged(before, await s.CountsAsync());
        Assert.Equal(
            ["request.received", "request.verification_sent", "request.verification_succeeded", "request.access_report_built"],
            await s.AuditActionsSinceAsync(auditBefore));
        await s.AssertAuditHoldsNoneOfAsync(Attacker, AttackServer.VictimEmail, AttackServer.VictimPhone, code, token!);
        await s.AssertAuditVerifiesAsync();
    }
}
