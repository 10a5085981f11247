using System.Globalization;
using System.Net;
using Custodian.Core.Features.Requests;
using Custodian.Testing;
using Xunit;

namespace Custodian.IntegrationTests.Requests.Attacks;

/// <summary>
/// Attack A17 (security.md §1.2, §4.3, G4.4): floods of requests and notification bombing, through the real HTTP API
/// on one server instance (the limits are counted in the database, so they hold across instances too).
/// </summary>
public sealed class A17_VolumeTests
{
    [Theory, AllEngines]
    public async Task A17_PerClientLimit_429WithRetryAfterExactlyAfterTheLimit(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);
        var before = await s.CountsAsync();

        var answers = new List<ApiAnswer>();
        for (var i = 0; i <= RequestRateLimits.SubmissionsPerClientPerHour + 1; i++)
        {
            answers.Add(await s.SubmitAsync($"flood{i}@person.example"));
        }

        s.NextHour();
        var nextHour = await s.SubmitAsync("after.the.hour@person.example");

        Assert.All(answers.Take(RequestRateLimits.SubmissionsPerClientPerHour), a => Assert.Equal(HttpStatusCode.Accepted, a.Status));
        foreach (var refused in answers.Skip(RequestRateLimits.SubmissionsPerClientPerHour))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.Status);
            Assert.Equal("request.rate_limited", refused.ProblemCode);
            var retryAfter = refused.Headers.Single(h => h.StartsWith("Retry-After: ", StringComparison.Ordinal));
            Assert.Equal(3600, int.Parse(retryAfter["Retry-After: ".Length..], CultureInfo.InvariantCulture));
        }

        Assert.Equal(HttpStatusCode.Accepted, nextHour.Status);
        Assert.Equal(RequestRateLimits.SubmissionsPerClientPerHour + 1, s.Mails().Count);
        AttackServer.AssertStoreUnchanged(before, await s.CountsAsync());
        var actions = (await s.AuditAsync()).Select(a => a.Action).ToList();
        Assert.Equal(2, actions.Count(a => a == "request.rate_limited"));
        await s.AssertAuditHoldsNoneOfAsync("127.0.0.1", "flood0@person.example");
        await s.AssertAuditVerifiesAsync();
    }

    /// <summary>
    /// Notification bombing: many requests for one mailbox, spelt in every case (the same mailbox), from a fresh
    /// client window each time. The answers stay identical (no oracle), but the mailbox gets at most the per-subject
    /// number of messages in 24 hours.
    /// </summary>
    [Theory, AllEngines]
    public async Task A17_ManyRequestsForOneMailbox_MessagesCapped(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);
        var spellings = new[]
        {
            "jan.victim@person.example", "Jan.Victim@person.example", "JAN.VICTIM@person.example", "jan.Victim@person.example",
            "Jan.victim@person.example", "jAn.victim@person.example", "jaN.victim@person.example", "jan.vIctim@person.example",
        };

        var answers = new List<ApiAnswer>();
        foreach (var spelling in spellings)
        {
            s.NextHour();
            answers.Add(await s.SubmitAsync(spelling));
        }

        Assert.All(answers, a => Assert.Equal(answers[0].Comparable(), a.Comparable()));
        var delivered = s.Mails().Count(m => m.To.Mailboxes.Any(a => string.Equals(a.Address, AttackServer.VictimEmail, StringComparison.OrdinalIgnoreCase)));
        Assert.Equal(RequestRateLimits.RequestsPerSubjectPerDay, delivered);
        var actions = (await s.AuditAsync()).Select(a => a.Action).ToList();
        Assert.Equal(spellings.Length, actions.Count(a => a == "request.received"));
        Assert.Equal(spellings.Length - RequestRateLimits.RequestsPerSubjectPerDay, actions.Count(a => a == "request.rate_limited"));
        await s.AssertAuditHoldsNoneOfAsync(AttackServer.VictimEmail);
        await s.AssertAuditVerifiesAsync();
    }
}
