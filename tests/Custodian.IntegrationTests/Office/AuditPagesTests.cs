using System.Net;
using System.Text.RegularExpressions;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Audit;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.IntegrationTests.Office;

/// <summary>The audit pages over real HTTP on both engines: search, keyset paging, an entry with its proof, verify and export.</summary>
public sealed partial class AuditPagesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Appends <paramref name="count"/> events of <paramref name="action"/> by <c>cli:page-test</c>, each on its own object.</summary>
    private static async Task AppendAsync(CustodianServer server, string action, int count)
    {
        var trail = server.Services.GetRequiredService<IAuditTrail>();
        await using var db = server.Database.CreateContext();
        for (var i = 0; i < count; i++)
        {
            await using var tx = await db.Database.BeginTransactionAsync(Ct);
            await trail.AppendAsync(db, new AuditEntry(action, new AuditActor(AuditActorKind.Cli, "cli:page-test"), null, [new AuditObject("thing", $"thing-{i}")]), Ct);
            await tx.CommitAsync(Ct);
        }
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string page, string? handler, bool withToken = true)
    {
        var html = await client.GetStringAsync(new Uri(page, UriKind.Relative), Ct);
        var fields = new Dictionary<string, string>();
        if (withToken)
        {
            fields["__RequestVerificationToken"] = WebUtility.HtmlDecode(TokenPattern().Match(html).Groups[1].Value);
        }

        using var content = new FormUrlEncodedContent(fields);
        return await client.PostAsync(new Uri(page + (handler is null ? "" : "?handler=" + handler), UriKind.Relative), content, Ct);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    [Theory, AllEngines]
    public async Task AuditPages_OpenForTheRolesHoldingTheirPermission_403ForTheOthers(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(engine);
        var seed = await OfficeSeed.SeedAsync(server);
        await AppendAsync(server, "test.happened", 1);

        await seed.AssertRolesAsync("/office/audit", Permissions.AuditRead);
        await seed.AssertRolesAsync("/office/audit/entries/1", Permissions.AuditRead);
        await seed.AssertRolesAsync("/office/audit/verify", Permissions.AuditVerify);
    }

    [Theory, AllEngines]
    public async Task Search_ByActionAndActor_Filters_AndPagesOlderByBefore(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(engine);
        var seed = await OfficeSeed.SeedAsync(server);
        await AppendAsync(server, "test.happened", AuditSearch.DefaultLimit + 5);
        await AppendAsync(server, "test.other", 2);
        using var client = await seed.LogInAsync(StaffRoles.Auditor);

        var first = await OfficeSeed.MainAsync(client, "/office/audit?actorKind=cli&actorId=cli:page-test&action=test.happened");
        var rows = first.QuerySelectorAll("[data-testid=audit-events] tbody tr");
        Assert.Equal(AuditSearch.DefaultLimit, rows.Length);
        Assert.All(rows, r => Assert.Equal("test.happened", r.Children[3].TextContent.Trim()));
        Assert.Equal("cli", first.QuerySelector("#actorKind option[selected]")!.GetAttribute("value"));
        Assert.Equal("test.happened", first.QuerySelector("#action")!.GetAttribute("value"));
        var next = first.QuerySelector("a[rel=next]")!.GetAttribute("href")!;
        Assert.Contains("action=test.happened", next, StringComparison.Ordinal);
        Assert.Contains("before=", next, StringComparison.Ordinal);

        var second = await OfficeSeed.MainAsync(client, next);
        var older = second.QuerySelectorAll("[data-testid=audit-events] tbody tr");
        Assert.Equal(5, older.Length);
        Assert.Null(second.QuerySelector("a[rel=next]"));
        var seqs = rows.Concat(older).Select(r => long.Parse(r.Children[0].TextContent, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(seqs.OrderDescending(), seqs);
        Assert.Equal(seqs.Count, seqs.Distinct().Count());

        var byObject = await OfficeSeed.MainAsync(client, "/office/audit?objectType=thing&objectId=thing-1");
        Assert.Equal(2, byObject.QuerySelectorAll("[data-testid=audit-events] tbody tr").Length); // one of each action
        var tomorrow = TimeProvider.System.GetUtcNow().AddDays(2).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.NotNull((await OfficeSeed.MainAsync(client, "/office/audit?from=" + tomorrow)).QuerySelector("[data-testid=no-events]"));
    }

    [Theory, AllEngines]
    public async Task Entry_ShowsTheEvent_AndItsInclusionProofAfterACheckpointExport(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(engine);
        var seed = await OfficeSeed.SeedAsync(server);
        await AppendAsync(server, "test.happened", 3);
        using var client = await seed.LogInAsync(StaffRoles.PrivacyOfficer);

        var before = await OfficeSeed.MainAsync(client, "/office/audit/entries/2");
        Assert.Contains("test.happened", before.QuerySelector("[data-testid=audit-entry]")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("thing-1", before.TextContent, StringComparison.Ordinal);
        // (No assertion on "no checkpoint yet": the host's checkpoint timer may sign one at any minute.)

        using (var download = await PostAsync(client, "/office/audit/verify", "Checkpoint"))
        {
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            Assert.Equal("text/plain", download.Content.Headers.ContentType?.MediaType);
            Assert.StartsWith("custodian-audit-checkpoint-", download.Content.Headers.ContentDisposition?.FileName?.Trim('"'), StringComparison.Ordinal);
            Assert.Contains("\u2014 ", await download.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal); // a signed note's signature line
        }

        var after = await OfficeSeed.MainAsync(client, "/office/audit/entries/2");
        Assert.NotNull(after.QuerySelector("[data-testid=inclusion]"));
        Assert.NotEmpty(after.QuerySelectorAll("ol.proof li"));
        var (status, _) = await OfficeSeed.GetAsync(client, "/office/audit/entries/999999");
        Assert.Equal(HttpStatusCode.NotFound, status);
    }

    [Theory, AllEngines]
    public async Task Verify_Post_ShowsAnIntactChain_RecordsIt_AndTheDashboardShowsIt(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(engine);
        var seed = await OfficeSeed.SeedAsync(server);
        await AppendAsync(server, "test.happened", 3);
        using var client = await seed.LogInAsync(StaffRoles.Administrator);

        using var response = await PostAsync(client, "/office/audit/verify", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync(Ct);
        Assert.Contains("De keten is in orde", html, StringComparison.Ordinal);
        await using (var db = server.Database.CreateContext())
        {
            Assert.Equal(1, await db.Set<AuditVerificationRecord>().CountAsync(Ct));
        }

        var dashboard = await OfficeSeed.MainAsync(client, "/office/dashboard");
        Assert.Contains(": in orde", dashboard.QuerySelector("[data-testid=audit-status]")!.TextContent, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Checkpoint")]
    public async Task Verify_PostWithoutAntiforgeryToken_Is400_AndDoesNothing(string? handler)
    {
        await using var server = await CustodianServer.StartAsync(Engine.Sqlite);
        var seed = await OfficeSeed.SeedAsync(server);
        using var client = await seed.LogInAsync(StaffRoles.Auditor);
        await using var db = server.Database.CreateContext();
        var checkpoints = await db.Set<AuditCheckpoint>().CountAsync(Ct); // the background timer may have made one at start

        using var response = await PostAsync(client, "/office/audit/verify", handler, withToken: false);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, await db.Set<AuditVerificationRecord>().CountAsync(Ct));
        Assert.Equal(checkpoints, await db.Set<AuditCheckpoint>().CountAsync(Ct));
    }

    [Fact]
    public async Task AuditPages_Get_ChangesNothing()
    {
        await using var server = await CustodianServer.StartAsync(Engine.Sqlite);
        var seed = await OfficeSeed.SeedAsync(server);
        await AppendAsync(server, "test.happened", 2);
        using var client = await seed.LogInAsync(StaffRoles.PrivacyOfficer);

        async Task<string> StateAsync()
        {
            await using var db = server.Database.CreateContext();
            return string.Join('|',
                await db.Set<AuditEvent>().CountAsync(Ct),
                await db.Set<AuditVerificationRecord>().CountAsync(Ct),
                await db.Set<AuditCheckpoint>().CountAsync(Ct));
        }

        var before = await StateAsync();
        foreach (var path in new[] { "/office/audit", "/office/audit?action=test.happened", "/office/audit/entries/1", "/office/audit/verify", "/office/dashboard" })
        {
            await OfficeSeed.MainAsync(client, path);
        }

        Assert.Equal(before, await StateAsync());
    }
}
