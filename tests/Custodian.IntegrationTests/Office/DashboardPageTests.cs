using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Requests;
using Custodian.Testing;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Office;

/// <summary>The dashboard page over real HTTP: who may open it, what it shows, and that a client contact sees its own figures only.</summary>
public sealed class DashboardPageTests
{
    [Theory, AllEngines]
    public async Task Dashboard_EveryRoleMayOpenIt_AnonymousIsSentToLogin(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(engine);
        var seed = await OfficeSeed.SeedAsync(server);

        await seed.AssertRolesAsync("/office/dashboard", Permissions.DashboardRead);
    }

    [Theory, AllEngines]
    public async Task Dashboard_PrivacyOfficer_SeesRetentionChartSweepsAndAuditStatus(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(engine);
        var seed = await OfficeSeed.SeedAsync(server);
        using var client = await seed.LogInAsync(StaffRoles.PrivacyOfficer);

        var main = await OfficeSeed.MainAsync(client, "/office/dashboard");

        Assert.Equal("Dashboard", main.QuerySelector("h1")!.TextContent);
        var status = main.QuerySelector("[data-testid=retention-status]")!;
        Assert.Contains("Bewaard door holds", status.QuerySelector("thead")!.TextContent, StringComparison.Ordinal);
        Assert.NotNull(status.QuerySelector("caption"));
        Assert.All(status.QuerySelectorAll("th"), th => Assert.NotNull(th.GetAttribute("scope")));
        Assert.NotNull(main.QuerySelector("[data-testid=age-chart] svg[role=img]"));
        Assert.Contains("Gegevens per categorie en leeftijd", main.QuerySelector("[data-testid=age-chart]")!.TextContent, StringComparison.Ordinal);
        var sweeps = main.QuerySelector("[data-testid=sweeps]")!.TextContent;
        Assert.Contains("13.086", sweeps, StringComparison.Ordinal);
        Assert.Contains("777", sweeps, StringComparison.Ordinal);
        Assert.NotNull(main.QuerySelector($"a[href='/office/retention/receipts/{seed.SweepId}']"));
        Assert.Contains("Nog nooit", main.QuerySelector("[data-testid=audit-status]")!.TextContent, StringComparison.Ordinal);
    }

    [Theory, AllEngines]
    public async Task Dashboard_ClientContact_SeesOnlyItsOrganisationsFigures_NoHoldCounts(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(engine);
        var seed = await OfficeSeed.SeedAsync(server);
        using var alpha = await seed.LogInAsync(StaffRoles.ClientPrivacyContact, seed.Alpha);
        using var beta = await seed.LogInAsync(StaffRoles.ClientPrivacyContact, seed.Beta);

        var (_, alphaHtml) = await OfficeSeed.GetAsync(alpha, "/office/dashboard");
        var (_, betaHtml) = await OfficeSeed.GetAsync(beta, "/office/dashboard");

        Assert.Contains("4.321", alphaHtml, StringComparison.Ordinal);
        Assert.Contains("8.765", betaHtml, StringComparison.Ordinal);
        foreach (var (html, other) in new[] { (alphaHtml, "8.765"), (betaHtml, "4.321") })
        {
            Assert.DoesNotContain(other, html, StringComparison.Ordinal);
            Assert.DoesNotContain("13.086", html, StringComparison.Ordinal);
            Assert.DoesNotMatch(@"(?<![0-9A-Za-z])777(?![0-9A-Za-z])", html); // as a number of its own, not inside an id
            Assert.DoesNotContain("Bewaard door holds", html, StringComparison.Ordinal);
            Assert.DoesNotContain(OfficeSeed.AlphaCode, html, StringComparison.Ordinal);
            Assert.DoesNotContain(OfficeSeed.BetaCode, html, StringComparison.Ordinal);
            Assert.Contains("alleen de cijfers van uw eigen organisatie", html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Dashboard_InEnglish_HasEnglishTexts()
    {
        await using var server = await CustodianServer.StartAsync(Engine.Sqlite);
        var seed = await OfficeSeed.SeedAsync(server);
        using var client = await seed.LogInAsync(StaffRoles.Auditor);

        var main = await OfficeSeed.MainAsync(client, "/office/dashboard?lang=en");

        Assert.Contains("Records per category and age", main.TextContent, StringComparison.Ordinal);
        Assert.Contains("13,086", main.TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("Bewaartermijnen per categorie", main.TextContent, StringComparison.Ordinal);
    }

    /// <summary>Issue 5 §2: open requests by state and days to deadline, overdue marked in red and in words; only for roles that read requests.</summary>
    [Theory, AllEngines]
    public async Task Dashboard_OpenRequests_ByDeadlineWithOverdueInWords_OnlyForRequestReaders(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(engine);
        var seed = await OfficeSeed.SeedAsync(server);
        var today = LocalDate.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime);
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var intake = scope.ServiceProvider.GetRequiredService<RequestIntake>();
            foreach (var received in new[] { today.PlusMonths(-3), today })
            {
                var entered = await intake.EnterAsync(Guid.NewGuid(), new EnterRequestInput("letter", received, "access", "email", "brief.schrijver@example.nl", "nl", null), TestContext.Current.CancellationToken);
                Assert.True(entered.IsSuccess);
            }
        }

        using var officer = await seed.LogInAsync(StaffRoles.PrivacyOfficer);
        using var lawful = await seed.LogInAsync(StaffRoles.LawfulDisclosureOfficer);
        var main = await OfficeSeed.MainAsync(officer, "/office/dashboard");
        var (_, lawfulHtml) = await OfficeSeed.GetAsync(lawful, "/office/dashboard");

        var overdue = main.QuerySelector("[data-testid=requests-overdue]")!;
        Assert.Contains("overdue", overdue.ClassName ?? "", StringComparison.Ordinal);
        Assert.Contains("1", overdue.QuerySelector("td")!.TextContent, StringComparison.Ordinal);
        Assert.NotNull(overdue.QuerySelector("strong.overdue-label"));
        Assert.NotNull(main.QuerySelector("a[href='/office/requests?deadline=overdue']"));
        Assert.Contains("1", main.QuerySelector("[data-testid=requests-later]")!.TextContent + main.QuerySelector("[data-testid=requests-soon]")!.TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("open-requests", lawfulHtml, StringComparison.Ordinal);
    }
}
