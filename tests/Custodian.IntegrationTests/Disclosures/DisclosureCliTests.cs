using System.Text.Json;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Disclosures;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Tenancy;
using Custodian.IntegrationTests.Host;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Disclosures;

/// <summary><c>custodian disclosures statistics --year YYYY [--json|--csv]</c> as the officer runs it.</summary>
public sealed class DisclosureCliTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("custodian-disclosure-cli.");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _data.Delete(recursive: true);

    private Task<(int Exit, string Out, string Err)> RunAsync(TestDatabase db, params string[] args) => CliTests.RunAsync(db, _data.FullName, args);

    [Theory, AllEngines]
    public async Task Statistics_TextJsonCsv_CountsOrdersAndIdentifiersOfTheYearOnlyAndIsAudited(Engine engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        await using (var context = db.CreateContext())
        {
            context.ScopeTo(TenantScope.Everything);
            Add(context, "OM-CANARY-2026", AuthorityOrderType.Interception126m, Instant.FromUtc(2026, 3, 1, 10, 0), "+31640000001", "+31640000002");
            Add(context, "OM-2026-B", AuthorityOrderType.NuisanceCall1111, Instant.FromUtc(2026, 12, 31, 22, 30), "+31640000003");
            // The year is Amsterdam's: 2025-12-31T23:30Z is 1 January 2026 (counted), 2026-12-31T23:30Z is 2027 (not).
            Add(context, "OM-2026-C", AuthorityOrderType.TrafficData126n, Instant.FromUtc(2025, 12, 31, 23, 30), "+31640000004");
            Add(context, "OM-2027", AuthorityOrderType.TrafficData126n, Instant.FromUtc(2026, 12, 31, 23, 30), "+31640000005");
            await context.SaveChangesAsync(Ct);
        }

        var (exit, csv, error) = await RunAsync(db, "disclosures", "statistics", "--year", "2026", "--csv");
        Assert.True(exit == 0, error);
        Assert.StartsWith("year,group,type,orders,identifiers\r\n", csv, StringComparison.Ordinal);
        Assert.Contains("2026,interception,interception_126m,1,2\r\n", csv, StringComparison.Ordinal);
        Assert.Contains("2026,nuisance_call,nuisance_call_11_11,1,1\r\n", csv, StringComparison.Ordinal);
        Assert.Contains("2026,traffic_data,traffic_data_126n,1,1\r\n", csv, StringComparison.Ordinal);

        (exit, var json, error) = await RunAsync(db, "disclosures", "statistics", "--year", "2026", "--json");
        Assert.True(exit == 0, error);
        using (var doc = JsonDocument.Parse(json))
        {
            Assert.Equal(3, doc.RootElement.GetProperty("total_orders").GetInt32());
            Assert.Equal(4, doc.RootElement.GetProperty("total_identifiers").GetInt32());
        }

        (exit, var text, error) = await RunAsync(db, "disclosures", "statistics", "--year", "2026");
        Assert.True(exit == 0, error);
        Assert.Contains("interception_126m", text, StringComparison.Ordinal);
        Assert.DoesNotContain("OM-", csv + json + text, StringComparison.Ordinal);
        Assert.DoesNotContain("+3164", csv + json + text, StringComparison.Ordinal);

        (exit, _, error) = await RunAsync(db, "disclosures", "statistics", "--year", "2026", "--json", "--csv");
        Assert.Equal(2, exit);
        Assert.Contains("disclosure.one_format", error, StringComparison.Ordinal);

        await using var check = db.CreateContext();
        check.ScopeTo(TenantScope.Everything);
        Assert.Equal(3, await check.Set<AuditEvent>().CountAsync(e => e.Action == "disclosure.statistics_exported", Ct));
    }

    private static void Add(Core.Persistence.CustodianDbContext context, string reference, AuthorityOrderType type, Instant received, params string[] phones)
    {
        var hold = new LegalHold
        {
            Basis = AuthorityOrderTypes.HoldBasisFor(type),
            Reason = AuthorityOrders.HoldReason,
            Reference = reference,
            Categories = ["general.contact_person"],
            StartsAt = received,
            PlacedAt = received,
            PlacedByKind = AuditActorKind.User,
            PlacedById = "officer-1",
        };
        context.LegalHolds.Add(hold);
        var order = new AuthorityOrder
        {
            Reference = reference,
            Type = type,
            IssuedBy = IssuingAuthority.PublicProsecutor,
            JudgeAuthorisation = "RC-1",
            ReceivedAt = received,
            PeriodFrom = received - Duration.FromDays(30),
            PeriodUntil = received,
            Categories = ["general.contact_person"],
            LegalHoldId = hold.Id,
            RegisteredAt = received,
            RegisteredByKind = AuditActorKind.User,
            RegisteredById = "officer-1",
        };
        order.Targets.AddRange(phones.Select(p => new AuthorityOrderTarget { OrderId = order.Id, Kind = "phone", Value = p }));
        context.Set<AuthorityOrder>().Add(order);
    }
}
