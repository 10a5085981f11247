using System.Net;
using Custodian.Core.Features.Requests;
using Custodian.Testing;
using Xunit;

namespace Custodian.IntegrationTests.Requests.Attacks;

/// <summary>
/// The one-time code's rules (issue 6 §2, security.md §1.3 item 1, §4.3), through the real HTTP API with the server's
/// clock replaced by a fake one: single use, expired after 10 minutes, bound to its request, locked after 5 wrong
/// attempts; every attempt audited without the code.
/// </summary>
public sealed class CodeRulesTests
{
    [Theory, AllEngines]
    public async Task Code_After10Minutes_ExpiredAndJustBefore_Accepted(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);
        var late = (await s.SubmitAsync("late.tester@person.example")).Reference!;
        var early = (await s.SubmitAsync("early.tester@person.example")).Reference!;

        s.Time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));
        var inTime = await s.VerifyAsync(early, s.CodeFor(early)!);
        s.Time.Advance(TimeSpan.FromSeconds(1));
        var expired = await s.VerifyAsync(late, s.CodeFor(late)!);

        Assert.Equal(HttpStatusCode.OK, inTime.Status);
        Assert.Equal("request.code_expired", expired.ProblemCode);
        Assert.Equal(RequestState.AwaitingVerification, (await s.RequestAsync(late)).State);
        Assert.Contains("request.verification_expired", (await s.AuditAsync()).Select(a => a.Action));
        await s.AssertAuditHoldsNoneOfAsync(s.CodeFor(late)!, s.CodeFor(early)!);
        await s.AssertAuditVerifiesAsync();
    }

    [Theory, AllEngines]
    public async Task Code_UsedTwiceOrOnAnotherRequest_Refused(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);
        var mine = (await s.SubmitAsync("mine.tester@person.example")).Reference!;
        var theirs = (await s.SubmitAsync(AttackServer.VictimEmail)).Reference!;
        var code = s.CodeFor(mine)!;

        var onTheirs = await s.VerifyAsync(theirs, code);
        var first = await s.VerifyAsync(mine, code);
        var second = await s.VerifyAsync(mine, code);

        Assert.Equal(s.CodeFor(theirs) == code ? HttpStatusCode.OK : HttpStatusCode.BadRequest, onTheirs.Status); // 1 in a million
        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal("request.code_used", second.ProblemCode);
        var actions = (await s.AuditAsync()).Select(a => a.Action).ToList();
        Assert.Contains("request.verification_reused", actions);
        Assert.Contains("request.verification_failed", actions);
        await s.AssertAuditHoldsNoneOfAsync(code);
    }

    [Theory, AllEngines]
    public async Task Code_FiveWrongAttempts_LockedEvenForTheRightCode(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);
        var reference = (await s.SubmitAsync(AttackServer.VictimEmail)).Reference!;
        var code = s.CodeFor(reference)!;
        var wrong = code == "000000" ? "999999" : "000000";

        var codes = new List<string?>();
        for (var i = 0; i < 5; i++)
        {
            codes.Add((await s.VerifyAsync(reference, wrong)).ProblemCode);
        }

        var right = await s.VerifyAsync(reference, code);

        Assert.Equal(["request.code_invalid", "request.code_invalid", "request.code_invalid", "request.code_invalid", "request.code_locked"], codes);
        Assert.Equal("request.code_locked", right.ProblemCode);
        Assert.Equal(RequestState.AwaitingVerification, (await s.RequestAsync(reference)).State);
        await s.AssertAuditHoldsNoneOfAsync(code, AttackServer.VictimEmail);
        await s.AssertAuditVerifiesAsync();
    }
}
