using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Disclosures.Emergency;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Shielding;
using Custodian.Core.Features.Tenancy;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Retention;

/// <summary>
/// Retention of the register of shielded numbers (<c>general.shielded_numbers</c>: while the shielding stands, then a
/// year after the end of the last billing period that masked it): a standing shielding stays, an ended one goes the day
/// after its year, a replaced list goes with its numbers, and a send record goes a year after the next send.
/// </summary>
public sealed class SweepShieldingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task Run_EndedShielding_KeptAYearAfterItsLastMaskedPeriodThenDeleted_StandingOneStays(Engine engine)
    {
        await using var f = await RetentionPlanFixture.CreateAsync(engine);
        var sweeper = f.Services.GetRequiredService<RetentionSweeper>();
        Guid ended, standing, oldList, newList, oldSend, lastSend;
        await using (var db = f.CreateContext())
        {
            // Ended in February 2025: masked through February, so shown in full from 1 March 2025 (the anchor).
            var e = new ShieldedNumber { Number = "+31201234501", Source = ShieldingSources.Own, RequestedAt = RetentionPlanFixture.Amsterdam("2024-06-01T10:00:00"), EffectiveFrom = new LocalDate(2024, 6, 1) };
            e.End(RetentionPlanFixture.Amsterdam("2025-02-10T10:00:00"), new LocalDate(2025, 3, 1));
            var s = new ShieldedNumber { Number = "+31201234502", Source = ShieldingSources.Own, RequestedAt = RetentionPlanFixture.Amsterdam("2020-06-01T10:00:00"), EffectiveFrom = new LocalDate(2020, 6, 1) };
            var l1 = new ShieldingReceivedList { ProviderName = "Other Telecom", ReceivedAt = RetentionPlanFixture.Amsterdam("2024-01-05T10:00:00"), EffectiveFrom = new LocalDate(2024, 1, 1), FileName = "a.csv", Sha256 = new string('a', 64), ImportedBy = "test", ReplacedFrom = RetentionPlanFixture.Amsterdam("2025-03-01T00:00:00") };
            var l2 = new ShieldingReceivedList { ProviderName = "Other Telecom", ReceivedAt = RetentionPlanFixture.Amsterdam("2025-02-20T10:00:00"), EffectiveFrom = new LocalDate(2025, 3, 1), FileName = "b.csv", Sha256 = new string('b', 64), ImportedBy = "test" };
            var s1 = new ShieldingSend { ProviderName = "Other Telecom", SentAt = RetentionPlanFixture.Amsterdam("2024-01-02T10:00:00"), Sha256 = new string('c', 64), SentBy = "test" };
            var s2 = new ShieldingSend { ProviderName = "Other Telecom", SentAt = RetentionPlanFixture.Amsterdam("2025-02-28T10:00:00"), Sha256 = new string('d', 64), SentBy = "test" };
            db.AddRange(e, s, l1, l2, s1, s2);
            await db.SaveChangesAsync(Ct);
            (ended, standing, oldList, newList, oldSend, lastSend) = (e.Id, s.Id, l1.Id, l2.Id, s1.Id, s2.Id);
        }

        // Anchor day 1 March 2025 (send: 28 February 2025): kept through 1 March 2026, gone from 2 March 2026.
        f.Time.SetUtcNow(RetentionPlanFixture.Amsterdam("2026-02-28T23:00:00").ToDateTimeOffset());
        await sweeper.RunAsync(null, Ct);
        Assert.Equal(Sorted(ended, standing), await IdsAsync(f, db => db.Set<ShieldedNumber>().Select(n => n.Id)));
        Assert.Equal(Sorted(oldList, newList), await IdsAsync(f, db => db.Set<ShieldingReceivedList>().Select(n => n.Id)));
        Assert.Equal(Sorted(oldSend, lastSend), await IdsAsync(f, db => db.Set<ShieldingSend>().Select(n => n.Id)));

        f.Time.SetUtcNow(RetentionPlanFixture.Amsterdam("2026-03-02T00:01:00").ToDateTimeOffset());
        var plan = await f.PlanAsync(RetentionPlanFixture.Amsterdam("2026-03-02T00:01:00"));
        Assert.Equal(3, plan.Lines.Where(l => l.Category == RetentionTargets.ShieldedNumbers).Sum(l => l.Due));
        var run = await sweeper.RunAsync(null, Ct);

        Assert.Equal(3, run!.DeletedCounts().Where(c => c.Category == RetentionTargets.ShieldedNumbers).Sum(c => c.Count));
        Assert.Equal([standing], await IdsAsync(f, db => db.Set<ShieldedNumber>().Select(n => n.Id)));
        Assert.Equal([newList], await IdsAsync(f, db => db.Set<ShieldingReceivedList>().Select(n => n.Id)));
        Assert.Equal([lastSend], await IdsAsync(f, db => db.Set<ShieldingSend>().Select(n => n.Id)));
    }

    /// <summary>The 112 disclosure log is kept through its year and the next first quarter (for the yearly statistics), then the sweep deletes it.</summary>
    [Theory, AllEngines]
    public async Task Run_EmergencyDisclosureLog_RowPastItsKeepDateGoes_RowBeforeItStays(Engine engine)
    {
        await using var f = await RetentionPlanFixture.CreateAsync(engine);
        var sweeper = f.Services.GetRequiredService<RetentionSweeper>();
        EmergencyDisclosure Row(string local) => new() { DisclosedAt = RetentionPlanFixture.Amsterdam(local), NumberHash = "hash", Found = true, ActorKind = AuditActorKind.ApiKey, ActorId = "key-112" };
        var lastOf2025 = Row("2025-12-31T23:30:00");
        var firstOf2026 = Row("2026-01-01T00:30:00");
        await using (var db = f.CreateContext())
        {
            db.AddRange(lastOf2025, firstOf2026);
            await db.SaveChangesAsync(Ct);
        }

        // 2025's rows are kept through 31 March 2026 (the statistics on 2025 are made in the first quarter).
        f.Time.SetUtcNow(RetentionPlanFixture.Amsterdam("2026-03-31T23:59:00").ToDateTimeOffset());
        await sweeper.RunAsync(null, Ct);
        Assert.Equal(Sorted(lastOf2025.Id, firstOf2026.Id), await IdsAsync(f, db => db.Set<EmergencyDisclosure>().Select(d => d.Id)));

        f.Time.SetUtcNow(RetentionPlanFixture.Amsterdam("2026-04-01T00:01:00").ToDateTimeOffset());
        await sweeper.RunAsync(null, Ct);
        Assert.Equal([firstOf2026.Id], await IdsAsync(f, db => db.Set<EmergencyDisclosure>().Select(d => d.Id)));
        await using var check = f.CreateContext();
        var audited = await check.Set<AuditEvent>().Where(e => e.Action == "retention.requests_housekeeping").ToListAsync(Ct);
        Assert.Contains(audited, e => e.Details.Contains("\"emergency_disclosures_deleted\":\"1\"", StringComparison.Ordinal));
    }

    private static List<Guid> Sorted(params Guid[] ids) => [.. ids.Order()];

    private static async Task<List<Guid>> IdsAsync(RetentionPlanFixture f, Func<Core.Persistence.CustodianDbContext, IQueryable<Guid>> query)
    {
        await using var db = f.CreateContext();
        db.ScopeTo(TenantScope.Everything);
        return [.. (await query(db).ToListAsync(Ct)).Order()];
    }
}
