using System.Net;
using Custodian.Core.Features.Requests;
using Custodian.Testing;
using Xunit;

namespace Custodian.IntegrationTests.Requests.Attacks;

/// <summary>
/// Attack A9 (security.md §1.2): snowballing, where facts leaked in a first wave (phone number, ticket reference,
/// name, an old code) are offered as proof in a second. Through the real HTTP API. The only proof the API accepts is
/// the one-time code sent to the address; a held fact offered instead does not verify and counts as a wrong attempt,
/// and facts in the details never widen what the request stands for. (The medium tier's "held fact" check is part of
/// the staff workflow and is tested there; see docs/security-tests.md.)
/// </summary>
public sealed class A09_SnowballingTests
{
    [Theory, AllEngines]
    public async Task A09_HeldFactsOfferedAsProof_DoNotVerify(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);
        var before = await s.CountsAsync();
        var reference = (await s.SubmitAsync(AttackServer.VictimEmail, "access")).Reference!;
        var auditBefore = (await s.AuditAsync()).Count;

        var answers = new List<ApiAnswer>();
        foreach (var fact in new[] { AttackServer.VictimPhone, "T-1", "Jan Victim", "7781", "201234" })
        {
            answers.Add(await s.VerifyAsync(reference, fact));
        }

        var code = s.CodeFor(reference)!;
        var withRealCode = await s.VerifyAsync(reference, code); // too late: five wrong attempts locked it

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.BadRequest, a.Status));
        Assert.Equal("request.code_locked", answers[^1].ProblemCode);
        Assert.Equal("request.code_locked", withRealCode.ProblemCode);
        var request = await s.RequestAsync(reference);
        Assert.Equal(RequestState.AwaitingVerification, request.State);
        Assert.Null(request.VerifiedAt);
        AttackServer.AssertNothingOfVictim(string.Concat(answers.Select(a => a.Body)) + withRealCode.Body);
        AttackServer.AssertStoreUnchanged(before, await s.CountsAsync());
        Assert.Equal(
            ["request.verification_failed", "request.verification_failed", "request.verification_failed", "request.verification_failed", "request.verification_locked", "request.verification_locked"],
            await s.AuditActionsSinceAsync(auditBefore));
        await s.AssertAuditHoldsNoneOfAsync(AttackServer.VictimEmail, AttackServer.VictimPhone, code);
        await s.AssertAuditVerifiesAsync();
    }

    [Theory, AllEngines]
    public async Task A09_FactsInDetails_DoNotWidenTheSubject(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);

        var attacker = "wave2.attacker@freemail.example";
        var submitted = await s.SubmitAsync(attacker, "access", $"My number is {AttackServer.VictimPhone}, ticket T-1, also {AttackServer.VictimEmail}.");
        Assert.Equal(HttpStatusCode.OK, (await s.VerifyAsync(submitted.Reference!, s.CodeFor(submitted.Reference!)!)).Status);

        var request = await s.RequestAsync(submitted.Reference!);
        var subject = AttackServer.SubjectOf(request);
        var (report, json, _) = await s.ReportAsync(subject);
        Assert.Equal(attacker, Assert.Single(subject).Value);
        Assert.False(report.DataProcessed);
        AttackServer.AssertNothingOfVictim(json);
    }
}
