using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Dashboard;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Tenancy;
using Custodian.IntegrationTests.Retention;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.IntegrationTests.Dashboard;

/// <summary>
/// The dashboard's figures against the planner fixture's known data (clock 2025-02-28 12:00 UTC, so the current month
/// is February 2025 and the bands are: February; December–January; September–November; March–August 2024;
/// March 2022–February 2024; February 2022 and before; no anchor yet).
/// </summary>
public sealed class DashboardQueryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DashboardQuery Query(RetentionPlanFixture f) =>
        ActivatorUtilities.CreateInstance<DashboardQuery>(f.Services, ActivatorUtilities.CreateInstance<AuditOperations>(f.Services));

    private static Dictionary<string, long[]> Ages(DashboardView view) =>
        view.Ages.Categories.ToDictionary(c => c.Category, c => c.Counts.ToArray(), StringComparer.Ordinal);

    //                                   this, 1-2, 3-5, 6-11, 12-35, 36+, none
    private static long[] Bands(params long[] counts) => counts;

    [Theory, AllEngines]
    public async Task BuildAsync_Provider_CountsRecordsPerCategoryAndAgeBand(Engine engine)
    {
        await using var f = await RetentionPlanFixture.CreateAsync(engine);

        var view = await Query(f).BuildAsync(TenantScope.Everything, null, Ct);

        Assert.Equal("provider", view.View);
        Assert.Equal(new NodaTime.YearMonth(2025, 2), view.Ages.CurrentMonth);
        Assert.Equal(["m0_1", "m1_3", "m3_6", "m6_12", "m12_36", "m36_", "none"], view.Ages.Bands.Select(b => b.Key));
        var ages = Ages(view);
        // Two of alpha's (a service runs), beta's (its last service ends in May), gamma's (no services): none anchored yet.
        Assert.Equal(Bands(0, 0, 0, 0, 0, 0, 4), ages[RetentionTargets.ContactPerson]);
        Assert.Equal(Bands(0, 0, 0, 0, 0, 0, 1), ages[RetentionTargets.DeliveryAddress]);
        Assert.Equal(Bands(0, 0, 0, 0, 0, 0, 4), ages[RetentionTargets.BillingName]);
        // Ticket closed 28 Feb 2022 (36 months ago) and its attachment; ticket closed 31 Dec 2024; the open ticket and its attachment.
        Assert.Equal(Bands(0, 1, 0, 0, 0, 2, 2), ages[RetentionTargets.SupportInformation]);
        // 1 January (Amsterdam) and 1 March 00:10 Amsterdam = 28 February 23:10 UTC: this month.
        Assert.Equal(Bands(1, 1, 0, 0, 0, 0, 0), ages[RetentionTargets.SupportCallRecordings]);
        Assert.Equal(Bands(0, 0, 0, 0, 0, 0, 1), ages[RetentionTargets.InternetConnection]);
        Assert.Equal(Bands(0, 0, 0, 0, 0, 0, 2), ages[RetentionTargets.VoipDevicesAndContacts]);
        Assert.Equal(Bands(0, 0, 0, 0, 0, 0, 3), ages[RetentionTargets.MobileSimAndNotifications]);
        Assert.Equal(Bands(0, 0, 0, 0, 0, 0, 1), ages[RetentionTargets.Keyholders]);
        // Usage: 15 and 31 December, 20 January, 10 February (UTC months). Traffic: 5 January.
        Assert.Equal(Bands(1, 3, 0, 0, 0, 0, 0), ages[RetentionTargets.CallDetailRecords]);
        Assert.Equal(Bands(0, 1, 0, 0, 0, 0, 0), ages[RetentionTargets.TrafficInformation]);
        Assert.Equal(Bands(2, 1, 0, 0, 0, 0, 0), ages[RetentionTargets.CustomerCallRecordings]);
        Assert.Equal(view.Retention.Categories.Select(c => c.Category), view.Ages.Categories.Select(c => c.Category));
    }

    [Theory, AllEngines]
    public async Task BuildAsync_Tenant_SeesOnlyItsOwnNumbers(Engine engine)
    {
        await using var f = await RetentionPlanFixture.CreateAsync(engine);
        var alpha = TenantScope.For(f.Organizations["alpha"]);
        var gamma = TenantScope.For(f.Organizations["gamma"]);

        var a = await Query(f).BuildAsync(alpha, null, Ct);
        var g = await Query(f).BuildAsync(gamma, null, Ct);

        Assert.Equal("organization", a.View);
        var ages = Ages(a);
        Assert.Equal(Bands(0, 0, 0, 0, 0, 0, 2), ages[RetentionTargets.ContactPerson]);
        Assert.Equal(Bands(0, 0, 0, 0, 0, 0, 1), ages[RetentionTargets.BillingName]);
        Assert.Equal(Bands(0, 1, 0, 0, 0, 2, 2), ages[RetentionTargets.SupportInformation]);
        Assert.Equal(Bands(1, 3, 0, 0, 0, 0, 0), ages[RetentionTargets.CallDetailRecords]);
        Assert.Equal(Bands(0, 0, 0, 0, 0, 0, 0), ages[RetentionTargets.TrafficInformation]); // beta's
        Assert.Equal(Bands(0, 0, 0, 0, 0, 0, 0), ages[RetentionTargets.CustomerCallRecordings]); // gamma's and delta's
        Assert.Equal(Bands(0, 0, 0, 0, 0, 0, 0), ages[RetentionTargets.MobileSimAndNotifications]);

        var gammaAges = Ages(g);
        Assert.Equal(Bands(1, 1, 0, 0, 0, 0, 0), gammaAges[RetentionTargets.CustomerCallRecordings]);
        Assert.Equal(Bands(0, 0, 0, 0, 0, 0, 1), gammaAges[RetentionTargets.ContactPerson]);
        Assert.Equal(4, g.Ages.Categories.Sum(c => c.Total)); // Dee, gamma's billing name and its two recordings
        Assert.Equal(0, gammaAges[RetentionTargets.CallDetailRecords].Sum());

        // The retention status is the overview's own, tenant-filtered: no hold counts, only its own records.
        Assert.All(a.Retention.Categories, c => Assert.Null(c.KeptByHolds));
        Assert.Equal(4, Assert.Single(a.Retention.Categories, c => c.Category == RetentionTargets.CallDetailRecords).Records);
        Assert.Equal(0, Assert.Single(a.Retention.Categories, c => c.Category == RetentionTargets.TrafficInformation).Records);
        Assert.Equal(2, Assert.Single(g.Retention.Categories, c => c.Category == RetentionTargets.CustomerCallRecordings).Records);
    }

    [Theory, AllEngines]
    public async Task BuildAsync_ImportsOfTheWindow_ProviderSeesAllTenantOnlyItsOwnBatches(Engine engine)
    {
        await using var f = await RetentionPlanFixture.CreateAsync(engine);
        await f.ImportAsync(EventFamily.Usage, "gamma-usage.csv",
            "organization,record_id,kind,direction,caller,callee,start,duration,billed,outcome,cell_id,country,volume,cost,currency,service\n" +
            "gamma,g-1,voip,outbound,+31201234567,+31201234599,2025-02-20T10:00:00Z,60,60,answered,,,,,,\n" +
            "gamma,g-2,voip,outbound,+31201234567,+31201234599,2025-02-21T10:00:00Z,60,60,answered,,,,,,\n", tenant: "gamma");

        var provider = await Query(f).BuildAsync(TenantScope.Everything, null, Ct);
        var gamma = await Query(f).BuildAsync(TenantScope.For(f.Organizations["gamma"]), null, Ct);
        var alpha = await Query(f).BuildAsync(TenantScope.For(f.Organizations["alpha"]), null, Ct);

        Assert.Equal(3, provider.Imports.Batches);
        Assert.Equal(4 + 1 + 2, provider.Imports.RowsImported);
        Assert.Equal(["gamma-usage.csv", "traffic.csv", "usage.csv"], provider.Imports.Recent.Select(b => b.FileName).Order(StringComparer.Ordinal));
        Assert.All(provider.Imports.Recent, b => Assert.Equal(ImportBatch.Completed, b.Status));

        // The fixture's batches took each row's organisation from the file: they mix tenants, so no tenant sees them.
        var own = Assert.Single(gamma.Imports.Recent);
        Assert.Equal(2, own.RowsImported);
        Assert.Null(own.FileName);
        Assert.Equal(2, gamma.Imports.RowsImported);
        Assert.Equal(0, alpha.Imports.Batches);
        Assert.Empty(alpha.Imports.Recent);

        // Fifteen days later the window is empty.
        f.Time.Advance(TimeSpan.FromDays(15));
        var later = await Query(f).BuildAsync(TenantScope.Everything, null, Ct);
        Assert.Equal(0, later.Imports.Batches);
    }

    [Theory, AllEngines]
    public async Task BuildAsync_SweepOfTheWindow_DeletedPerTenantAndHeldOnlyForProvider(Engine engine)
    {
        await using var f = await RetentionPlanFixture.CreateAsync(engine);
        // 2 March 2025: the ticket closed on 28 February 2022 and its attachment (alpha), gamma's January recording
        // (one-month setting) and delta's recording (no setting: the register's minimum) are expired.
        f.Time.SetUtcNow(new DateTimeOffset(2025, 3, 2, 12, 0, 0, TimeSpan.Zero));
        var run = await f.Services.GetRequiredService<RetentionSweeper>().RunAsync(null, Ct);
        Assert.NotNull(run);

        var provider = await Query(f).BuildAsync(TenantScope.Everything, null, Ct);
        var alpha = await Query(f).BuildAsync(TenantScope.For(f.Organizations["alpha"]), null, Ct);
        var beta = await Query(f).BuildAsync(TenantScope.For(f.Organizations["beta"]), null, Ct);

        var sweep = Assert.Single(provider.Sweeps);
        Assert.Equal(run.Id, sweep.Id);
        Assert.Equal(RetentionSweepRun.Completed, sweep.State);
        Assert.Equal(4, sweep.Deleted);
        Assert.Equal(0, sweep.KeptByHolds);
        Assert.Equal(2, Assert.Single(alpha.Sweeps).Deleted);
        Assert.Null(Assert.Single(alpha.Sweeps).KeptByHolds);
        Assert.Equal(0, Assert.Single(beta.Sweeps).Deleted);

        // The audit status follows the log the sweep wrote to.
        await using var db = f.CreateContext();
        var events = await db.Set<AuditEvent>().LongCountAsync(Ct);
        Assert.Equal(events, provider.Audit.Size);
        Assert.Null(provider.Audit.LastVerification);
    }

    [Theory, AllEngines]
    public async Task BuildAsync_NoTenant_SeesNothing(Engine engine)
    {
        await using var f = await RetentionPlanFixture.CreateAsync(engine);

        var view = await Query(f).BuildAsync(TenantScope.None, null, Ct);

        Assert.All(view.Ages.Categories, c => Assert.Equal(0, c.Total));
        Assert.Equal(0, view.Imports.Batches);
        Assert.Empty(view.Sweeps);
        Assert.All(view.Retention.Categories, c => Assert.Equal(0, c.Records));
    }

    [Theory, AllEngines]
    public async Task AgeChart_FromTheDashboard_RendersEveryCategoryWithItsTotal(Engine engine)
    {
        await using var f = await RetentionPlanFixture.CreateAsync(engine);
        var view = await Query(f).BuildAsync(TenantScope.Everything, null, Ct);

        var svg = AgeChart.Render(view.Ages, new AgeChartLabels("Records by age", "Records per category by age.", "Share", "none",
            c => c, b => b.Key));

        var doc = System.Xml.Linq.XDocument.Parse(svg);
        System.Xml.Linq.XNamespace ns = "http://www.w3.org/2000/svg";
        var bars = doc.Descendants(ns + "g").Where(g => (string?)g.Attribute("class") == "bar").ToList();
        Assert.Equal(view.Ages.Categories.Count, bars.Count);
        Assert.Equal(view.Ages.Categories.Select(c => c.Total.ToString(System.Globalization.CultureInfo.InvariantCulture)), bars.Select(b => (string?)b.Attribute("data-total")));
    }
}
