using System.Diagnostics;
using Custodian.Core.Features.Requests;
using Custodian.Core.Features.Store;
using Custodian.Testing;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Requests.Attacks;

/// <summary>
/// Attack A8 (security.md §1.2, §1.3 item 4): enumeration through the answer itself. Through the real HTTP API, the
/// answers for a person the store holds and for one it does not are compared byte for byte (status, headers other
/// than Date, body with the random reference and trace id masked), for submit, a wrong code and a wrong session.
/// </summary>
public sealed class A08_EnumerationTests
{
    private const int Runs = 20;

    [Theory, AllEngines]
    public async Task A08_Enumeration_KnownAndUnknownSubjectGetIdenticalAnswers(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);
        var before = await s.CountsAsync();

        var known = await s.SubmitAsync(AttackServer.VictimEmail);
        var unknown = await s.SubmitAsync("nobody.at.all@person.example");
        var knownWrong = await s.VerifyAsync(known.Reference!, Wrong(s.CodeFor(known.Reference!)!));
        var unknownWrong = await s.VerifyAsync(unknown.Reference!, Wrong(s.CodeFor(unknown.Reference!)!));
        var noSuchReference = await s.VerifyAsync(RequestReferences.New(), "123456");
        var knownStatus = await s.StatusAsync(known.Reference!, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        var unknownStatus = await s.StatusAsync(unknown.Reference!, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        var noSuchStatus = await s.StatusAsync(RequestReferences.New(), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");

        Assert.Equal(known.Comparable(), unknown.Comparable());
        Assert.Equal(knownWrong.Comparable(), unknownWrong.Comparable());
        Assert.Equal(knownWrong.Comparable(), noSuchReference.Comparable());
        Assert.Equal(knownStatus.Comparable(), unknownStatus.Comparable());
        Assert.Equal(knownStatus.Comparable(), noSuchStatus.Comparable());
        AttackServer.AssertNothingOfVictim(known.Comparable() + knownWrong.Comparable() + knownStatus.Comparable());
        // Both got a code: the submission sends one to whatever address was given, known or not.
        Assert.Single(s.MailsTo(AttackServer.VictimEmail));
        Assert.Single(s.MailsTo("nobody.at.all@person.example"));
        AttackServer.AssertStoreUnchanged(before, await s.CountsAsync());
        var actions = (await s.AuditAsync()).Select(a => a.Action).ToList();
        Assert.Equal(2, actions.Count(a => a == "request.received"));
        Assert.Equal(2, actions.Count(a => a == "request.verification_failed"));
        await s.AssertAuditHoldsNoneOfAsync(AttackServer.VictimEmail, "nobody.at.all@person.example");
        await s.AssertAuditVerifiesAsync();
    }

    /// <summary>
    /// Time: the submission never looks the person up (RequestIntake's remarks), so a known subject costs the same
    /// work. Medians of <see cref="Runs"/> interleaved submissions each; the bound is generous (2x + 25 ms) because
    /// a shared 2-core CI box is noisy: it catches a lookup-shaped difference, not microseconds.
    /// </summary>
    [Theory, AllEngines]
    public async Task A08_Enumeration_KnownSubjectNotMeasurablySlower(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);
        await using (var db = s.Context())
        {
            var now = Instant.FromDateTimeOffset(s.Time.GetUtcNow());
            for (var i = 0; i < Runs; i++)
            {
                db.ContactPersons.Add(new ContactPerson { OrganizationId = s.Alpha, Name = $"Known {i}", Email = $"known{i}@person.example", Role = "general", CreatedAt = now });
            }

            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        await s.SubmitAsync("warm.up@person.example"); // JIT and connection pools
        var known = new List<double>();
        var unknown = new List<double>();
        for (var i = 0; i < Runs; i++)
        {
            s.NextHour(); // two submissions per window, well under the per-client limit
            known.Add(await TimeAsync(() => s.SubmitAsync($"known{i}@person.example")));
            unknown.Add(await TimeAsync(() => s.SubmitAsync($"unknown{i}@person.example")));
        }

        var knownMedian = Median(known);
        var unknownMedian = Median(unknown);
        Assert.True(knownMedian <= (2 * unknownMedian) + 25, $"known {knownMedian:F1} ms vs unknown {unknownMedian:F1} ms");
    }

    private static async Task<double> TimeAsync(Func<Task<ApiAnswer>> submit)
    {
        var watch = Stopwatch.StartNew();
        var answer = await submit();
        watch.Stop();
        Assert.Equal(System.Net.HttpStatusCode.Accepted, answer.Status);
        return watch.Elapsed.TotalMilliseconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return (sorted[(sorted.Count - 1) / 2] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Wrong(string code) => code == "000000" ? "000001" : "000000";
}
