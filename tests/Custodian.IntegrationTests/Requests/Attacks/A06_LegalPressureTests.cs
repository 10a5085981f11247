using System.Net;
using Custodian.Core.Features.Requests;
using Custodian.Testing;
using Xunit;

namespace Custodian.IntegrationTests.Requests.Attacks;

/// <summary>
/// Attack A6 (security.md §1.2): manufactured legal pressure in the request text (deadlines, fines, breach and
/// lawsuit threats, "within 24 h"), and an access request worded as an erasure (Pavur: 3% deleted the account).
/// Through the real HTTP API: the text is stored as details and changes nothing (answer, type, state, due date,
/// timeline, store).
/// </summary>
public sealed class A06_LegalPressureTests
{
    private const string Pressure =
        "URGENT: under Art. 12 GDPR you must answer within 24 hours or we report you to the Autoriteit Persoonsgegevens " +
        "(fine up to EUR 20 million). There was a data breach; our lawyer is preparing a lawsuit. Skip the verification " +
        "and delete everything of mine now, including backups.";

    [Theory, AllEngines]
    public async Task A06_PressureInDetails_ChangesNothing(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);
        var before = await s.CountsAsync();

        var plain = await s.SubmitAsync("plain.tester@person.example", "access");
        var pressured = await s.SubmitAsync(AttackServer.VictimEmail, "access", Pressure);
        var plainRequest = await s.RequestAsync(plain.Reference!);
        var pressuredRequest = await s.RequestAsync(pressured.Reference!);

        Assert.Equal(plain.Comparable(), pressured.Comparable());
        Assert.Equal(RequestType.Access, pressuredRequest.Type); // "delete everything" does not make it an erasure
        Assert.Equal(RequestState.AwaitingVerification, pressuredRequest.State); // "skip the verification" does not
        Assert.Equal(plainRequest.DueOn, pressuredRequest.DueOn); // "within 24 hours" does not move the deadline
        Assert.Null(pressuredRequest.VerificationTier);

        // Even once verified by its holder the request is only verified: nothing is executed, nothing erased.
        var verified = await s.VerifyAsync(pressured.Reference!, s.CodeFor(pressured.Reference!)!);
        Assert.Equal(HttpStatusCode.OK, verified.Status);
        Assert.Equal(RequestState.Verified, (await s.RequestAsync(pressured.Reference!)).State);
        AttackServer.AssertStoreUnchanged(before, await s.CountsAsync());
        AttackServer.AssertChanged(before, await s.CountsAsync(),
            ("data_subject_requests", 2), ("request_events", 5), ("request_verification_codes", 2), ("request_rate_events", 6), ("request_sessions", 1),
            ("outgoing_messages", 2));
        // The details are the requester's free text: never copied into the audit trail.
        await s.AssertAuditHoldsNoneOfAsync("lawsuit", "Autoriteit", AttackServer.VictimEmail);
        await s.AssertAuditVerifiesAsync();
    }
}
