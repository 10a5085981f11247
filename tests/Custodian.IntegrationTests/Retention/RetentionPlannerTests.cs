using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Tenancy;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Retention;

public sealed class RetentionPlannerTests
{
    private static Instant Day(int year, int month, int day) => RetentionCalendar.StartOf(new LocalDate(year, month, day));

    private static (long Due, long NotYet, long Never) Counts(RetentionPlan plan, string target, string organization)
    {
        var lines = plan.Lines.Where(l => l.Target == target && l.OrganizationCode == organization).ToList();
        var line = Assert.Single(lines);
        return (line.Due, line.NotYetDue, line.NotExpiring);
    }

    [Theory, AllEngines]
    public async Task PlanAsync_KnownDataAtSeveralDates_CountsExactly(Engine engine)
    {
        await using var fixture = await RetentionPlanFixture.CreateAsync(engine);

        // 1 March 2025: the ticket closed on 28 February 2022 has had its three years; the January recording of the
        // organisation with a one-month setting too, and the recording of the organisation without a setting (P0D).
        var march = await fixture.PlanAsync(Day(2025, 3, 1));
        Assert.Empty(march.Problems);
        Assert.Equal(new LocalDate(2025, 3, 1), march.Day);
        Assert.Equal((1, 1, 1), Counts(march, "support_tickets", "alpha"));
        Assert.Equal((1, 0, 1), Counts(march, "support_ticket_attachments", "alpha"));
        Assert.Equal((0, 2, 0), Counts(march, "support_call_recordings", "alpha"));
        Assert.Equal((1, 1, 0), Counts(march, "customer_call_recordings", "gamma"));
        Assert.Equal((1, 0, 0), Counts(march, "customer_call_recordings", "delta"));
        Assert.Equal((0, 1, 0), Counts(march, "voip_devices", "alpha"));
        Assert.Equal((0, 1, 0), Counts(march, "voip_contacts", "alpha"));
        Assert.Equal((0, 0, 1), Counts(march, "internet_connections", "alpha"));
        Assert.Equal((0, 1, 0), Counts(march, "mobile_subscriptions", "beta"));
        Assert.Equal((0, 2, 0), Counts(march, "mobile_notifications", "beta"));
        Assert.Equal((0, 1, 0), Counts(march, "keyholders", "beta"));
        Assert.Equal((0, 0, 2), Counts(march, "contact_persons", "alpha")); // a service still runs
        Assert.Equal((0, 1, 0), Counts(march, "contact_persons", "beta"));
        Assert.Equal((0, 0, 1), Counts(march, "contact_persons", "gamma")); // no services at all
        Assert.Equal((0, 0, 1), Counts(march, "delivery_addresses", "alpha"));
        Assert.Equal((0, 0, 1), Counts(march, "organizations.billing_company_name", "alpha"));
        Assert.Equal((0, 1, 0), Counts(march, "organizations.billing_company_name", "beta"));
        Assert.Equal((0, 0, 1), Counts(march, "organizations.billing_company_name", "delta"));
        Assert.Equal((0, 4, 0), Counts(march, "usage_records", "alpha"));
        Assert.Equal((0, 1, 0), Counts(march, "traffic_records", "beta"));
        Assert.Empty(march.DroppableMonths);
        var ticket = Assert.Single(march.Lines, l => l.Target == "support_tickets");
        Assert.Equal(new LocalDate(2022, 2, 28), ticket.OldestDueAnchorDay);
        Assert.Equal(Day(2025, 3, 1), ticket.OldestDueExpiry);
        Assert.Equal(new LocalDate(2022, 2, 28), ticket.LastDueAnchorDay);

        // Any instant of the same day gives the same plan: expiries fall on starts of days.
        var lateMarch1 = await fixture.PlanAsync(Day(2025, 3, 2) - Duration.Epsilon);
        Assert.Equal(march.Lines, lateMarch1.Lines);
        var lastFebruary = await fixture.PlanAsync(Day(2025, 3, 1) - Duration.Epsilon);
        Assert.Equal((0, 2, 1), Counts(lastFebruary, "support_tickets", "alpha"));

        // 16 June 2025: the beta services ended (31 March, 15 May), so its organisation-level data goes too; the
        // usage record of 15 December has had six months, the one of 1 January (Amsterdam) not yet.
        var june = await fixture.PlanAsync(Day(2025, 6, 16));
        Assert.Equal((2, 0, 0), Counts(june, "support_call_recordings", "alpha"));
        Assert.Equal((2, 0, 0), Counts(june, "customer_call_recordings", "gamma"));
        Assert.Equal((1, 0, 0), Counts(june, "mobile_subscriptions", "beta"));
        Assert.Equal((2, 0, 0), Counts(june, "mobile_notifications", "beta"));
        Assert.Equal((1, 0, 0), Counts(june, "keyholders", "beta"));
        Assert.Equal((1, 0, 0), Counts(june, "contact_persons", "beta"));
        Assert.Equal((1, 0, 0), Counts(june, "organizations.billing_company_name", "beta"));
        Assert.Equal((0, 1, 0), Counts(june, "voip_devices", "alpha"));
        Assert.Equal((1, 3, 0), Counts(june, "usage_records", "alpha"));
        Assert.Empty(june.DroppableMonths); // December 2024 (UTC) still holds a record that is not due

        // 1 July: the VoIP service's last day (30 June) is over. 2 July: December's second record is due, so the whole month can go.
        var july1 = await fixture.PlanAsync(Day(2025, 7, 1));
        Assert.Equal((1, 0, 0), Counts(july1, "voip_devices", "alpha"));
        Assert.Equal((1, 0, 0), Counts(july1, "voip_contacts", "alpha"));
        Assert.Empty(july1.DroppableMonths);
        var july2 = await fixture.PlanAsync(Day(2025, 7, 2));
        Assert.Equal((2, 2, 0), Counts(july2, "usage_records", "alpha"));
        Assert.Equal((0, 1, 0), Counts(july2, "traffic_records", "beta"));
        var month = Assert.Single(july2.DroppableMonths);
        Assert.Equal(("usage_records_2024_12", 2L), (month.MonthTable, month.Rows));
        Assert.Equal((1, 0, 0), Counts(await fixture.PlanAsync(Day(2025, 7, 6)), "traffic_records", "beta"));
    }

    [Theory, AllEngines]
    public async Task PlanAsync_TicketReopenedAndSettingChanged_FollowsTheCurrentState(Engine engine)
    {
        await using var fixture = await RetentionPlanFixture.CreateAsync(engine);
        var ct = TestContext.Current.CancellationToken;
        await using (var db = fixture.CreateContext())
        {
            db.ScopeTo(TenantScope.Everything);
            var ticket = await db.SupportTickets.SingleAsync(t => t.Reference == "T-1", ct);
            ticket.ClosedAt = null; // reopened
            var gamma = await db.Organizations.SingleAsync(o => o.Code == "gamma", ct);
            gamma.CustomerCallRecordingRetention = Period.FromYears(1);
            await db.SaveChangesAsync(ct);
        }

        var plan = await fixture.PlanAsync(Day(2025, 3, 1));
        Assert.Equal((0, 1, 2), Counts(plan, "support_tickets", "alpha"));
        Assert.Equal((0, 0, 2), Counts(plan, "support_ticket_attachments", "alpha"));
        Assert.Equal((0, 2, 0), Counts(plan, "customer_call_recordings", "gamma"));
        Assert.Equal((1, 0, 0), Counts(plan, "customer_call_recordings", "delta"));
    }

    /// <summary>What the sweep will call: the ids a slice selects are exactly the plan's due count, in id order.</summary>
    [Theory, AllEngines]
    public async Task DueIds_EverySlice_MatchesThePlansDueCount(Engine engine)
    {
        await using var fixture = await RetentionPlanFixture.CreateAsync(engine);
        var ct = TestContext.Current.CancellationToken;
        foreach (var at in new[] { Day(2025, 3, 1), Day(2025, 6, 16), Day(2025, 7, 1) })
        {
            var plan = await fixture.PlanAsync(at);
            await using var db = fixture.CreateContext();
            db.ScopeTo(TenantScope.Everything);
            var (slices, _) = await RetentionSlices.ForAsync(db, fixture.Services.GetRequiredService<Core.Features.Register.ProcessingRegister>(), at, ct);
            foreach (var target in slices.Where(s => s.Target is not EventRetentionTarget).GroupBy(s => s.Target.Name))
            {
                var ids = new List<Guid>();
                foreach (var slice in target)
                {
                    ids.AddRange(await slice.DueIds(db).ToListAsync(ct));
                }

                Assert.Equal(plan.Lines.Where(l => l.Target == target.Key).Sum(l => l.Due), ids.Count);
                Assert.Equal(ids.Count, ids.Distinct().Count());
            }
        }
    }
}
