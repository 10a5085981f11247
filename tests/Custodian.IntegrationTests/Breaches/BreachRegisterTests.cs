using System.Net;
using System.Text.RegularExpressions;
using Custodian.Core.Common;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Breaches;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Breaches;

/// <summary>The breach register on both engines: storage, the late-reason rule, controllers to inform, the AP notice.</summary>
public sealed class BreachRegisterTests
{
    private static readonly Instant Start = Instant.FromUtc(2026, 3, 2, 8, 0);
    private static readonly AuditActor Officer = new(AuditActorKind.User, "user:dpo");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task RecordReportNotice_BothEngines_StoredLateReasonsEnforcedNoticeComplete(Engine engine)
    {
        await using var database = await TestDatabase.CreateAsync(engine);
        var clock = new FakeTimeProvider(Start.ToDateTimeOffset());
        await using var services = TestDatabase.ServicesFor(database.Target, s => s
            .AddSingleton<TimeProvider>(clock)
            .AddSingleton(MasterKey.FromBytes(new byte[32]))
            .AddCustodianAudit());
        await using var db = database.CreateContext(TenantScope.Everything);
        var organization = new Organization { Code = "acme", Name = "Acme Example BV", BillingCompanyName = "Acme Example BV", CreatedAt = Start };
        db.Organizations.Add(organization);
        await db.SaveChangesAsync(Ct);
        var commands = new BreachCommands(db, ActivatorUtilities.CreateInstance<StoreTransactions>(services, db), clock, ShippedRegister.Register);

        clock.Advance(TimeSpan.FromHours(2));
        var input = DemoBreach.Input(Start + Duration.FromHours(2), organization.Id) with { DetectedAt = Start, AwareAt = Start + Duration.FromHours(1) };
        var recorded = await commands.RecordAsync(input, Officer, Ct);
        Assert.True(recorded.IsSuccess, recorded.Error?.ToString());
        Assert.Equal("BR-2026-0001", recorded.Value.Reference);
        var id = recorded.Value.Id;

        // 30 hours after detection the 24-hour clock is missed: a report without reasons is refused, with them accepted.
        clock.Advance(TimeSpan.FromHours(28));
        var reportedAt = Start + Duration.FromHours(29);
        var refused = await commands.ReportAsync(id, new BreachReportInput(reportedAt, null, null, null, false), Officer, Ct);
        Assert.Contains(Assert.IsType<ValidationError>(refused.Error).Errors, e => e.Code == "breaches.late_reasons_required");
        var reported = await commands.ReportAsync(id, new BreachReportInput(reportedAt, null, null, "Weekend; the incident team confirmed the scope on Monday.", false), Officer, Ct);
        Assert.True(reported.IsSuccess, reported.Error?.ToString());

        db.ChangeTracker.Clear();
        var detail = await new BreachQueries(db, ShippedRegister.Register, clock).GetAsync(id, Ct);
        Assert.NotNull(detail);
        Assert.Equal((Start, reportedAt), (detail.Breach.DetectedAt, detail.Breach.InitialReportAt!.Value));
        Assert.Equal(["general.contact_person", "general.delivery_address"], detail.Breach.Categories);
        Assert.Equal((BreachClockState.Late, BreachClockState.Met), (detail.Telecom.State, detail.Gdpr.State));

        // general.delivery_address is the client's: its organisation is the controller to inform (GDPR 33(2)).
        Assert.Equal("acme", Assert.Single(detail.ControllersToInform).Code);
        Assert.Equal(["breach.recorded", "breach.reported"], await db.Set<AuditEvent>().OrderBy(e => e.Seq).Select(e => e.Action).ToListAsync(Ct));

        var nl = BreachNotice.Render(detail, ShippedRegister.Register, StatementLanguage.Dutch);
        var en = BreachNotice.Render(detail, ShippedRegister.Register, StatementLanguage.English);
        Assert.Contains("<html lang=\"nl\">", nl, StringComparison.Ordinal);
        var text = Text(en);
        Assert.Contains("Personal data breach notification", text, StringComparison.Ordinal);
        Assert.Contains("BR-2026-0001", text, StringComparison.Ordinal);
        Assert.Contains("Detected at 2026-03-02 09:00 (+01)", text, StringComparison.Ordinal);
        Assert.Contains("approximately 40", text, StringComparison.Ordinal);
        Assert.Contains("Acme Example BV", text, StringComparison.Ordinal);
        Assert.Contains("Reasons for the delay Weekend; the incident team", text, StringComparison.Ordinal);
        Assert.Contains("Verwerkingsverantwoordelijken", Text(nl), StringComparison.Ordinal);
    }

    /// <summary>The document's visible text: tags dropped, entities decoded, whitespace collapsed.</summary>
    private static string Text(string html) =>
        Regex.Replace(WebUtility.HtmlDecode(Regex.Replace(Regex.Replace(html, "<style>.*?</style>", " ", RegexOptions.Singleline), "<[^>]+>", " ")), @"\s+", " ");
}
