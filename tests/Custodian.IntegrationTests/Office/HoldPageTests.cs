using System.Net;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Tenancy;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace Custodian.IntegrationTests.Office;

/// <summary>A hold's page and its extend/release forms over real HTTP: the API's rules, antiforgery, permissions.</summary>
public sealed class HoldPageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Day(int daysFromNow) =>
        TimeProvider.System.GetUtcNow().AddDays(daysFromNow).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    [Theory, AllEngines]
    public async Task PrivacyOfficer_ExtendsThenReleasesAProviderHold_EachAudited(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(engine);
        var seed = await OfficeSeed.SeedAsync(server);
        using var client = await seed.LogInAsync(StaffRoles.PrivacyOfficer);
        var page = $"/office/retention/holds/{seed.AlphaHoldId}";

        using (var extend = await OfficeSeed.PostAsync(client, page, "Extend", new() { ["endsOn"] = Day(60) }))
        {
            Assert.Equal(HttpStatusCode.Found, extend.StatusCode);
            Assert.Equal(page + "?done=extended", extend.Headers.Location?.OriginalString);
        }

        var extended = await OfficeSeed.MainAsync(client, page + "?done=extended");
        Assert.Equal("De hold is verlengd.", extended.QuerySelector("[data-testid=hold-done]")!.TextContent);
        using (var release = await OfficeSeed.PostAsync(client, page, "Release", new() { ["reason"] = "Geschil geschikt" }))
        {
            Assert.Equal(HttpStatusCode.Found, release.StatusCode);
        }

        var released = await OfficeSeed.MainAsync(client, page);
        Assert.Equal("opgeheven", released.QuerySelector("[data-testid=hold-status]")!.TextContent);
        Assert.Null(released.QuerySelector("form[action*=Release]"));
        await using var db = server.Database.CreateContext();
        db.ScopeTo(TenantScope.Everything);
        var hold = await db.LegalHolds.SingleAsync(h => h.Id == seed.AlphaHoldId, Ct);
        Assert.Equal(1, hold.ExtensionCount);
        Assert.NotNull(hold.ReleasedAt);
        var actions = await db.Set<AuditEvent>().Select(e => e.Action).ToListAsync(Ct);
        Assert.Contains("hold.extended", actions);
        Assert.Contains("hold.released", actions);
    }

    [Theory, AllEngines]
    public async Task ClientContact_CannotReleaseAProviderHold_AndOtherHoldsDoNotExistForIt(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(engine);
        var seed = await OfficeSeed.SeedAsync(server);
        using var client = await seed.LogInAsync(StaffRoles.ClientPrivacyContact, seed.Alpha);
        var page = $"/office/retention/holds/{seed.AlphaHoldId}";

        using var release = await OfficeSeed.PostAsync(client, page, "Release", new() { ["reason"] = "Niet meer nodig" });

        Assert.Equal(HttpStatusCode.OK, release.StatusCode);
        Assert.Contains("alleen de provider kan hem verlengen of opheffen", await release.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await OfficeSeed.GetAsync(client, $"/office/retention/holds/{seed.BetaHoldId}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await OfficeSeed.GetAsync(client, $"/office/retention/holds/{seed.AuthorityHoldId}")).Status);
        await using var db = server.Database.CreateContext();
        db.ScopeTo(TenantScope.Everything);
        Assert.Null((await db.LegalHolds.SingleAsync(h => h.Id == seed.AlphaHoldId, Ct)).ReleasedAt);
    }

    [Theory, AllEngines]
    public async Task AuthorityHold_IsNotFoundForThePrivacyOfficer_AndOpensForTheLawfulOfficer(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(engine);
        var seed = await OfficeSeed.SeedAsync(server);
        using var officer = await seed.LogInAsync(StaffRoles.PrivacyOfficer);
        using var lawful = await seed.LogInAsync(StaffRoles.LawfulDisclosureOfficer);
        var page = $"/office/retention/holds/{seed.AuthorityHoldId}";

        Assert.Equal(HttpStatusCode.NotFound, (await OfficeSeed.GetAsync(officer, page)).Status);
        Assert.Contains(OfficeSeed.AuthorityReason, (await OfficeSeed.MainAsync(lawful, page)).TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Auditor_ReadsTheHold_WithoutForms_AndAPostIs403()
    {
        await using var server = await CustodianServer.StartAsync(Engine.Sqlite);
        var seed = await OfficeSeed.SeedAsync(server);
        using var client = await seed.LogInAsync(StaffRoles.Auditor);
        var page = $"/office/retention/holds/{seed.AlphaHoldId}";

        var main = await OfficeSeed.MainAsync(client, page);
        Assert.Empty(main.QuerySelectorAll("form"));
        using var release = await OfficeSeed.PostAsync(client, page, "Release", new() { ["reason"] = "x" });
        Assert.Equal(HttpStatusCode.Forbidden, release.StatusCode);
    }

    [Theory]
    [InlineData("Extend")]
    [InlineData("Release")]
    public async Task Post_WithoutAntiforgeryToken_Is400_AndChangesNothing(string handler)
    {
        await using var server = await CustodianServer.StartAsync(Engine.Sqlite);
        var seed = await OfficeSeed.SeedAsync(server);
        using var client = await seed.LogInAsync(StaffRoles.PrivacyOfficer);

        using var response = await OfficeSeed.PostAsync(
            client, $"/office/retention/holds/{seed.AlphaHoldId}", handler, new() { ["endsOn"] = Day(60), ["reason"] = "x" }, withToken: false);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await using var db = server.Database.CreateContext();
        db.ScopeTo(TenantScope.Everything);
        var hold = await db.LegalHolds.SingleAsync(h => h.Id == seed.AlphaHoldId, Ct);
        Assert.Equal(0, hold.Version);
        Assert.Null(hold.ReleasedAt);
    }
}
