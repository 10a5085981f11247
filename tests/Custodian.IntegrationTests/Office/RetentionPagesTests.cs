using System.Net;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Tenancy;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Office;

/// <summary>The retention overview, receipts and holds pages over real HTTP on both engines.</summary>
public sealed class RetentionPagesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task RetentionPages_OpenForTheRolesHoldingTheirPermission_403ForTheOthers(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(engine);
        var seed = await OfficeSeed.SeedAsync(server);

        await seed.AssertRolesAsync("/office/retention", Permissions.RetentionRead);
        await seed.AssertRolesAsync($"/office/retention/receipts/{seed.SweepId}", Permissions.RetentionRead);
        await seed.AssertRolesAsync("/office/retention/holds", Permissions.HoldsRead);
    }

    [Theory, AllEngines]
    public async Task Retention_Auditor_SeesOverviewWithRulesAndTheReceiptWithEveryOrganisation(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(engine);
        var seed = await OfficeSeed.SeedAsync(server);
        using var client = await seed.LogInAsync(StaffRoles.Auditor);

        var overview = await OfficeSeed.MainAsync(client, "/office/retention");
        var table = overview.QuerySelector("[data-testid=retention-overview]")!;
        Assert.NotNull(table.QuerySelector("caption"));
        var contact = table.QuerySelectorAll("tbody tr").Single(r => r.QuerySelector("th code")!.TextContent == RetentionTargets.ContactPerson);
        Assert.Contains("Bewaard door holds", table.QuerySelector("thead")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("tot het einde van de dienst", contact.Children[1].TextContent.Trim()); // the rule, in Dutch
        Assert.Equal("3", contact.Children[2].TextContent.Trim()); // Ann, Bob, Cas
        Assert.Contains("13.086", overview.QuerySelector("[data-testid=receipts]")!.TextContent, StringComparison.Ordinal);

        var receipt = await OfficeSeed.MainAsync(client, $"/office/retention/receipts/{seed.SweepId}");
        var deleted = receipt.QuerySelector("[data-testid=receipt-deleted]")!.TextContent;
        Assert.Contains(OfficeSeed.AlphaCode, deleted, StringComparison.Ordinal);
        Assert.Contains("4.321", deleted, StringComparison.Ordinal);
        Assert.Contains(OfficeSeed.BetaCode, deleted, StringComparison.Ordinal);
        Assert.Contains("8.765", deleted, StringComparison.Ordinal);
        Assert.Contains("3 dagen", deleted, StringComparison.Ordinal);
        Assert.Contains("777", receipt.QuerySelector("[data-testid=receipt-kept]")!.TextContent, StringComparison.Ordinal);
    }

    [Theory, AllEngines]
    public async Task Retention_ClientContact_SeesOnlyItsOwnLines_NoHoldCounts_NoOtherOrganisation(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(engine);
        var seed = await OfficeSeed.SeedAsync(server);
        using var client = await seed.LogInAsync(StaffRoles.ClientPrivacyContact, seed.Alpha);

        foreach (var path in new[] { "/office/retention", $"/office/retention/receipts/{seed.SweepId}", "/office/retention/holds" })
        {
            var (status, html) = await OfficeSeed.GetAsync(client, path);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.DoesNotContain("8.765", html, StringComparison.Ordinal);
            Assert.DoesNotContain("13.086", html, StringComparison.Ordinal);
            // As a number of its own: a receipt's id (a UUIDv7 in a link) may hold the digits.
            Assert.DoesNotMatch(@"(?<![0-9A-Za-z])777(?![0-9A-Za-z])", html);
            Assert.DoesNotContain(OfficeSeed.BetaCode, html, StringComparison.Ordinal);
            Assert.DoesNotContain(OfficeSeed.BetaReason, html, StringComparison.Ordinal);
            Assert.DoesNotContain(OfficeSeed.AuthorityReason, html, StringComparison.Ordinal);
            Assert.DoesNotContain("Bewaard door holds", html, StringComparison.Ordinal);
        }

        var receipt = await OfficeSeed.MainAsync(client, $"/office/retention/receipts/{seed.SweepId}");
        Assert.Contains("4.321", receipt.TextContent, StringComparison.Ordinal);
        Assert.Contains(OfficeSeed.AlphaCode, receipt.TextContent, StringComparison.Ordinal);
        var overview = await OfficeSeed.MainAsync(client, "/office/retention");
        var contact = overview.QuerySelectorAll("[data-testid=retention-overview] tbody tr").Single(r => r.QuerySelector("th code")!.TextContent == RetentionTargets.ContactPerson);
        Assert.Equal("1", contact.Children[2].TextContent.Trim()); // Ann only
        var holds = await OfficeSeed.MainAsync(client, "/office/retention/holds");
        Assert.Contains(OfficeSeed.AlphaReason, holds.TextContent, StringComparison.Ordinal);
    }

    [Theory, AllEngines]
    public async Task Holds_AuthorityHold_OnlyForTheLawfulDisclosureOfficer(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(engine);
        var seed = await OfficeSeed.SeedAsync(server);
        using var officer = await seed.LogInAsync(StaffRoles.PrivacyOfficer);
        using var lawful = await seed.LogInAsync(StaffRoles.LawfulDisclosureOfficer);

        var mine = (await OfficeSeed.MainAsync(officer, "/office/retention/holds")).TextContent;
        var theirs = (await OfficeSeed.MainAsync(lawful, "/office/retention/holds")).TextContent;

        Assert.Contains(OfficeSeed.AlphaReason, mine, StringComparison.Ordinal);
        Assert.Contains(OfficeSeed.BetaReason, mine, StringComparison.Ordinal);
        Assert.Contains("Organisatie " + OfficeSeed.BetaCode, mine, StringComparison.Ordinal);
        Assert.DoesNotContain(OfficeSeed.AuthorityReason, mine, StringComparison.Ordinal);
        Assert.DoesNotContain("Strafrechtelijk onderzoek", mine, StringComparison.Ordinal);
        Assert.Contains(OfficeSeed.AuthorityReason, theirs, StringComparison.Ordinal);
        Assert.Contains("Strafrechtelijk onderzoek", theirs, StringComparison.Ordinal);
    }

    [Theory, AllEngines]
    public async Task Receipt_UnknownId_Is404_AndReceiptsPage(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(engine);
        var seed = await OfficeSeed.SeedAsync(server);
        await using (var db = server.Database.CreateContext())
        {
            db.ScopeTo(TenantScope.Everything);
            var start = Instant.FromDateTimeOffset(TimeProvider.System.GetUtcNow()) - Duration.FromDays(40);
            for (var i = 0; i < 20; i++)
            {
                var at = start + Duration.FromHours(i);
                db.Set<RetentionSweepRun>().Add(new RetentionSweepRun { Cutoff = at, StartedAt = at, FinishedAt = at, State = RetentionSweepRun.Completed });
            }

            await db.SaveChangesAsync(Ct);
        }

        using var client = await seed.LogInAsync(StaffRoles.PrivacyOfficer);
        var (status, _) = await OfficeSeed.GetAsync(client, $"/office/retention/receipts/{Guid.CreateVersion7()}");
        Assert.Equal(HttpStatusCode.NotFound, status);

        var first = await OfficeSeed.MainAsync(client, "/office/retention");
        Assert.Equal(20, first.QuerySelectorAll("[data-testid=receipts] tbody tr").Length);
        var next = first.QuerySelector("a[rel=next]")!.GetAttribute("href")!;
        var second = await OfficeSeed.MainAsync(client, next);
        Assert.Single(second.QuerySelectorAll("[data-testid=receipts] tbody tr"));
        Assert.Null(second.QuerySelector("a[rel=next]"));
    }

    [Fact]
    public async Task RetentionPages_Get_ChangesNothing_ButTheHoldListingIsAudited()
    {
        await using var server = await CustodianServer.StartAsync(Engine.Sqlite);
        var seed = await OfficeSeed.SeedAsync(server);
        using var client = await seed.LogInAsync(StaffRoles.PrivacyOfficer);

        async Task<(string State, List<string> Actions)> StateAsync()
        {
            await using var db = server.Database.CreateContext();
            db.ScopeTo(TenantScope.Everything);
            var state = string.Join('|',
                await db.LegalHolds.CountAsync(Ct),
                await db.Set<RetentionSweepRun>().CountAsync(Ct),
                await db.ContactPersons.CountAsync(Ct),
                await db.StaffSessions.CountAsync(Ct),
                string.Join(',', await db.LegalHolds.OrderBy(h => h.Id).Select(h => h.Version).ToListAsync(Ct)));
            return (state, await db.Set<AuditEvent>().OrderBy(e => e.Seq).Select(e => e.Action).ToListAsync(Ct));
        }

        var before = await StateAsync();
        foreach (var path in new[] { "/office/retention", $"/office/retention/receipts/{seed.SweepId}", "/office/retention/holds" })
        {
            await OfficeSeed.MainAsync(client, path);
        }

        var after = await StateAsync();
        Assert.Equal(before.State, after.State);
        Assert.Equal(["hold.listed"], after.Actions.Skip(before.Actions.Count));
    }
}
