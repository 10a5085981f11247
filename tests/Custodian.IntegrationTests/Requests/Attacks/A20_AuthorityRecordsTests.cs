using System.Net;
using Custodian.Testing;
using Xunit;

namespace Custodian.IntegrationTests.Requests.Attacks;

/// <summary>
/// Attack A20 (security.md §1.2; ACC-5): lawful-intercept or disclosure records leaking into an answer. The victim's
/// records are under an authority hold (a preservation order with a reference and a reason). Through the real HTTP
/// status API (the timeline) and the server's own <c>AccessReportBuilder</c> (JSON and HTML): neither the hold, its
/// basis, its reference nor its reason appears anywhere. (<c>supervisory_authority</c> is not searched for: it is
/// also the name of the report's complaint-authority field, Art. 15(1)(f).)
/// </summary>
public sealed class A20_AuthorityRecordsTests
{
    private static readonly string[] Secrets =
    [
        AttackServer.HoldReference, AttackServer.HoldReason, "Zeewolf", "126n", "preservation", "criminal_investigation",
        "OM-",
    ];

    [Theory, AllEngines]
    public async Task A20_AuthorityHold_NeverInTheReportJsonHtmlOrTimeline(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);
        var (reference, token) = await s.SubmitAndVerifyAsync(AttackServer.VictimEmail);
        var subject = AttackServer.SubjectOf(await s.RequestAsync(reference));

        var status = await s.StatusAsync(reference, token);
        var (report, json, html) = await s.ReportAsync(subject);

        Assert.Equal(HttpStatusCode.OK, status.Status);
        Assert.True(report.DataProcessed); // the held records themselves are the person's and are shown
        foreach (var secret in Secrets)
        {
            Assert.DoesNotContain(secret, status.Body, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(secret, json, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(secret, html, StringComparison.OrdinalIgnoreCase);
        }
    }
}
