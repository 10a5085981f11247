using System.Text.Json;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Requests.Execution;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Store;
using Custodian.Core.Persistence;
using Custodian.IntegrationTests.Import;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Requests;

public sealed class ErasureExecutorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task ExecuteAsync_EveryPart_ErasesExactlyThePersonsErasableRecordsKeepsTheRestWithReasons(Engine engine)
    {
        await using var f = await ExecutionFixture.CreateAsync(engine);
        var request = Guid.CreateVersion7();

        var first = await EraseAllAsync(f, request);

        Assert.Equal(1, first["voip.devices_and_contacts"].Erased);
        Assert.Equal(1, first["general.support_information"].Erased);
        Assert.Equal(1, first["general.support_call_recordings"].Erased);
        Assert.Equal([new KeptRecords(KeptReasons.RunningContract, 2, null)], first["general.contact_person"].Kept);
        Assert.Equal([new KeptRecords(KeptReasons.RunningContract, 2, null)], first["alarm.keyholders"].Kept); // both organisations' parts
        // Usage records: January's is still in the billing window on 28 February (previous period): kept to 1 March (Amsterdam).
        Assert.Equal([new KeptRecords(KeptReasons.RunningContract, 1, Instant.FromUtc(2025, 2, 28, 23, 0))], first["usage.call_detail_records"].Kept);
        Assert.Equal(KeptReasons.LegalObligation, Assert.Single(first["general.traffic_information"].Kept).Reason);
        Assert.Equal(["hosting_nl", "call_recording_uk"], first["general.support_call_recordings"].Recipients.Select(r => r.RecipientId));

        await using (var scope = f.Scope(out var db))
        {
            // Nobody else's records went: the other contact person, VoIP contact, recording and usage record stay.
            Assert.True(await db.ContactPersons.AnyAsync(c => c.Id == f.Ids["alpha.other"], Ct));
            Assert.True(await db.VoipContacts.AnyAsync(c => c.Id == f.Ids["alpha.other_voip_contact"], Ct));
            Assert.False(await db.VoipContacts.AnyAsync(c => c.Id == f.Ids["alpha.voip_contact"], Ct));
            Assert.False(await db.SupportTickets.AnyAsync(Ct));
            var recordings = await db.Set<SupportCallRecording>().ToListAsync(Ct);
            Assert.Equal(f.Ids["alpha.other_recording"], Assert.Single(recordings).Id);
            Assert.Single(await db.Set<BlobRecord>().ToListAsync(Ct));
            Assert.Equal(1, await db.Set<DataKey>().CountAsync(k => k.DestroyedAt == null, Ct));
            Assert.False(await db.SubjectIdentifiers.AnyAsync(s => s.EntityId == f.Ids["alpha.voip_contact"] || s.EntityId == f.Ids["alpha.ticket"], Ct));
            Assert.Equal(3, await db.ContactPersons.CountAsync(Ct));
            Assert.Equal(2, await db.Keyholders.CountAsync(Ct));
            var verification = await f.Get<AuditVerifier>().VerifyAsync(db, null, Ct);
            Assert.True(verification.Intact, string.Join("; ", verification.Problems));
        }

        var notices = await CountNoticesAsync(f);
        var second = await EraseAllAsync(f, request);

        Assert.All(second.Values, line => Assert.Equal(0, line.Erased));
        // The erased categories have no records left (no part any more); the kept ones are kept alike.
        Assert.Equal(
            first.Values.Where(l => l.Kept.Count > 0).Select(l => (l.Category, Kept: string.Join(";", l.Kept))),
            second.Values.Select(l => (l.Category, Kept: string.Join(";", l.Kept))));
        Assert.Equal(notices, await CountNoticesAsync(f));
    }

    /// <summary>Jan's usage records of three months and others' around them; now 15 March 2025.</summary>
    private static async Task<ExecutionFixture> UsageFixtureAsync(Engine engine)
    {
        var f = await ExecutionFixture.CreateAsync(engine);
        await f.ImportAsync(EventFamily.Usage, "usage-more.csv",
            "organization,record_id,kind,direction,caller,callee,start,duration,billed,outcome,cell_id,country,volume,cost,currency,service\n" +
            $"alpha,u-3,voip,outbound,{ExecutionFixture.Phone},+31201234599,2025-02-10T10:00:00Z,60,60,answered,,,,,,VOIP-1\n" +
            $"alpha,u-4,voip,inbound,+31201234599,{ExecutionFixture.Phone},2024-12-05T10:00:00Z,60,60,answered,,,,,,VOIP-1\n" +
            "beta,u-5,voip,outbound,+31201234598,+31201234599,2024-12-06T10:00:00Z,60,60,answered,,,,,,VOIP-2\n" +
            "alpha,u-6,voip,outbound,+31201234598,+31201234599,2025-02-01T10:00:00Z,60,60,answered,,,,,,VOIP-1\n");
        f.Time.SetUtcNow(new DateTimeOffset(2025, 3, 15, 12, 0, 0, TimeSpan.Zero));
        return f;
    }

    private static Task<StoreResult<ErasureResult>> EraseUsageAsync(ExecutionFixture f, CustodianDbContext db, Guid request) =>
        f.Get<ErasureExecutor>().ExecuteAsync(db, request, ExecutionFixture.Person, new ExecutionPart("usage.call_detail_records", null), ExecutionFixture.Provider, Ct);

    private static async Task<List<string>> UsageKeysAsync(CustodianDbContext db)
    {
        await db.Database.OpenConnectionAsync(Ct);
        try
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = "SELECT record_key FROM usage_records ORDER BY record_key";
            var keys = new List<string>();
            await using var reader = await command.ExecuteReaderAsync(Ct);
            while (await reader.ReadAsync(Ct))
            {
                keys.Add(reader.GetString(0));
            }

            return keys;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    [Theory, AllEngines]
    public async Task ExecuteAsync_UsageRecords_ErasesThePersonsOldOnesKeepsTheBillingWindowTotalsStayExact(Engine engine)
    {
        await using var f = await UsageFixtureAsync(engine);
        var request = Guid.CreateVersion7();

        await using (var scope = f.Scope(out var db))
        {
            var first = await EraseUsageAsync(f, db, request);

            Assert.True(first.IsSuccess, first.Error?.ToString());
            var line = Assert.Single(first.Value.Categories);
            Assert.Equal(2, line.Erased); // u-1 (January) and u-4 (December): before the previous billing period
            // u-3 (February, the previous period) is needed to bill and for a dispute until 1 April (Amsterdam, CEST).
            Assert.Equal([new KeptRecords(KeptReasons.RunningContract, 1, Instant.FromUtc(2025, 3, 31, 22, 0))], line.Kept);
        }

        await using (var scope = f.Scope(out var db))
        {
            Assert.Equal(["u-2", "u-3", "u-5", "u-6"], await UsageKeysAsync(db));
            await MonthTotalsAssert.ExactAsync(db);
            var verification = await f.Get<AuditVerifier>().VerifyAsync(db, null, Ct);
            Assert.True(verification.Intact, string.Join("; ", verification.Problems));
            var audited = await db.Set<AuditEventObject>().Where(o => o.Type == "usage_record").Select(o => o.Id).ToListAsync(Ct);
            Assert.Equal(["u-1", "u-4"], audited.Select(id => id[(id.IndexOf('/', StringComparison.Ordinal) + 1)..]).Order(StringComparer.Ordinal));

            // Idempotent: a second run finds only the kept record and changes nothing.
            var second = await EraseUsageAsync(f, db, request);
            var again = Assert.Single(second.Value!.Categories);
            Assert.Equal(0, again.Erased);
            Assert.Equal([new KeptRecords(KeptReasons.RunningContract, 1, Instant.FromUtc(2025, 3, 31, 22, 0))], again.Kept);
            Assert.Equal(["u-2", "u-3", "u-5", "u-6"], await UsageKeysAsync(db));
            await MonthTotalsAssert.ExactAsync(db);
        }

        // The sweep still works on the thinned months: December and January drop (all expired), February loses u-6
        // (expired 1 August) by a batched delete and keeps u-3 (expires 10 August).
        f.Time.SetUtcNow(new DateTimeOffset(2025, 8, 5, 12, 0, 0, TimeSpan.Zero));
        await f.Services.GetRequiredService<RetentionSweeper>().RunAsync(null, Ct);
        await using (var scope = f.Scope(out var db))
        {
            Assert.Equal(["u-3"], await UsageKeysAsync(db));
            await MonthTotalsAssert.ExactAsync(db);
        }
    }

    [Theory, AllEngines]
    public async Task ExecuteAsync_HeldUsageRecords_StayWithTheHoldsReason(Engine engine)
    {
        await using var f = await UsageFixtureAsync(engine);
        await f.HoldAsync("legal_claims", "usage.call_detail_records", endsAt: "2025-12-01T00:00:00Z");
        await using var scope = f.Scope(out var db);

        var result = await EraseUsageAsync(f, db, Guid.CreateVersion7());

        var line = Assert.Single(result.Value!.Categories);
        Assert.Equal(0, line.Erased);
        Assert.Equal(
            [new KeptRecords(KeptReasons.LegalClaims, 3, Instant.FromUtc(2025, 12, 1, 0, 0))],
            line.Kept);
        Assert.Equal(["u-1", "u-2", "u-3", "u-4", "u-5", "u-6"], await UsageKeysAsync(db));
        await MonthTotalsAssert.ExactAsync(db);
    }

    [Theory, AllEngines]
    public async Task ExecuteAsync_AuthorityHold_KeptAsLegalObligationWithoutAnyTraceOfTheHold(Engine engine)
    {
        await using var f = await ExecutionFixture.CreateAsync(engine);
        var hold = await f.HoldAsync("criminal_investigation", "general.support_call_recordings", reference: "OM-2025-77", endsAt: "2025-06-01T00:00:00Z");
        await using var scope = f.Scope(out var db);

        var result = await f.Get<ErasureExecutor>().ExecuteAsync(db, Guid.CreateVersion7(), ExecutionFixture.Person, new ExecutionPart("general.support_call_recordings", null), ExecutionFixture.Provider, Ct);

        Assert.True(result.IsSuccess, result.Error?.ToString());
        var line = Assert.Single(result.Value.Categories);
        Assert.Equal(0, line.Erased);
        Assert.Equal([new KeptRecords(KeptReasons.LegalObligation, 1, null)], line.Kept);
        var json = JsonSerializer.Serialize(result.Value);
        Assert.DoesNotContain(hold.ToString(), json, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("OM-2025-77", json, StringComparison.Ordinal);
        Assert.DoesNotContain("criminal", json, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("2025-06-01", json, StringComparison.Ordinal);
        Assert.True(await db.Set<SupportCallRecording>().AnyAsync(r => r.Id == f.Ids["alpha.recording"], Ct));
    }

    [Theory, AllEngines]
    public async Task ExecuteAsync_LegalClaimsHold_KeptUntilTheHoldEnds(Engine engine)
    {
        await using var f = await ExecutionFixture.CreateAsync(engine);
        await f.HoldAsync("legal_claims", "general.support_call_recordings", endsAt: "2025-06-01T00:00:00Z");
        await using var scope = f.Scope(out var db);

        var result = await f.Get<ErasureExecutor>().ExecuteAsync(db, Guid.CreateVersion7(), ExecutionFixture.Person, new ExecutionPart("general.support_call_recordings", null), ExecutionFixture.Provider, Ct);

        Assert.Equal([new KeptRecords(KeptReasons.LegalClaims, 1, Instant.FromUtc(2025, 6, 1, 0, 0))], Assert.Single(result.Value!.Categories).Kept);
    }

    [Theory, AllEngines]
    public async Task ExecuteAsync_ClientPartOfOneOrganisation_LeavesTheOtherOrganisationsRecords(Engine engine)
    {
        await using var f = await ExecutionFixture.CreateAsync(engine);
        await using var scope = f.Scope(out var db);

        var result = await f.Get<ErasureExecutor>().ExecuteAsync(db, Guid.CreateVersion7(), ExecutionFixture.Person, new ExecutionPart("alarm.keyholders", f.Ids["beta"]), ExecutionFixture.Provider, Ct);

        Assert.Equal([new KeptRecords(KeptReasons.RunningContract, 1, null)], Assert.Single(result.Value!.Categories).Kept);
        Assert.Equal(0, await db.Set<RequestRecipientNotice>().CountAsync(Ct));
    }

    [Theory, AllEngines]
    public async Task ExecuteAsync_UnknownCategory_RefusedNothingChanged(Engine engine)
    {
        await using var f = await ExecutionFixture.CreateAsync(engine);
        await using var scope = f.Scope(out var db);

        var result = await f.Get<ErasureExecutor>().ExecuteAsync(db, Guid.CreateVersion7(), ExecutionFixture.Person, new ExecutionPart("no.such", null), ExecutionFixture.Provider, Ct);

        Assert.Equal(ErasureExecutor.UnknownCategory, result.Error?.Code);
    }

    private static async Task<Dictionary<string, ErasureCategoryResult>> EraseAllAsync(ExecutionFixture f, Guid request)
    {
        await using var scope = f.Scope(out var db);
        var plan = await f.Get<RequestSplit>().PlanAsync(db, ExecutionFixture.Person, Ct);
        var lines = new Dictionary<string, ErasureCategoryResult>(StringComparer.Ordinal);
        foreach (var part in plan.Parts)
        {
            var result = await f.Get<ErasureExecutor>().ExecuteAsync(db, request, ExecutionFixture.Person, new ExecutionPart(part.Category, part.OrganizationId), ExecutionFixture.Provider, Ct);
            Assert.True(result.IsSuccess, result.Error?.ToString());
            var line = Assert.Single(result.Value.Categories);
            lines[line.Category] = lines.TryGetValue(line.Category, out var seen)
                ? seen with { Erased = seen.Erased + line.Erased, Kept = [.. seen.Kept.Concat(line.Kept).GroupBy(k => k.Reason).Select(g => new KeptRecords(g.Key, g.Sum(k => k.Count), g.Any(k => k.Until is null) ? null : g.Max(k => k.Until)))] }
                : line;
        }

        return lines;
    }

    private static async Task<int> CountNoticesAsync(ExecutionFixture f)
    {
        await using var scope = f.Scope(out var db);
        return await db.Set<RequestRecipientNotice>().CountAsync(Ct);
    }
}
