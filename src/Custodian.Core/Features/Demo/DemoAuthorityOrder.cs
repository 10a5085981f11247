using Custodian.Core.Features.Disclosures;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Tenancy;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Core.Features.Demo;

/// <summary>
/// <c>serve --dev</c>: one example authority order, so a newcomer logged in as the disclosure officer sees the
/// register, the hold it placed and both signals at once: a 126n order without the judge's authorisation (legal
/// review) received 30 hours ago and not yet complied with (late). Registered by the seeding system, so either demo
/// officer may produce its data and the other release it (four eyes). Not part of <c>demo seed</c>'s reproducible set.
/// </summary>
internal static class DemoAuthorityOrder
{
    public const string Reference = "OM-DEMO-2026-0001";

    public static async Task<bool> SeedAsync(AuthorityOrders orders, DemoPerson target, TimeProvider time, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(orders);
        ArgumentNullException.ThrowIfNull(target);
        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        string Iso(Instant i) => InstantPattern.ExtendedIso.Format(i);
        var result = await orders.RegisterAsync(
            new DisclosureCaller(DemoSeeder.SystemActor, TenantScope.Everything, manage: true),
            new AuthorityOrderInput(
                Reference,
                AuthorityOrderTypes.Name(AuthorityOrderType.TrafficData126n),
                AuthorityOrderTypes.Name(IssuingAuthority.PublicProsecutor),
                JudgeAuthorisation: null,
                ReceivedAt: Iso(now - Duration.FromHours(30)),
                PeriodFrom: Iso(now - Duration.FromDays(60)),
                PeriodUntil: Iso(now + Duration.FromDays(7)),
                Categories: [UsageRecord.Category],
                Targets: [new OrderTargetInput("phone", target.Phone)],
                CostAmount: 42.50m,
                CostNote: "demo: one hour of staff time"),
            ct);
        return result.IsSuccess;
    }
}
