using System.Net;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Breaches;
using Custodian.Core.Features.Tenancy;
using Custodian.Testing;
using NodaTime;
using Xunit;
using static Custodian.IntegrationTests.Office.OfficePageSetup;

namespace Custodian.IntegrationTests.Office;

/// <summary>The processor and breach pages over HTTP, one server: who may read them, the warnings, the notice download.</summary>
public sealed class ProcessorBreachPageTests
{
    [Fact]
    public async Task ProcessorsAndBreaches_AuditorReadsSupportAgentForbidden_NoticeInBothLanguages()
    {
        var (server, alpha, _) = await StartAsync(Engine.Sqlite);
        await using var _s = server;
        var now = Instant.FromDateTimeOffset(TimeProvider.System.GetUtcNow());
        var breach = new Breach
        {
            Reference = "BR-1999-0007",
            Title = "Test breach",
            DetectedAt = now - Duration.FromHours(1),
            AwareAt = now - Duration.FromHours(1),
            Nature = "Test nature",
            Categories = ["general.billing_name"],
            ContactPoint = "DPO",
            OrganizationIds = [alpha],
            RecordedAt = now,
        };

        // Reported initially four days ago, the complete notice still missing: its 3-day clock is overdue.
        var owed = new Breach
        {
            Reference = "BR-1999-0008",
            Title = "Complete notice owed",
            DetectedAt = now - Duration.FromDays(5),
            AwareAt = now - Duration.FromDays(5),
            InitialReportAt = now - Duration.FromDays(4) - Duration.FromHours(12),
            LateReasons = "Test",
            Nature = "Test nature",
            Categories = ["general.billing_name"],
            ContactPoint = "DPO",
            RecordedAt = now,
        };
        await using (var db = server.Database.CreateContext(TenantScope.Everything))
        {
            db.Set<Breach>().AddRange(breach, owed);
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        using var auditor = await ClientAsync(server, StaffRoles.Auditor);
        using var processors = await GetAsync(auditor, "/office/processors?lang=en");
        Assert.Equal(HttpStatusCode.OK, processors.StatusCode);
        var html = await BodyAsync(processors);
        Assert.Contains("data-testid=\"processor-support_desk_saas\"", html, StringComparison.Ordinal);
        Assert.Contains("register.dpf_check_stale", html, StringComparison.Ordinal);
        Assert.Contains("sub-processor of", html, StringComparison.Ordinal);

        using var page = await GetAsync(auditor, $"/office/breaches/{breach.Id}");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var pageHtml = await BodyAsync(page);
        Assert.DoesNotContain("name=\"initialReportAt\"", pageHtml, StringComparison.Ordinal);
        using var owedPage = await GetAsync(auditor, $"/office/breaches/{owed.Id}?lang=en");
        var owedHtml = await BodyAsync(owedPage);
        Assert.Contains("data-testid=\"clock-Complete3d\"", owedHtml, StringComparison.Ordinal);
        Assert.Contains("overdue by 1 d 12 h", owedHtml, StringComparison.Ordinal);
        Assert.DoesNotContain("clock-Complete3d", pageHtml, StringComparison.Ordinal);
        using var dashboard = await GetAsync(auditor, "/office/dashboard?lang=en");
        var dashboardHtml = await BodyAsync(dashboard);
        Assert.Contains("complete notice (3 days after the initial one)", dashboardHtml, StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(dashboardHtml, "data-testid=\"complete-clock\""));

        using var nl = await GetAsync(auditor, $"/office/breaches/{breach.Id}?handler=Notice&lang=nl");
        Assert.Contains("Melding datalek aan de Autoriteit Persoonsgegevens", await BodyAsync(nl), StringComparison.Ordinal);
        using var en = await GetAsync(auditor, $"/office/breaches/{breach.Id}?handler=Notice&lang=en");
        Assert.Contains("BR-1999-0007", await BodyAsync(en), StringComparison.Ordinal);

        // The privacy officer records one through the form: the page redirects to the new breach.
        using var officer = await ClientAsync(server, StaffRoles.PrivacyOfficer);
        var local = now.InZone(DateTimeZoneProviders.Tzdb["Europe/Amsterdam"]).LocalDateTime.ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture);
        using var recorded = await PostAsync(officer, "/office/breaches", "/office/breaches", new Dictionary<string, string>
        {
            ["Form.Title"] = "Form breach",
            ["Form.DetectedAt"] = local,
            ["Form.AwareAt"] = local,
            ["Form.Nature"] = "Entered through the form",
            ["Form.Categories"] = "general.contact_person",
            ["Form.ContactPoint"] = "DPO",
            ["Form.SubjectsNotInformedBecause"] = "None",
        });
        Assert.Equal(HttpStatusCode.Redirect, recorded.StatusCode);
        Assert.StartsWith("/office/breaches/", recorded.Headers.Location?.ToString(), StringComparison.Ordinal);

        using var agent = await ClientAsync(server, StaffRoles.SupportAgent);
        using var forbiddenBreaches = await GetAsync(agent, "/office/breaches");
        using var forbiddenProcessors = await GetAsync(agent, "/office/processors");
        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Forbidden), (forbiddenBreaches.StatusCode, forbiddenProcessors.StatusCode));
    }
}
