using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Consent;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Features.Tenancy;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.IntegrationTests.Retention;

/// <summary>
/// The sweep over every category of the shipped register (store records with blobs, service data, organisation data,
/// events) against the planner: what a run deletes is exactly what the plan showed for that day (issue 4, done-when).
/// </summary>
public sealed class SweepRecordsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task Run_OnSuccessiveDays_DeletesExactlyWhatThePlanShowedEachDay(Engine engine)
    {
        await using var f = await RetentionPlanFixture.CreateAsync(engine);
        var sweeper = f.Services.GetRequiredService<RetentionSweeper>();

        foreach (var day in new[] { "2025-03-01T09:00:00", "2025-06-16T09:00:00", "2025-07-01T09:00:00", "2025-07-02T09:00:00", "2028-03-01T09:00:00" })
        {
            var at = RetentionPlanFixture.Amsterdam(day);
            f.Time.SetUtcNow(at.ToDateTimeOffset());
            var plan = await f.PlanAsync(at);
            var expected = plan.Lines.Where(l => l.Due > 0).GroupBy(l => (l.Category, l.OrganizationId)).ToDictionary(g => g.Key, g => g.Sum(l => l.Due));

            var run = await sweeper.RunAsync(null, Ct);

            var actual = run!.DeletedCounts().ToDictionary(c => (c.Category, c.OrganizationId), c => c.Count);
            Assert.True(expected.OrderBy(e => e.Key.ToString()).SequenceEqual(actual.OrderBy(a => a.Key.ToString())),
                $"{day}: planned {Show(expected)}, deleted {Show(actual)}");
            // Months created ahead (EventPartitions.EnsureAheadAsync) and never written go too; the plan lists months with records.
            Assert.Equal(plan.DroppableMonths.Select(m => m.Month.ToString("yyyy-MM", null)).Order(), run.DroppedPartitions().Where(p => p.Rows > 0).Select(p => p.Month).Order());
            Assert.All((await f.PlanAsync(at)).Lines, l => Assert.Equal(0, l.Due));
        }

        await using var db = f.CreateContext();
        db.ScopeTo(TenantScope.Everything);
        var verification = await f.Services.GetRequiredService<AuditVerifier>().VerifyAsync(db, null, Ct);
        Assert.True(verification.Intact, string.Join("; ", verification.Problems));

        // By 2028 every recording and the long-closed ticket's attachment are gone: rows, contents and keys.
        Assert.Empty(await db.Set<SupportCallRecording>().ToListAsync(Ct));
        Assert.Empty(await db.Set<CustomerCallRecording>().ToListAsync(Ct));
        var blobs = await db.Set<BlobRecord>().ToListAsync(Ct);
        Assert.Single(blobs); // the open ticket's attachment
        var store = f.Services.GetRequiredService<IBlobStore>();
        var contents = new List<string>();
        await foreach (var entry in store.ListAsync(Ct))
        {
            contents.Add(entry.Key);
        }

        Assert.Equal([blobs[0].StoreKey], contents);
        Assert.Equal(1, await db.Set<DataKey>().CountAsync(k => k.DestroyedAt == null, Ct));
        Assert.Empty(await db.SubjectIdentifiers.Where(i => i.Category == "general.support_call_recordings" || i.Category == "usage.customer_call_recordings").ToListAsync(Ct));

        // The organisation of the ended services keeps its row, its billing name erased; the running one keeps its name.
        var organizations = await db.Organizations.OrderBy(o => o.Code).ToDictionaryAsync(o => o.Code, o => o.BillingCompanyName, Ct);
        Assert.Equal("", organizations["beta"]);
        Assert.Equal("alpha B.V.", organizations["alpha"]);
    }

    [Theory, AllEngines]
    public async Task Run_ConsentLedger_DeletesEntriesWithdrawnOverTwoYearsAgoKeepsRecentAndStandingOnes(Engine engine)
    {
        await using var f = await RetentionPlanFixture.CreateAsync(engine);
        var at = RetentionPlanFixture.Amsterdam("2025-03-01T09:00:00");
        Guid old, recent, standing;
        await using (var db = f.CreateContext())
        {
            db.ScopeTo(TenantScope.Everything);
            db.Add(new ConsentText { Purpose = ConsentPurposes.AppUsageInsights, Version = "v1", Text = "May the app show your usage?", TextHash = new string('a', 64), FirstSeenAt = RetentionPlanFixture.Utc("2021-01-01T00:00:00Z") });
            old = Entry(db, "2021-05-01T10:00:00Z", "2023-02-27T10:00:00Z"); // two years ended on 27 February 2025
            recent = Entry(db, "2023-05-01T10:00:00Z", "2024-03-01T10:00:00Z");
            standing = Entry(db, "2024-05-01T10:00:00Z", null);
            await db.SaveChangesAsync(Ct);
        }

        f.Time.SetUtcNow(at.ToDateTimeOffset());
        var plan = await f.PlanAsync(at);
        Assert.Equal(1, plan.Lines.Where(l => l.Category == ConsentPurposes.LedgerCategory).Sum(l => l.Due));

        var run = await f.Services.GetRequiredService<RetentionSweeper>().RunAsync(null, Ct);

        Assert.Equal(1, run!.DeletedCounts().Where(c => c.Category == ConsentPurposes.LedgerCategory).Sum(c => c.Count));
        await using (var db = f.CreateContext())
        {
            db.ScopeTo(TenantScope.Everything);
            Assert.Equal(new HashSet<Guid> { recent, standing }, (await db.Set<ConsentEntry>().Select(e => e.Id).ToListAsync(Ct)).ToHashSet());
            Assert.DoesNotContain(old, await db.Set<ConsentEntry>().Select(e => e.Id).ToListAsync(Ct));
        }
    }

    private static Guid Entry(Core.Persistence.CustodianDbContext db, string given, string? withdrawn)
    {
        var entry = new ConsentEntry
        {
            SubjectKind = "phone",
            SubjectValue = "+31201234567",
            Purpose = ConsentPurposes.AppUsageInsights,
            TextVersion = "v1",
            TextHash = new string('a', 64),
            Channel = ConsentChannels.App,
            GivenAt = RetentionPlanFixture.Utc(given),
            WithdrawnAt = withdrawn is null ? null : RetentionPlanFixture.Utc(withdrawn),
            WithdrawnChannel = withdrawn is null ? null : ConsentChannels.Portal,
        };
        db.Add(entry);
        return entry.Id;
    }

    [Theory, AllEngines]
    public async Task Run_HeldRecording_SurvivesPastExpiryThenGoesAtTheNextSweepAfterRelease(Engine engine)
    {
        await using var f = await RetentionPlanFixture.CreateAsync(engine);
        var sweeper = f.Services.GetRequiredService<RetentionSweeper>();
        var alpha = f.Organizations["alpha"];
        var hold = await PlaceHoldAsync(f, "alpha", "general.support_call_recordings", "+31201234569");
        var at = RetentionPlanFixture.Amsterdam("2025-07-02T09:00:00");
        f.Time.SetUtcNow(at.ToDateTimeOffset());

        var held = await sweeper.RunAsync(null, Ct);

        Assert.DoesNotContain(held!.DeletedCounts(), c => c.Category == "general.support_call_recordings");
        Assert.Contains(new SweepCount("general.support_call_recordings", alpha, 2), held.KeptCounts());
        await using (var db = f.CreateContext())
        {
            db.ScopeTo(TenantScope.Everything);
            Assert.Equal(2, await db.Set<SupportCallRecording>().CountAsync(Ct));
            var release = await Commands(f, db).ReleaseAsync(Caller, hold, new ReleaseHoldInput("dispute settled"), Ct);
            Assert.True(release.IsSuccess, release.Error?.ToString());
        }

        f.Time.Advance(TimeSpan.FromDays(1));
        var released = await sweeper.RunAsync(null, Ct);

        Assert.Contains(released!.DeletedCounts(), c => c is { Category: "general.support_call_recordings", Count: 2 } && c.OrganizationId == alpha);
        Assert.Empty(released.KeptCounts());
    }

    [Theory, AllEngines]
    public async Task Run_HeldNumberInAnExpiredMonth_PreservedInTheHeldTableAndStillFound(Engine engine)
    {
        await using var f = await RetentionPlanFixture.CreateAsync(engine);
        var sweeper = f.Services.GetRequiredService<RetentionSweeper>();
        var alpha = f.Organizations["alpha"];
        await PlaceHoldAsync(f, null, "usage.call_detail_records", "+31201234567");
        var at = RetentionPlanFixture.Amsterdam("2025-09-01T09:00:00");
        f.Time.SetUtcNow(at.ToDateTimeOffset());

        var run = await sweeper.RunAsync(null, Ct);

        // December 2024 and January 2025 are dropped whole; the held number's records moved to the held table.
        Assert.Contains(run!.DroppedPartitions(), p => p.Family == "usage" && p.Month == "2024-12" && p.Rows == 0 && p.PreservedForHolds == 2);
        Assert.DoesNotContain(run.DeletedCounts(), c => c.Category == "usage.call_detail_records" && c.OrganizationId == alpha);
        await using var db = f.CreateContext();
        db.ScopeTo(TenantScope.Everything);
        var found = await Core.Features.Events.EventLookup.FindAsync(db, SubjectIdentifierKind.Phone, "+31201234567", Ct);
        Assert.Equal(4, found.Count);
        await Import.MonthTotalsAssert.ExactAsync(db);
    }

    private static readonly HoldCaller Caller = new(new AuditActor(AuditActorKind.Cli, "cli:test"), TenantScope.Everything, lawful: true);

    private static LegalHoldCommands Commands(RetentionPlanFixture f, Core.Persistence.CustodianDbContext db) =>
        ActivatorUtilities.CreateInstance<LegalHoldCommands>(f.Services, db, ActivatorUtilities.CreateInstance<StoreTransactions>(f.Services, db));

    private static async Task<Guid> PlaceHoldAsync(RetentionPlanFixture f, string? organization, string category, string phone)
    {
        await using var db = f.CreateContext();
        db.ScopeTo(TenantScope.Everything);
        var result = await Commands(f, db).PlaceAsync(
            Caller,
            new LegalHoldInput("legal_claims", null, "test dispute", null, organization, [category], null, null, [new HoldIdentifierInput("phone", phone)], null, null),
            null,
            Ct);
        Assert.True(result.IsSuccess, result.Error?.ToString());
        return result.Value.Id;
    }

    private static string Show(Dictionary<(string Category, Guid OrganizationId), long> counts) =>
        string.Join(", ", counts.OrderBy(c => c.Key.ToString()).Select(c => $"{c.Key.Category}/{c.Key.OrganizationId.ToString()[..4]}={c.Value}"));
}
