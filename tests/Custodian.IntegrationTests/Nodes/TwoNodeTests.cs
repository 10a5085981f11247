using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Requests;
using Custodian.Core.Features.Retention;
using Custodian.Features.Office;
using Custodian.Testing;
using Custodian.Testing.Retention;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Nodes;

/// <summary>
/// Issue 8 §3: two <c>serve</c> nodes on one PostgreSQL database behave as one deployment behind a load balancer without
/// stickiness (docs/several-nodes.md). PostgreSQL only: a SQLite file is one node by design.
/// </summary>
public sealed partial class TwoNodeTests(TwoNodes nodes) : IClassFixture<TwoNodes>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OfficeLogin_FormFromNodeAPostedToNodeB_SessionWorksOnBothNodes()
    {
        await StartAsync();
        var user = await CreateUserAsync();
        var cookies = new CookieContainer(); // one browser: cookies are per host, not per port
        using var a = nodes.A.Client(cookies);
        using var b = nodes.B.Client(cookies);

        // The login form (and its antiforgery cookie) from A, posted to B: B must accept A's token.
        var form = await a.GetStringAsync(new Uri("/office/login", UriKind.Relative), Ct);
        using var password = await PostAsync(b, "/office/login", Token(form), new() { ["login"] = user.Login, ["password"] = OfficeAccounts.Password });
        Assert.Equal(HttpStatusCode.Found, password.StatusCode);
        Assert.StartsWith("/office/login/code", password.Headers.Location?.OriginalString, StringComparison.Ordinal);

        // The second step's form from B, posted to A; A issues the session.
        var codeForm = await b.GetStringAsync(new Uri("/office/login/code", UriKind.Relative), Ct);
        var code = StaffTotp.Code(user.TotpSecret, TimeProvider.System.GetUtcNow());
        using var login = await PostAsync(a, "/office/login/code", Token(codeForm), new() { ["code"] = code });
        Assert.Equal(HttpStatusCode.Found, login.StatusCode);
        Assert.NotNull(OfficeAccounts.SetCookie(login, OfficeAuthentication.SessionCookie));

        foreach (var client in new[] { b, a })
        {
            using var office = await client.GetAsync(new Uri("/office", UriKind.Relative), Ct);
            Assert.Equal(HttpStatusCode.OK, office.StatusCode);
        }
    }

    /// <summary>The per-client intake limit is counted in the database: submissions to A and B add up (exact when sequential; ±1 under a race).</summary>
    [Fact]
    public async Task PortalIntake_SubmissionsSpreadOverBothNodes_LimitCountsAcrossNodes()
    {
        await StartAsync();
        var cookies = new CookieContainer();
        using var a = nodes.A.Client(cookies);
        using var b = nodes.B.Client(cookies);
        for (var i = 0; i < RequestRateLimits.SubmissionsPerClientPerHour; i++)
        {
            using var accepted = await (i % 2 == 0 ? a : b).PostAsJsonAsync("/api/v1/requests", new { type = "access", email = $"nodes{i}.tester@example.nl" }, Ct);
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }

        foreach (var client in new[] { a, b })
        {
            using var refused = await client.PostAsJsonAsync("/api/v1/requests", new { type = "access", email = "nodes-over.tester@example.nl" }, Ct);
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, "429 without Retry-After");
        }
    }

    /// <summary>
    /// A process killed mid-sweep holding the lease (the fixture's node C) is resumed by exactly one of the two nodes,
    /// no earlier than its lease's end and within one check interval after it, and the result is that of an
    /// uninterrupted sweep. Both nodes were due at once (the waiting sweep makes every node due), and exactly one ran it.
    /// </summary>
    [Fact]
    public async Task Sweep_NodeKilledMidSweep_ExactlyOneOtherNodeResumesWithinALeaseAndEndsLikeAnUninterruptedSweep()
    {
        await StartAsync();
        RetentionSweepRun? finished = null;
        var waiting = System.Diagnostics.Stopwatch.StartNew();
        while (finished is null && waiting.Elapsed < TimeSpan.FromSeconds(60))
        {
            await using (var db = nodes.Context())
            {
                if (!await db.Set<RetentionSweepRun>().AnyAsync(s => s.State == RetentionSweepRun.Running, Ct))
                {
                    finished = await db.Set<RetentionSweepRun>().AsNoTracking().OrderByDescending(s => s.StartedAt).FirstAsync(Ct);
                    break;
                }
            }

            await Task.Delay(100, Ct);
        }

        Assert.True(finished is not null, $"no node resumed the sweep. A: {nodes.A.Log} B: {nodes.B.Log}");
        Assert.Equal(2, finished.Attempts); // node C's start, and one resumption: not one per node
        var takeover = Assert.NotNull(nodes.Takeover);
        Assert.Matches("^node-[ab]:", takeover.Holder);
        Assert.True(takeover.At >= nodes.DeadLease.Until, $"taken over at {takeover.At}, before the dead lease ended at {nodes.DeadLease.Until}");
        var interval = Duration.FromSeconds(TwoNodes.LeaseSeconds / 3.0);
        var free = Instant.Max(nodes.DeadLease.Until, nodes.NodesUpAt); // a node cannot resume before it runs
        Assert.True(takeover.At <= free + interval + Duration.FromSeconds(2), $"taken over at {takeover.At}, more than a check interval after the dead lease ended ({nodes.DeadLease.Until}) and the nodes were up ({nodes.NodesUpAt})");

        var outcome = await SweepOutcome.ReadAsync(nodes.Copy.Services, Ct);
        Assert.Empty(outcome.Problems);
        Assert.Equal(nodes.Sweep.SweepsBefore + 1, outcome.Sweeps);
        if (outcome.CutoffDay == nodes.Sweep.Reference.CutoffDay)
        {
            Assert.Empty(outcome.DifferencesFrom(nodes.Sweep.Reference));
        }
    }

    private async Task StartAsync()
    {
        var server = await TestDatabase.RequirePostgresAsync();
        await nodes.StartAsync(server, Ct);
    }

    private async Task<OfficeUser> CreateUserAsync()
    {
        var secret = StaffTotp.NewSecret();
        var login = "nodes-" + Guid.NewGuid().ToString("N")[..8];
        await using var scope = nodes.Copy.Services.CreateAsyncScope();
        Assert.True(await scope.ServiceProvider.GetRequiredService<StaffAccounts>().EnsureDemoAsync(
            login, "Test Nodes", StaffRoles.Administrator, null, OfficeAccounts.Password, secret, new AuditActor(AuditActorKind.System, "test"), Ct));
        return new OfficeUser(login, OfficeAccounts.Password, StaffRoles.Administrator, secret);
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string path, string token, Dictionary<string, string> fields)
    {
        fields["__RequestVerificationToken"] = token;
        using var content = new FormUrlEncodedContent(fields);
        return await client.PostAsync(new Uri(path, UriKind.Relative), content, Ct);
    }

    private static string Token(string form)
    {
        var match = TokenPattern().Match(form);
        Assert.True(match.Success, "the form has no antiforgery token");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
