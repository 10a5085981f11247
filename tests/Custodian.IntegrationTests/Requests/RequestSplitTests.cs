using Custodian.Core.Features.Register;
using Custodian.Core.Features.Requests.Execution;
using Custodian.Testing;
using Xunit;

namespace Custodian.IntegrationTests.Requests;

public sealed class RequestSplitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task PlanAsync_SameEmailAtTwoOrganisations_OneClientPartPerOrganisationAndProviderPartsWhole(Engine engine)
    {
        await using var f = await ExecutionFixture.CreateAsync(engine);
        await using var scope = f.Scope(out var db);

        var plan = await f.Get<RequestSplit>().PlanAsync(db, ExecutionFixture.Person, Ct);

        var parts = plan.Parts.Select(p => (p.Category, p.ControllerName, p.OrganizationId, p.Records)).ToList();
        Assert.Equal(
            [
                ("general.contact_person", "provider", null, 2),
                ("general.traffic_information", "provider", null, 1),
                ("general.support_information", "provider", null, 1),
                ("general.support_call_recordings", "provider", null, 1),
                ("voip.devices_and_contacts", "client", f.Ids["alpha"], 1),
                ("usage.call_detail_records", "provider", null, 1),
                ("alarm.keyholders", "client", (Guid?)f.Ids["alpha"], 1L),
                ("alarm.keyholders", "client", f.Ids["beta"], 1),
            ],
            parts.OrderBy(p => Order(p.Category)).ThenBy(p => p.OrganizationId == f.Ids["alpha"] ? 0 : 1).ToList());
        Assert.Equal(2, plan.ClientParts.Count(p => p.Category == "alarm.keyholders"));
    }

    [Theory, AllEngines]
    public async Task PlanAsync_RecordsUnderAnAuthorityHold_CountedLikeAnyOther(Engine engine)
    {
        await using var f = await ExecutionFixture.CreateAsync(engine);
        await f.HoldAsync("criminal_investigation", "general.support_call_recordings", reference: "OM-2025-1");
        await using var scope = f.Scope(out var db);

        var plan = await f.Get<RequestSplit>().PlanAsync(db, ExecutionFixture.Person, Ct);

        Assert.Contains(new RequestPart("general.support_call_recordings", ControllerRole.Provider, null, 1), plan.Parts);
    }

    private static int Order(string category) => ShippedOrder.IndexOf(category);

    private static readonly List<string> ShippedOrder =
    [
        "general.contact_person", "general.delivery_address", "general.billing_name", "general.traffic_information", "general.support_information",
        "general.support_call_recordings", "internet.connection", "voip.devices_and_contacts", "mobile.sim_and_notifications", "usage.call_detail_records",
        "usage.customer_call_recordings", "alarm.keyholders",
    ];
}
