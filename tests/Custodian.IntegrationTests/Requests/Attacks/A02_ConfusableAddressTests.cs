using System.Net;
using Custodian.Testing;
using Xunit;

namespace Custodian.IntegrationTests.Requests.Attacks;

/// <summary>
/// Attack A2 (security.md §1.2): a spoofed sender or a look-alike address. Through the real HTTP API; the access
/// reports through the server's own <c>AccessReportBuilder</c>. A request stands for exactly the address it was filed
/// with (as <c>Email.Normalize</c> canonicalises it, compared case-insensitively): a Cyrillic letter, dots or a plus
/// tag in the local part, or a look-alike domain is somebody else's mailbox and finds nothing of the victim.
/// </summary>
public sealed class A02_ConfusableAddressTests
{
    public static TheoryData<string> Confusables { get; } =
    [
        "j\u0430n.victim@person.example",   // Cyrillic 'а' (U+0430) for the Latin 'a'
        "janvictim@person.example",         // dots folded away (Gmail-style), not the same address here
        "j.a.n.victim@person.example",
        "jan.victim+dsr@person.example",    // plus tag
        "jan.victim@perso\u043F.example",   // Cyrillic 'п' in the domain
        "jan.victim@pers0n.example",        // look-alike domain
        "jan.victim@person.example.evil.example",
    ];

    [Theory, AllEngines]
    public async Task A02_ConfusableAddresses_NeverMatchTheVictim(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);
        var before = await s.CountsAsync();
        var auditBefore = (await s.AuditAsync()).Count;
        var accepted = 0;

        foreach (var address in Confusables)
        {
            if (accepted % 5 == 4)
            {
                s.NextHour();
            }

            var answer = await s.SubmitAsync(address);
            if (answer.Status != HttpStatusCode.Accepted)
            {
                // Refused as not an address at all: equally safe, and says nothing about the victim.
                Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
                AttackServer.AssertNothingOfVictim(answer.Body);
                continue;
            }

            accepted++;
            var request = await s.RequestAsync(answer.Reference!);
            Assert.NotEqual(AttackServer.VictimEmail, request.IdentifierValue, StringComparer.OrdinalIgnoreCase);
            Assert.NotEqual(AttackServer.VictimEmail, s.RecipientOf(answer.Reference!), StringComparer.OrdinalIgnoreCase);
            var (report, json, _) = await s.ReportAsync(AttackServer.SubjectOf(request));
            Assert.False(report.DataProcessed, address);
            AttackServer.AssertNothingOfVictim(json);
        }

        Assert.True(accepted >= 5, "most look-alikes are valid addresses and must be tested as such");
        Assert.Empty(s.MailsTo(AttackServer.VictimEmail));
        AttackServer.AssertStoreUnchanged(before, await s.CountsAsync());
        var actions = await s.AuditActionsSinceAsync(auditBefore);
        Assert.Equal(accepted, actions.Count(a => a == "request.received"));
        await s.AssertAuditHoldsNoneOfAsync([.. Confusables, AttackServer.VictimEmail]);
        await s.AssertAuditVerifiesAsync();
    }

    /// <summary>Upper case in an address is the same mailbox: the code goes there and the request finds the victim's data.</summary>
    [Theory, AllEngines]
    public async Task A02_CaseVariant_SameMailboxMatches(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);

        var answer = await s.SubmitAsync("Jan.Victim@Person.EXAMPLE");

        Assert.Equal(HttpStatusCode.Accepted, answer.Status);
        Assert.Equal(AttackServer.VictimEmail, s.RecipientOf(answer.Reference!), StringComparer.OrdinalIgnoreCase);
        var request = await s.RequestAsync(answer.Reference!);
        var (report, _, _) = await s.ReportAsync(AttackServer.SubjectOf(request));
        Assert.True(report.DataProcessed);
    }

    /// <summary>
    /// A spoofed sender: the API has no sender; an HTTP <c>From</c> header naming the victim is ignored and the code
    /// goes only to the address in the body.
    /// </summary>
    [Theory, AllEngines]
    public async Task A02_SpoofedFromHeader_Ignored(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);
        using var message = new HttpRequestMessage(HttpMethod.Post, "/api/v1/requests")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { type = "access", email = "attacker@evil.example" }),
        };
        message.Headers.From = AttackServer.VictimEmail;
        message.Headers.Add("Reply-To", AttackServer.VictimEmail);

        using var response = await s.Server.Client.SendAsync(message, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Empty(s.MailsTo(AttackServer.VictimEmail));
        Assert.Single(s.MailsTo("attacker@evil.example"));
        await s.AssertAuditHoldsNoneOfAsync(AttackServer.VictimEmail, "attacker@evil.example");
    }
}
