using System.Net;
using System.Text;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Requests.Answers;
using Custodian.Testing;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Requests.Attacks;

/// <summary>
/// Attack A13 (security.md §1.2, §1.3 item 5): insecure delivery, i.e. guessable, reusable, long-lived or
/// unauthenticated links. The request session through the real HTTP status API; the answer links through the server's
/// own <c>RequestAnswers</c> (the download page is the portal's, built in parallel: its page-side test is pending in
/// docs/security-tests.md).
/// </summary>
public sealed class A13_DownloadLinkTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task A13_DownloadLinks_SingleUseAtMostSevenDaysBoundToTheRequest(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);
        var (mine, _) = await s.SubmitAndVerifyAsync(AttackServer.VictimEmail);
        var (other, _) = await s.SubmitAndVerifyAsync("other.requester@person.example");
        var mineId = (await s.RequestAsync(mine)).Id;
        var otherId = (await s.RequestAsync(other)).Id;
        var answers = s.Server.Services.GetRequiredService<RequestAnswers>();
        var now = Instant.FromDateTimeOffset(s.Time.GetUtcNow());
        using var content = new MemoryStream(Encoding.UTF8.GetBytes("{\"report\":\"the victim's data\"}"));
        var answer = await answers.StoreAsync(mineId, AnswerKind.AccessJson, "report.json", "application/json", content, now + Duration.FromDays(30), Ct);
        var actor = new AuditActor(AuditActorKind.System, "requester:portal");

        var (tooLong, tooLongError) = await answers.IssueDownloadAsync(answer.Id, Duration.FromDays(7) + Duration.FromSeconds(1), Ct);
        var (token, _) = await answers.IssueDownloadAsync(answer.Id, Duration.FromDays(7), Ct);
        var (wrongRequest, wrongRequestError) = await answers.OpenAsync(otherId, token!, actor, Ct);
        var (guessed, guessedError) = await answers.OpenAsync(mineId, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", actor, Ct);
        var (first, _) = await answers.OpenAsync(mineId, token!, actor, Ct);
        await first!.Content.DisposeAsync();
        var (second, secondError) = await answers.OpenAsync(mineId, token!, actor, Ct);
        var (late, _) = await answers.IssueDownloadAsync(answer.Id, Duration.FromDays(7), Ct);
        s.Time.Advance(TimeSpan.FromDays(7));
        var (expired, expiredError) = await answers.OpenAsync(mineId, late!, actor, Ct);

        Assert.Null(tooLong);
        Assert.Equal("answer.link_too_long", tooLongError!.Code);
        Assert.Null(wrongRequest);
        Assert.Equal("answer.link_invalid", wrongRequestError!.Code);
        Assert.Null(guessed);
        Assert.Equal("answer.link_invalid", guessedError!.Code);
        Assert.Null(second);
        Assert.Equal("answer.link_used", secondError!.Code);
        Assert.Null(expired);
        Assert.Equal("answer.link_expired", expiredError!.Code);
        Assert.True(token!.Length >= 43); // 32 random bytes
        Assert.Single(await s.AuditAsync(), a => a.Action == "request.answer_downloaded");
        await s.AssertAuditHoldsNoneOfAsync(token, late!);
        await s.AssertAuditVerifiesAsync();
    }

    /// <summary>The status (and with it any answer) needs the request's live session: none, another request's, or an expired one gets one identical 401.</summary>
    [Theory, AllEngines]
    public async Task A13_Status_NeedsThisRequestsLiveSession(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);
        var (mine, myToken) = await s.SubmitAndVerifyAsync(AttackServer.VictimEmail);
        var (_, otherToken) = await s.SubmitAndVerifyAsync("other.requester@person.example");

        var withMine = await s.StatusAsync(mine, myToken);
        var without = await s.StatusAsync(mine, null);
        var withOthers = await s.StatusAsync(mine, otherToken);
        s.Time.Advance(TimeSpan.FromMinutes(61));
        var expired = await s.StatusAsync(mine, myToken);

        Assert.Equal(HttpStatusCode.OK, withMine.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, without.Status);
        Assert.Equal(without.Comparable(), withOthers.Comparable());
        Assert.Equal(without.Comparable(), expired.Comparable());
        AttackServer.AssertNothingOfVictim(withMine.Body + without.Body);
        Assert.Contains(without.Headers, h => h.StartsWith("WWW-Authenticate: Bearer", StringComparison.Ordinal));
    }
}
