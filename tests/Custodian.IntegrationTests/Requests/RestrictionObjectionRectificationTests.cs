using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Requests.Execution;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Store;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.IntegrationTests.Requests;

public sealed class RestrictionObjectionRectificationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task Restriction_BlocksTheSweep_LiftRefusedUntilTheNotificationIsRecorded(Engine engine)
    {
        await using var f = await ExecutionFixture.CreateAsync(engine);
        var request = Guid.CreateVersion7();
        var executor = f.Get<RestrictionExecutor>();
        await using (var scope = f.Scope(out var db))
        {
            var placed = await executor.PlaceAsync(db, request, ExecutionFixture.Person, RestrictionGround.AccuracyContested, null, [], ExecutionFixture.Provider, Ct);
            Assert.True(placed.IsSuccess, placed.Error?.ToString());
            Assert.Equal("accuracy_contested", placed.Value.Ground);
            Assert.Contains(placed.Value.Recipients, r => r.RecipientId == "call_recording_uk");
            var again = await executor.PlaceAsync(db, request, ExecutionFixture.Person, RestrictionGround.AccuracyContested, null, [], ExecutionFixture.Provider, Ct);
            Assert.Equal(placed.Value.HoldId, again.Value!.HoldId);
        }

        // The recording of 1 February expires after 90 days; the sweep of 1 June keeps the restricted person's one.
        f.Time.SetUtcNow(new DateTimeOffset(2025, 6, 1, 9, 0, 0, TimeSpan.Zero));
        await f.Get<RetentionSweeper>().RunAsync(null, Ct);
        await using (var scope = f.Scope(out var db))
        {
            Assert.Equal([f.Ids["alpha.recording"]], await db.Set<SupportCallRecording>().Select(r => r.Id).ToListAsync(Ct));

            var early = await executor.LiftAsync(db, request, "verified", ExecutionFixture.Provider, Ct);
            Assert.Equal(RestrictionExecutor.NotNotified, early.Error?.Code);

            var notified = await executor.RecordNotificationAsync(db, request, ExecutionFixture.Provider, Ct);
            Assert.True(notified.IsSuccess, notified.Error?.ToString());
            var lifted = await executor.LiftAsync(db, request, "verified", ExecutionFixture.Provider, Ct);
            Assert.True(lifted.IsSuccess, lifted.Error?.ToString());
            Assert.Equal(RestrictionExecutor.NotFound, (await executor.LiftAsync(db, request, "verified", ExecutionFixture.Provider, Ct)).Error?.Code);
        }

        f.Time.Advance(TimeSpan.FromDays(1));
        await f.Get<RetentionSweeper>().RunAsync(null, Ct);
        await using (var scope = f.Scope(out var db))
        {
            Assert.Empty(await db.Set<SupportCallRecording>().ToListAsync(Ct));
        }
    }

    [Theory, AllEngines]
    public async Task Restriction_LegalClaimsGround_KeepsRecordsFromErasure_AccuracyGroundDoesNot(Engine engine)
    {
        await using var f = await ExecutionFixture.CreateAsync(engine);
        await using var scope = f.Scope(out var db);
        var restriction = f.Get<RestrictionExecutor>();
        var erasure = f.Get<ErasureExecutor>();
        var part = new ExecutionPart("general.support_call_recordings", null);

        var claims = await restriction.PlaceAsync(db, Guid.CreateVersion7(), ExecutionFixture.Person, RestrictionGround.LegalClaims, null, [part.Category], ExecutionFixture.Provider, Ct);
        Assert.True(claims.IsSuccess, claims.Error?.ToString());
        var kept = await erasure.ExecuteAsync(db, Guid.CreateVersion7(), ExecutionFixture.Person, part, ExecutionFixture.Provider, Ct);
        Assert.Equal([new KeptRecords(KeptReasons.LegalClaims, 1, null)], Assert.Single(kept.Value!.Categories).Kept);

        var other = await restriction.PlaceAsync(db, Guid.CreateVersion7(), ExecutionFixture.Person, RestrictionGround.AccuracyContested, "alpha", ["voip.devices_and_contacts"], ExecutionFixture.Provider, Ct);
        Assert.True(other.IsSuccess, other.Error?.ToString());
        var erased = await erasure.ExecuteAsync(db, Guid.CreateVersion7(), ExecutionFixture.Person, new ExecutionPart("voip.devices_and_contacts", f.Ids["alpha"]), ExecutionFixture.Provider, Ct);
        Assert.Equal(1, Assert.Single(erased.Value!.Categories).Erased);
    }

    [Theory, AllEngines]
    public async Task Objection_WithoutCompellingGrounds_ErasesTheLegitimateInterestRecords(Engine engine)
    {
        await using var f = await ExecutionFixture.CreateAsync(engine);
        await using var scope = f.Scope(out var db);

        var result = await f.Get<ObjectionExecutor>().ExecuteAsync(db, Guid.CreateVersion7(), ExecutionFixture.Person, null, null, ExecutionFixture.Provider, Ct);

        Assert.True(result.IsSuccess, result.Error?.ToString());
        Assert.Equal(["general.support_call_recordings"], result.Value.Erased.Select(e => e.Category));
        Assert.Equal(1, result.Value.Erased[0].Erased);
        Assert.False(result.Value.DirectMarketing);
        Assert.Contains(result.Value.PurposesOnly, p => p.Purpose == "network_security" && p.Categories.Contains("internet.connection"));
        Assert.Equal([f.Ids["alpha.other_recording"]], await db.Set<SupportCallRecording>().Select(r => r.Id).ToListAsync(Ct));
    }

    [Theory, AllEngines]
    public async Task Objection_WithCompellingGrounds_KeptAndTheGroundsStoredAndAudited(Engine engine)
    {
        await using var f = await ExecutionFixture.CreateAsync(engine);
        await using var scope = f.Scope(out var db);
        var request = Guid.CreateVersion7();

        var result = await f.Get<ObjectionExecutor>().ExecuteAsync(db, request, ExecutionFixture.Person, null, "Evidence of the agreement in dispute T-1.", ExecutionFixture.Provider, Ct);

        Assert.True(result.IsSuccess, result.Error?.ToString());
        Assert.Equal(["general.support_call_recordings"], result.Value.KeptOnCompellingGrounds);
        Assert.Equal(2, await db.Set<SupportCallRecording>().CountAsync(Ct));
        var grounds = Assert.Single(await db.Set<RequestObjectionGrounds>().ToListAsync(Ct));
        Assert.Equal("Evidence of the agreement in dispute T-1.", grounds.Grounds);
        Assert.True(await db.Set<AuditEvent>().AnyAsync(e => e.Action == "request.objection_overruled", Ct));
    }

    [Theory, AllEngines]
    public async Task Objection_CategoryOnContract_Refused(Engine engine)
    {
        await using var f = await ExecutionFixture.CreateAsync(engine);
        await using var scope = f.Scope(out var db);

        var result = await f.Get<ObjectionExecutor>().ExecuteAsync(db, Guid.CreateVersion7(), ExecutionFixture.Person, ["alarm.keyholders"], null, ExecutionFixture.Provider, Ct);

        Assert.Equal(ObjectionExecutor.NotLegitimateInterest, result.Error?.Code);
    }

    [Theory, AllEngines]
    public async Task Rectification_Name_AppliedWithOldAndNewValuesThenPurged_SecondRunChangesNothing(Engine engine)
    {
        await using var f = await ExecutionFixture.CreateAsync(engine);
        await using var scope = f.Scope(out var db);
        var request = Guid.CreateVersion7();
        var executor = f.Get<RectificationExecutor>();
        RectificationChange[] changes = [new("keyholder", f.Ids["beta.keyholder"], "name", "Jan Persoon")];

        var result = await executor.ExecuteAsync(db, request, ExecutionFixture.Person, changes, ExecutionFixture.Provider, Ct);

        Assert.True(result.IsSuccess, result.Error?.ToString());
        Assert.True(Assert.Single(result.Value.Fields).Changed);
        Assert.Contains(result.Value.Recipients, r => r.RecipientId == "hosting_nl");
        Assert.Equal("Jan Persoon", (await db.Keyholders.SingleAsync(k => k.Id == f.Ids["beta.keyholder"], Ct)).Name);
        var row = Assert.Single(await db.Set<RequestRectification>().ToListAsync(Ct));
        Assert.Equal(("Jan Person", "Jan Persoon"), (row.OldValue, row.NewValue));

        var again = await executor.ExecuteAsync(db, request, ExecutionFixture.Person, changes, ExecutionFixture.Provider, Ct);
        Assert.False(Assert.Single(again.Value!.Fields).Changed);
        Assert.Single(await db.Set<RequestRectification>().ToListAsync(Ct));

        Assert.Equal(1, await executor.PurgeOldValuesAsync(db, request, ExecutionFixture.Provider, Ct));
        Assert.Null((await db.Set<RequestRectification>().AsNoTracking().SingleAsync(Ct)).OldValue);
        Assert.Equal(0, await executor.PurgeOldValuesAsync(db, request, ExecutionFixture.Provider, Ct));
    }

    [Theory, AllEngines]
    public async Task Rectification_ChannelChangeOrAnotherPersonsRecord_RefusedNothingChanged(Engine engine)
    {
        await using var f = await ExecutionFixture.CreateAsync(engine);
        await using var scope = f.Scope(out var db);
        var executor = f.Get<RectificationExecutor>();

        var channel = await executor.ExecuteAsync(db, Guid.CreateVersion7(), ExecutionFixture.Person,
            [new("keyholder", f.Ids["beta.keyholder"], "name", "Jan Persoon"), new("keyholder", f.Ids["beta.keyholder"], "email", "attacker@evil.example")], ExecutionFixture.Provider, Ct);
        var other = await executor.ExecuteAsync(db, Guid.CreateVersion7(), ExecutionFixture.Person,
            [new("contact_person", f.Ids["alpha.other"], "name", "Hijacked")], ExecutionFixture.Provider, Ct);
        var invalid = await executor.ExecuteAsync(db, Guid.CreateVersion7(), ExecutionFixture.Person,
            [new("contact_person", f.Ids["alpha.contact"], "name", "")], ExecutionFixture.Provider, Ct);

        Assert.Equal(RectificationExecutor.ChannelChange, channel.Error?.Code);
        Assert.Equal(RectificationExecutor.NotSubjectRecord, other.Error?.Code);
        Assert.Equal("validation.failed", invalid.Error?.Code);
        Assert.Equal("Jan Person", (await db.Keyholders.AsNoTracking().SingleAsync(k => k.Id == f.Ids["beta.keyholder"], Ct)).Name);
        Assert.Equal("Other Person", (await db.ContactPersons.AsNoTracking().SingleAsync(c => c.Id == f.Ids["alpha.other"], Ct)).Name);
        Assert.Empty(await db.Set<RequestRectification>().ToListAsync(Ct));
    }

    // The withdrawal of consent (the ledger since issue 7) is tested in Consent/ConsentLedgerTests.
    [Theory, AllEngines]
    public async Task Restriction_RefusesUpdatesAndContentReadsOfThePersonsRecords_UntilLifted_OthersUnaffected(Engine engine)
    {
        await using var f = await ExecutionFixture.CreateAsync(engine);
        var request = Guid.CreateVersion7();
        var executor = f.Get<RestrictionExecutor>();
        await using (var scope = f.Scope(out var db))
        {
            var placed = await executor.PlaceAsync(db, request, ExecutionFixture.Person, RestrictionGround.AccuracyContested, null, [], ExecutionFixture.Provider, Ct);
            Assert.True(placed.IsSuccess, placed.Error?.ToString());
        }

        var changed = new ContactPersonInput("alpha", "Jan Person", null, "jan.new@person.example", "general");
        await using (var scope = f.Scope(out _))
        {
            var store = scope.ServiceProvider.GetRequiredService<StoreCommands>();
            var content = scope.ServiceProvider.GetRequiredService<StoreContentCommands>();

            // Art. 18(2): stored, not processed: an update from the provider's systems and a content read are refused.
            var update = await store.UpdateAsync(ExecutionFixture.Provider, f.Ids["alpha.contact"], changed, Ct);
            Assert.Equal(ProcessingRestrictions.Restricted, Assert.IsType<ConflictError>(update.Error).Code);
            var read = await content.OpenContentAsync<SupportCallRecording>(ExecutionFixture.Provider, f.Ids["alpha.recording"], Ct);
            Assert.Equal(ProcessingRestrictions.Restricted, read.Error?.Code);

            // Someone else's records in the same organisation are not touched by it.
            var other = await store.UpdateAsync(ExecutionFixture.Provider, f.Ids["alpha.other"], new ContactPersonInput("alpha", "Other Person", null, "other2@alpha.example", "general"), Ct);
            Assert.True(other.IsSuccess, other.Error?.ToString());
            var otherRead = await content.OpenContentAsync<SupportCallRecording>(ExecutionFixture.Provider, f.Ids["alpha.other_recording"], Ct);
            Assert.True(otherRead.IsSuccess, otherRead.Error?.ToString());
            await otherRead.Value.Content.DisposeAsync();
        }

        await using (var scope = f.Scope(out var db))
        {
            Assert.Equal(ExecutionFixture.Email, await db.ContactPersons.Where(c => c.Id == f.Ids["alpha.contact"]).Select(c => c.Email).SingleAsync(Ct));
            Assert.True((await executor.RecordNotificationAsync(db, request, ExecutionFixture.Provider, Ct)).IsSuccess);
            Assert.True((await executor.LiftAsync(db, request, "verified", ExecutionFixture.Provider, Ct)).IsSuccess);
        }

        await using (var scope = f.Scope(out _))
        {
            var update = await scope.ServiceProvider.GetRequiredService<StoreCommands>().UpdateAsync(ExecutionFixture.Provider, f.Ids["alpha.contact"], changed, Ct);
            Assert.True(update.IsSuccess, update.Error?.ToString());
        }
    }
}
