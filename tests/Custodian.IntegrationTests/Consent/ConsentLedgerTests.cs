using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Consent;
using Custodian.Core.Features.Requests.Execution;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.IntegrationTests.Requests;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.IntegrationTests.Consent;

/// <summary>The consent ledger on both engines: append-only history, withdrawal visible at the next call, the processing on consent refusing, the withdraw_consent request.</summary>
public sealed class ConsentLedgerTests
{
    private const string Text = "Mogen wij uw gebruiksgegevens gebruiken voor een verbruiksoverzicht en bundeladvies in de app?";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ConsentGiveInput App(string identifier, string version = "app-2026-1", string text = Text, string purpose = ConsentPurposes.AppUsageInsights) =>
        new(identifier, null, purpose, version, text, ConsentChannels.App);

    [Theory, AllEngines]
    public async Task Ledger_GiveWithdrawRegive_AppendOnly_WithdrawalRefusesTheNextProcessing(Engine engine)
    {
        await using var f = await ExecutionFixture.CreateAsync(engine, s => s.AddCustodianConsent());
        var ledger = f.Get<ConsentLedger>();
        var insights = f.Get<AppUsageInsights>();
        var phone = new SubjectKey(SubjectIdentifierKind.Phone, ExecutionFixture.Phone);
        await using var scope = f.Scope(out var db);

        // Before any consent the processing on consent refuses.
        Assert.Equal(ConsentErrors.Required, Assert.IsType<ConflictError>((await insights.GetAsync(db, ExecutionFixture.Provider, ExecutionFixture.Phone, Ct)).Error).Code);

        var given = await ledger.GiveAsync(db, ExecutionFixture.Provider, App("020 123 4567"), Ct);
        Assert.True(given.IsSuccess, given.Error?.ToString());
        Assert.Equal(ExecutionFixture.Phone, given.Value.SubjectValue);
        var again = await ledger.GiveAsync(db, ExecutionFixture.Provider, App(ExecutionFixture.Phone), Ct);
        Assert.Equal(given.Value.Id, again.Value!.Id);
        Assert.Equal(new ConsentStatus(ConsentPurposes.AppUsageInsights, true, "app-2026-1", given.Value.GivenAt, ConsentChannels.App), await ConsentLedger.CheckAsync(db, phone, ConsentPurposes.AppUsageInsights, Ct));
        Assert.True((await insights.GetAsync(db, ExecutionFixture.Provider, ExecutionFixture.Phone, Ct)).IsSuccess);

        f.Time.Advance(TimeSpan.FromMinutes(5));
        var withdrawn = await ledger.WithdrawAsync(db, ExecutionFixture.Provider, [phone], ConsentPurposes.AppUsageInsights, ConsentChannels.App, null, Ct);
        Assert.Single(withdrawn.Value!);

        // The very next check and the very next processing see the withdrawal.
        Assert.False((await ConsentLedger.CheckAsync(db, phone, ConsentPurposes.AppUsageInsights, Ct)).Given);
        Assert.Equal(ConsentErrors.Required, (await insights.GetAsync(db, ExecutionFixture.Provider, ExecutionFixture.Phone, Ct)).Error?.Code);

        // Re-consent is a new entry; the withdrawn one stays as evidence; the text is stored once per version.
        f.Time.Advance(TimeSpan.FromMinutes(5));
        var regiven = await ledger.GiveAsync(db, ExecutionFixture.Provider, App(ExecutionFixture.Phone), Ct);
        Assert.NotEqual(given.Value.Id, regiven.Value!.Id);
        var history = await ConsentLedger.HistoryAsync(db, [phone], Ct);
        Assert.Equal([regiven.Value.Id, given.Value.Id], history.Select(e => e.Id));
        Assert.NotNull(history[1].WithdrawnAt);
        Assert.Equal(ConsentChannels.App, history[1].WithdrawnChannel);
        Assert.Equal(1, await db.Set<ConsentText>().CountAsync(Ct));
        Assert.Equal(Text, (await ConsentLedger.TextAsync(db, ConsentPurposes.AppUsageInsights, "app-2026-1", Ct))!.Text);

        // Refusals with their codes.
        Assert.Equal(ConsentErrors.VersionTextMismatch, (await ledger.GiveAsync(db, ExecutionFixture.Provider, App(ExecutionFixture.Email, text: "Another text"), Ct)).Error?.Code);
        var notConsent = Assert.IsType<ValidationError>((await ledger.GiveAsync(db, ExecutionFixture.Provider, App(ExecutionFixture.Email, purpose: "service_delivery"), Ct)).Error);
        Assert.Equal(ConsentErrors.PurposeNotConsent, Assert.Single(notConsent.Errors).Code);
        var unknown = Assert.IsType<ValidationError>((await ledger.GiveAsync(db, ExecutionFixture.Provider, App(ExecutionFixture.Email, purpose: "nope"), Ct)).Error);
        Assert.Equal(ConsentErrors.UnknownPurpose, Assert.Single(unknown.Errors).Code);

        var actions = await db.Set<AuditEvent>().Where(e => e.Action.StartsWith("consent.")).Select(e => e.Action).ToListAsync(Ct);
        Assert.Equal(2, actions.Count(a => a == "consent.given"));
        Assert.Equal(1, actions.Count(a => a == "consent.withdrawn"));
    }

    [Theory, AllEngines]
    public async Task WithdrawConsentRequest_WithdrawsEveryConsentOfThePerson_ThenFindsNoneLeft(Engine engine)
    {
        await using var f = await ExecutionFixture.CreateAsync(engine);
        var ledger = f.Get<ConsentLedger>();
        var executor = f.Get<ConsentWithdrawalExecutor>();
        var request = Guid.CreateVersion7();
        await using var scope = f.Scope(out var db);
        Assert.True((await ledger.GiveAsync(db, ExecutionFixture.Provider, App(ExecutionFixture.Phone), Ct)).IsSuccess);
        Assert.True((await ledger.GiveAsync(db, ExecutionFixture.Provider, App(ExecutionFixture.Email), Ct)).IsSuccess);
        Assert.True((await ledger.GiveAsync(db, ExecutionFixture.Provider, App("other@person.example"), Ct)).IsSuccess);

        var first = await executor.ExecuteAsync(db, request, ExecutionFixture.Person, ConsentChannels.Letter, ExecutionFixture.Provider, Ct);
        var second = await executor.ExecuteAsync(db, request, ExecutionFixture.Person, ConsentChannels.Letter, ExecutionFixture.Provider, Ct);

        Assert.Equal((ConsentWithdrawalExecutor.Withdrawn, 2), (first.Value!.Code, first.Value.Withdrawn));
        Assert.Equal([ConsentPurposes.AppUsageInsights], first.Value.Purposes);
        Assert.Equal(ConsentWithdrawalExecutor.NoneGiven, second.Value!.Code);
        var entries = await db.Set<ConsentEntry>().AsNoTracking().ToListAsync(Ct);
        Assert.All(entries.Where(e => e.SubjectValue != "other@person.example"), e => Assert.Equal((request, ConsentChannels.Letter), (e.WithdrawnByRequestId!.Value, e.WithdrawnChannel!)));
        Assert.Null(entries.Single(e => e.SubjectValue == "other@person.example").WithdrawnAt);
    }

    [Theory, AllEngines]
    public async Task GiveAsync_SimultaneousFirstGivesOfANewVersion_AllRecordedWithOneText(Engine engine)
    {
        await using var f = await ExecutionFixture.CreateAsync(engine);
        var ledger = f.Get<ConsentLedger>();
        const int people = 6;

        // Several apps record their users' first consent on a version nobody gave before, at the same moment: each
        // transaction finds the text unknown and inserts it; all but one meet the unique key on (purpose, version).
        for (var round = 0; round < 3; round++)
        {
            var version = $"app-race-{round}";
            using var start = new ManualResetEventSlim();
            var gives = Enumerable.Range(0, people).Select(i => Task.Run(async () =>
            {
                await using var scope = f.Scope(out var db);
                start.Wait(Ct);
                return await ledger.GiveAsync(db, ExecutionFixture.Provider, App($"race{round}-{i}@person.example", version), Ct);
            }, Ct)).ToList();
            start.Set();
            var results = await Task.WhenAll(gives);

            Assert.All(results, r => Assert.True(r.IsSuccess, r.Error?.ToString()));
        }

        await using (var scope = f.Scope(out var db))
        {
            Assert.Equal(3, await db.Set<ConsentText>().CountAsync(Ct));
            Assert.Equal(3 * people, await db.Set<ConsentEntry>().CountAsync(Ct));
        }
    }
}
