using System.Text;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Requests.Answers;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Requests.Answers;

public sealed class RequestAnswersTests
{
    private static readonly byte[] Content = Encoding.UTF8.GetBytes("<!DOCTYPE html><p>report</p>");

    private static async Task<(AnswersFixture F, RequestAnswer Answer, Guid RequestId)> StoreAsync(Engine engine)
    {
        var f = await AnswersFixture.CreateAsync(engine, withData: false);
        var requestId = Guid.NewGuid();
        var expires = Instant.FromDateTimeOffset(f.Import.Time.GetUtcNow()) + Duration.FromDays(30);
        var answer = await f.Answers.StoreAsync(
            requestId, AnswerKind.AccessHtml, "access-report.html", "text/html", new MemoryStream(Content), expires, TestContext.Current.CancellationToken);
        return (f, answer, requestId);
    }

    private static async Task<byte[]> ReadAsync(Stream s)
    {
        await using (s)
        {
            using var copy = new MemoryStream();
            await s.CopyToAsync(copy, TestContext.Current.CancellationToken);
            return copy.ToArray();
        }
    }

    [Theory, AllEngines]
    public async Task OpenAsync_TokenUsedTwice_FirstGivesContentSecondRefused(Engine engine)
    {
        var (f, answer, requestId) = await StoreAsync(engine);
        await using var _ = f;
        var ct = TestContext.Current.CancellationToken;
        var (token, error) = await f.Answers.IssueDownloadAsync(answer.Id, Duration.FromDays(7), ct);
        Assert.Null(error);
        Assert.Equal(43, token!.Length);

        var (first, firstError) = await f.Answers.OpenAsync(requestId, token, f.Actor, ct);
        var (second, secondError) = await f.Answers.OpenAsync(requestId, token, f.Actor, ct);

        Assert.Null(firstError);
        Assert.Equal(Content, await ReadAsync(first!.Content));
        Assert.Null(second);
        Assert.Equal("answer.link_used", secondError!.Code);
        await using var db = f.Context();
        Assert.Equal(1, await db.Set<AuditEvent>().CountAsync(e => e.Action == "request.answer_downloaded", ct));
        // Only the hash is stored.
        var stored = await db.Set<RequestAnswerDownload>().SingleAsync(ct);
        Assert.Equal(32, stored.TokenHash.Length);
        Assert.DoesNotContain(token, Convert.ToBase64String(stored.TokenHash), StringComparison.Ordinal);
    }

    [Theory, AllEngines]
    public async Task OpenAsync_ExpiredOrOtherRequest_Refused(Engine engine)
    {
        var (f, answer, requestId) = await StoreAsync(engine);
        await using var _ = f;
        var ct = TestContext.Current.CancellationToken;
        var (token, _) = await f.Answers.IssueDownloadAsync(answer.Id, Duration.FromHours(1), ct);

        var (_, other) = await f.Answers.OpenAsync(Guid.NewGuid(), token!, f.Actor, ct);
        var (_, garbage) = await f.Answers.OpenAsync(requestId, "not-a-token", f.Actor, ct);
        f.Import.Time.Advance(TimeSpan.FromHours(1));
        var (_, expired) = await f.Answers.OpenAsync(requestId, token!, f.Actor, ct);

        Assert.Equal("answer.link_invalid", other!.Code);
        Assert.Equal("answer.link_invalid", garbage!.Code);
        Assert.Equal("answer.link_expired", expired!.Code);
    }

    [Theory, AllEngines]
    public async Task IssueDownloadAsync_LongerThanSevenDays_Refused(Engine engine)
    {
        var (f, answer, _) = await StoreAsync(engine);
        await using var _ = f;

        var (token, error) = await f.Answers.IssueDownloadAsync(answer.Id, Duration.FromDays(7) + Duration.FromSeconds(1), TestContext.Current.CancellationToken);

        Assert.Null(token);
        Assert.Equal("answer.link_too_long", error!.Code);
    }

    [Theory, AllEngines]
    public async Task OpenAsync_TwoConcurrentOpens_ExactlyOneWins(Engine engine)
    {
        var (f, answer, requestId) = await StoreAsync(engine);
        await using var _ = f;
        var ct = TestContext.Current.CancellationToken;
        var (token, _) = await f.Answers.IssueDownloadAsync(answer.Id, Duration.FromDays(1), ct);

        var results = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(() => f.Answers.OpenAsync(requestId, token!, f.Actor, ct), ct)));

        Assert.Single(results, r => r.Answer is not null);
        Assert.Single(results, r => r.Error?.Code == "answer.link_used");
        foreach (var r in results.Where(r => r.Answer is not null))
        {
            await r.Answer!.Content.DisposeAsync();
        }
    }
}
