using System.Text.Json;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Requests.Execution;
using Custodian.Core.Features.Store;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
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
        // Usage records: kept to their six-month expiry (20 January 2025 + P6M, from the start of 21 July in Amsterdam).
        Assert.Equal([new KeptRecords(KeptReasons.RetentionPeriod, 1, Instant.FromUtc(2025, 7, 20, 22, 0))], first["usage.call_detail_records"].Kept);
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
