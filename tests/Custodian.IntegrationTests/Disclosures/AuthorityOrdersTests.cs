using System.IO.Compression;
using System.Security.Cryptography;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Disclosures;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.IntegrationTests.Requests.Answers;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Disclosures;

/// <summary>The order register on both engines: hold in the same transaction, exact scope, four eyes, statistics.</summary>
public sealed class AuthorityOrdersTests
{
    private static readonly AuditActor First = new(AuditActorKind.User, "officer-1");
    private static readonly AuditActor Second = new(AuditActorKind.User, "officer-2");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task RegisterProduceRelease_TrafficOrder_HoldsAndExportsExactlyTheScope(Engine engine)
    {
        await using var fixture = await AnswersFixture.CreateAsync(engine, more: Disclosures);
        await using var scope = fixture.Import.Services.CreateAsyncScope();
        var orders = Orders(scope);

        // Usage records of Jan's number on 1 November only: c-1 (1 Nov), not c-2 (2 Nov), not the traffic record
        // (category not asked), not Piet's.
        var registered = await orders.RegisterAsync(Caller(First), Input("OM-2026-0001", "traffic_data_126n", judge: null,
            from: "2026-11-01T00:00:00Z", until: "2026-11-02T00:00:00Z", [UsageRecord.Category], AnswersFixture.JanPhone), Ct);
        Assert.True(registered.IsSuccess, registered.Error?.ToString());
        var order = registered.Value;
        Assert.True(order.NeedsLegalReview);
        Assert.Equal(AnswersFixture.JanPhone, Assert.Single(order.Targets).Value);

        var detail = (await orders.GetAsync(Caller(First), order.Id, Ct)).Value!;
        Assert.Equal(HoldBasis.CriminalInvestigation, detail.Hold.Basis);
        Assert.True(HoldBases.IsAuthority(detail.Hold.Basis));
        Assert.Equal("OM-2026-0001", detail.Hold.Reference);
        Assert.Equal(AnswersFixture.JanPhone, Assert.Single(detail.Hold.Identifiers).Value);
        Assert.Equal([UsageRecord.Category], detail.Hold.Categories);

        var produced = await orders.ProduceAsync(Caller(First), order.Id, Ct);
        Assert.True(produced.IsSuccess, produced.Error?.ToString());
        Assert.Equal(1, produced.Value.RecordCount);

        Assert.Equal("order.not_released", (await orders.DownloadAsync(Caller(Second), produced.Value.Id, Ct)).Error!.Code);
        Assert.Equal("order.four_eyes", (await orders.ReleaseAsync(Caller(First), produced.Value.Id, Ct)).Error!.Code);
        Assert.Equal("production.not_found", (await orders.ReleaseAsync(new DisclosureCaller(Second, TenantScope.Everything, manage: false), produced.Value.Id, Ct)).Error!.Code);
        Assert.True((await orders.ReleaseAsync(Caller(Second), produced.Value.Id, Ct)).IsSuccess);

        var download = await orders.DownloadAsync(Caller(Second), produced.Value.Id, Ct);
        Assert.True(download.IsSuccess, download.Error?.ToString());
        using var zipBytes = new MemoryStream();
        await using (download.Value.Content)
        {
            await download.Value.Content.CopyToAsync(zipBytes, Ct);
        }

        Assert.Equal(produced.Value.Sha256, Convert.ToHexStringLower(SHA256.HashData(zipBytes.ToArray())));
        zipBytes.Position = 0;
        using var zip = new ZipArchive(zipBytes, ZipArchiveMode.Read);
        DisclosureManifest manifest;
        await using (var m = await zip.GetEntry("manifest.json")!.OpenAsync(Ct))
        {
            manifest = DisclosurePackage.ReadManifest(m);
        }

        Assert.Equal("OM-2026-0001", manifest.OrderReference);
        foreach (var file in manifest.Files)
        {
            using var content = new MemoryStream();
            await using (var s = await zip.GetEntry(file.Name)!.OpenAsync(Ct))
            {
                await s.CopyToAsync(content, Ct);
            }

            Assert.Equal(file.Sha256, Convert.ToHexStringLower(SHA256.HashData(content.ToArray())));
        }

        using var csv = new StreamReader(await zip.GetEntry("records.csv")!.OpenAsync(Ct));
        var text = await csv.ReadToEndAsync(Ct);
        Assert.Contains("/c-1,", text, StringComparison.Ordinal);
        Assert.DoesNotContain("/c-2,", text, StringComparison.Ordinal);
        Assert.DoesNotContain("/c-3,", text, StringComparison.Ordinal);
        Assert.DoesNotContain("someone@elsewhere.example", text, StringComparison.Ordinal);

        await using var check = fixture.Import.CreateContext(TenantScope.Everything);
        var complied = await check.Set<AuthorityOrder>().SingleAsync(o => o.Id == order.Id, Ct);
        Assert.NotNull(complied.CompliedAt);

        // The auditor's view of the trail holds none of it; the officer's does.
        var search = fixture.Import.Services.GetRequiredService<AuditSearch>();
        var auditorView = await search.SearchAsync(new AuditReader(TenantScope.Everything, lawful: false), new AuditSearchFilter(), Ct);
        Assert.DoesNotContain(auditorView.Entries, e => e.Action.StartsWith("disclosure.", StringComparison.Ordinal) || e.Action.StartsWith("hold.", StringComparison.Ordinal));
        var officerView = await search.SearchAsync(new AuditReader(TenantScope.Everything, lawful: true), new AuditSearchFilter(), Ct);
        Assert.Contains(officerView.Entries, e => e.Action == "disclosure.downloaded");
    }

    [Theory, AllEngines]
    public async Task RegisterAsync_BrokenRulesAndPreservation_ValuesWithFieldCodesAndThe90DayHold(Engine engine)
    {
        await using var fixture = await AnswersFixture.CreateAsync(engine, more: Disclosures, withData: false);
        await using var scope = fixture.Import.Services.CreateAsyncScope();
        var orders = Orders(scope);
        var now = Instant.FromDateTimeOffset(fixture.Import.Time.GetUtcNow());

        var broken = await orders.RegisterAsync(Caller(First), Input("OM-X", "interception_126m", judge: null,
            from: "2026-11-01T00:00:00Z", until: "2027-06-01T00:00:00Z", ["no.such_category"], "not a number"), Ct);
        var codes = Assert.IsType<ValidationError>(broken.Error).Errors.Select(e => (e.Field, e.Code)).ToList();
        Assert.Contains(("judgeAuthorisation", "order.judge_authorisation_required"), codes);
        Assert.Contains(("periodUntil", "order.future_period_limit"), codes);
        Assert.Contains(("categories[0]", "order.unknown_category"), codes);
        Assert.Contains(codes, c => c.Field == "targets[0].value");
        Assert.Equal("order.manage_required", (await orders.RegisterAsync(new DisclosureCaller(First, TenantScope.Everything, manage: false), Input(
            "OM-X", "user_data_126na", null, "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z", [UsageRecord.Category], "+31640000001"), Ct)).Error!.Code);

        var preservation = await orders.RegisterAsync(Caller(First), Input("OM-P", "preservation_126ni", judge: null,
            from: "2026-10-01T00:00:00Z", until: "2026-11-28T00:00:00Z", [UsageRecord.Category], "+31640000001"), Ct);
        Assert.True(preservation.IsSuccess, preservation.Error?.ToString());
        Assert.Equal(now, preservation.Value.CompliedAt);
        await using var check = fixture.Import.CreateContext(TenantScope.Everything);
        Assert.Equal(1, await check.Set<AuthorityOrder>().CountAsync(Ct));
        var hold = await check.LegalHolds.SingleAsync(h => h.Id == preservation.Value.LegalHoldId, Ct);
        Assert.Equal(HoldBasis.PreservationOrder126ni, hold.Basis);
        Assert.Equal(HoldRules.PreservationOrderLimit(now), hold.EndsAt);

        var stats = await scope.ServiceProvider.GetRequiredService<DisclosureStatistics>().ForYearAsync(Caller(First), 2026, Ct);
        Assert.NotNull(stats);
        Assert.Equal(1, stats.TotalOrders);
        Assert.Equal(1, stats.Rows.Single(r => r.Type == "preservation_126ni").Identifiers);
        Assert.Contains("2026,preservation,preservation_126ni,1,1", DisclosureStatistics.ToCsv(stats), StringComparison.Ordinal);
        Assert.Null(await scope.ServiceProvider.GetRequiredService<DisclosureStatistics>()
            .ForYearAsync(new DisclosureCaller(First, TenantScope.Everything, manage: false), 2026, Ct));
    }

    [Theory, AllEngines]
    public async Task MarkCompliedAsync_InterceptionOnceDataOrderNever_StopsTheLateAlertAndIsAuditedNeutrally(Engine engine)
    {
        await using var fixture = await AnswersFixture.CreateAsync(engine, more: Disclosures, withData: false);
        await using var scope = fixture.Import.Services.CreateAsyncScope();
        var orders = Orders(scope);
        var now = Instant.FromDateTimeOffset(fixture.Import.Time.GetUtcNow());

        var tap = (await orders.RegisterAsync(Caller(First), Input("OM-T", "interception_126m", judge: "RC-1",
            from: "2026-11-01T00:00:00Z", until: "2026-12-01T00:00:00Z", [UsageRecord.Category], "+31640000001"), Ct)).Value!;
        var data = (await orders.RegisterAsync(Caller(First), Input("OM-D", "user_data_126na", judge: null,
            from: "2026-11-01T00:00:00Z", until: "2026-11-02T00:00:00Z", [UsageRecord.Category], "+31640000001"), Ct)).Value!;
        var limit = now - tap.ReceivedAt + Duration.FromMinutes(1);
        Assert.True(tap.IsLate(now + Duration.FromDays(30), limit));

        Assert.Equal("order.not_found", (await orders.MarkCompliedAsync(new DisclosureCaller(First, TenantScope.Everything, manage: false), tap.Id, Ct)).Error!.Code);
        Assert.Equal("order.complied_by_release", (await orders.MarkCompliedAsync(Caller(First), data.Id, Ct)).Error!.Code);
        // No four eyes: the registrar may mark; a second mark (by anyone) is refused and the first time stands.
        var marked = await orders.MarkCompliedAsync(Caller(First), tap.Id, Ct);
        Assert.True(marked.IsSuccess, marked.Error?.ToString());
        Assert.Equal("order.already_complied", (await orders.MarkCompliedAsync(Caller(Second), tap.Id, Ct)).Error!.Code);

        await using var check = fixture.Import.CreateContext(TenantScope.Everything);
        var stored = await check.Set<AuthorityOrder>().SingleAsync(o => o.Id == tap.Id, Ct);
        Assert.Equal(now, stored.CompliedAt);
        Assert.False(stored.IsLate(now + Duration.FromDays(30), limit));
        Assert.Null((await check.Set<AuthorityOrder>().SingleAsync(o => o.Id == data.Id, Ct)).CompliedAt);

        var search = fixture.Import.Services.GetRequiredService<AuditSearch>();
        var officerView = await search.SearchAsync(new AuditReader(TenantScope.Everything, lawful: true), new AuditSearchFilter(), Ct);
        var entry = Assert.Single(officerView.Entries, e => e.Action == "disclosure.complied");
        Assert.DoesNotContain("OM-T", System.Text.Json.JsonSerializer.Serialize(entry), StringComparison.Ordinal);
        var auditorView = await search.SearchAsync(new AuditReader(TenantScope.Everything, lawful: false), new AuditSearchFilter(), Ct);
        Assert.DoesNotContain(auditorView.Entries, e => e.Action == "disclosure.complied");
    }

    [Theory, AllEngines]
    public async Task RegisterAsync_NuisanceCall1111_NonSecretHoldAndTheDisclosedSubscriberMustBeInformed(Engine engine)
    {
        await using var fixture = await AnswersFixture.CreateAsync(engine, more: Disclosures, withData: false);
        await using var scope = fixture.Import.Services.CreateAsyncScope();
        var orders = Orders(scope);

        var registered = await orders.RegisterAsync(Caller(First), Input("NC-2026-17", "nuisance_call_11_11", judge: null,
            from: "2026-11-20T00:00:00Z", until: "2026-11-27T00:00:00Z", [UsageRecord.Category], "+31640000002") with
        { IssuedBy = "subscriber" }, Ct);
        Assert.True(registered.IsSuccess, registered.Error?.ToString());
        Assert.True(registered.Value.MustInformDisclosedSubscriber);
        Assert.Null(registered.Value.CompliedAt);

        await using var check = fixture.Import.CreateContext(TenantScope.Everything);
        var hold = await check.LegalHolds.Include(h => h.Identifiers).SingleAsync(h => h.Id == registered.Value.LegalHoldId, Ct);
        Assert.Equal(HoldBasis.Other, hold.Basis);
        Assert.False(HoldBases.IsAuthority(hold.Basis));
        Assert.Equal(AuthorityOrders.NuisanceHoldReason, hold.Reason);
        Assert.Null(hold.Reference);
        Assert.Equal("+31640000002", Assert.Single(hold.Identifiers).Value);
        Assert.Null(hold.EndsAt);

        // The other types keep their secret basis and carry no such duty.
        Assert.All(Enum.GetValues<AuthorityOrderType>().Where(t => t != AuthorityOrderType.NuisanceCall1111), t =>
        {
            Assert.True(HoldBases.IsAuthority(AuthorityOrderTypes.HoldBasisFor(t)));
            Assert.False(AuthorityOrderTypes.MustInformDisclosedSubscriber(t));
        });
    }

    internal static AuthorityOrderInput Input(string reference, string type, string? judge, string from, string until, IReadOnlyList<string?> categories, string target) =>
        new(reference, type, "public_prosecutor", judge, "2026-11-28T09:00:00Z", from, until, categories, [new OrderTargetInput("phone", target)], 125.50m, "two hours of work");

    /// <summary>The order register's services as the host registers them (store, holds, disclosures).</summary>
    internal static void Disclosures(IServiceCollection services) => services.AddCustodianStore().AddCustodianDisclosures();

    private static DisclosureCaller Caller(AuditActor actor) => new(actor, TenantScope.Everything, manage: true);

    /// <summary>As the host resolves it for a provider-wide officer: from a request scope whose context sees every tenant.</summary>
    internal static AuthorityOrders Orders(AsyncServiceScope scope)
    {
        scope.ServiceProvider.GetRequiredService<CustodianDbContext>().ScopeTo(TenantScope.Everything);
        return scope.ServiceProvider.GetRequiredService<AuthorityOrders>();
    }
}
