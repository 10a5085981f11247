using System.Net;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.ApiKeys;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.IntegrationTests.Office;
using Custodian.IntegrationTests.Store;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Shielding;

/// <summary>The 112 look-up and the itemised bill over real HTTP: scopes, status codes and the JSON shape.</summary>
public sealed class EmergencyAndBillApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EmergencyLookupAndItemisedBill_OverHttp_ScopedAndShaped()
    {
        await using var api = await StoreApi.StartAsync(Engine.Sqlite);
        var factory = api.Server.Services.GetRequiredService<IDbContextFactory<CustodianDbContext>>();
        await using (var db = await factory.CreateDbContextAsync(Ct))
        {
            db.ScopeTo(TenantScope.Everything);
            var org = new Organization { Code = "acme", Name = "Acme BV", BillingCompanyName = "Acme Holding BV" };
            var service = new Service { OrganizationId = org.Id, Kind = "mobile", Reference = "MOB-1", StartDate = new LocalDate(2025, 1, 1) };
            db.AddRange(org, service,
                new MobileSubscription { OrganizationId = org.Id, ServiceId = service.Id, Iccid = "8931000000000000001", PhoneNumber = "+31640000001" },
                new DeliveryAddress { OrganizationId = org.Id, Street = "Teststraat", HouseNumber = "1", Postcode = "1234 AB", City = "Testdorp", Country = "NL" });
            await db.SaveChangesAsync(Ct);
        }

        var network = api.ClientWith(await api.CreateKeyAsync(null, [ApiScopes.EmergencyLookup, ApiScopes.AllTenants]));
        var noScope = api.ClientWith(await api.CreateKeyAsync(null, [ApiScopes.StoreRead, ApiScopes.AllTenants]));
        var billing = api.ClientWith(await api.CreateKeyAsync(null, [ApiScopes.BillsRead, ApiScopes.AllTenants]));

        var (found, body) = await StoreApi.SendAsync(network, HttpMethod.Post, "/api/v1/emergency/caller-lookups", new { number = "06-40000001" });
        var (unknown, problem) = await StoreApi.SendAsync(network, HttpMethod.Post, "/api/v1/emergency/caller-lookups", new { number = "+31640000999" });
        var (forbidden, _) = await StoreApi.SendAsync(noScope, HttpMethod.Post, "/api/v1/emergency/caller-lookups", new { number = "+31640000001" });
        var (bill, billBody) = await StoreApi.SendAsync(billing, HttpMethod.Post, "/api/v1/bills/itemised", new { number = "+31640000001", period = "2026-10" });
        var (badPeriod, _) = await StoreApi.SendAsync(billing, HttpMethod.Post, "/api/v1/bills/itemised", new { number = "+31640000001", period = "October" });

        Assert.Equal(HttpStatusCode.OK, found);
        Assert.Equal("+31640000001", body.GetProperty("number").GetString());
        Assert.Equal("Acme Holding BV", body.GetProperty("name").GetString());
        Assert.Equal("1234 AB", body.GetProperty("addresses")[0].GetProperty("postcode").GetString());
        Assert.Equal("Testdorp", body.GetProperty("addresses")[0].GetProperty("place").GetString());
        Assert.Equal(HttpStatusCode.NotFound, unknown);
        Assert.Equal("emergency.number_unknown", problem.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, forbidden);
        Assert.Equal(HttpStatusCode.OK, bill);
        Assert.Equal("2026-10", billBody.GetProperty("period").GetString());
        Assert.Equal(0, billBody.GetProperty("calls").GetArrayLength());
        Assert.Equal(HttpStatusCode.BadRequest, badPeriod);

        // The office page: a support agent shields a number (free, from this period); an auditor may not open the page.
        using var agent = await OfficePageSetup.ClientAsync(api.Server, StaffRoles.SupportAgent);
        using var auditor = await OfficePageSetup.ClientAsync(api.Server, StaffRoles.Auditor);
        using var added = await OfficePageSetup.PostAsync(agent, "/office/shielding", "/office/shielding?handler=Add", new() { ["number"] = "088 308 2636", ["when"] = "now" });
        using var page = await OfficePageSetup.GetAsync(agent, "/office/shielding?done=added");
        using var denied = await OfficePageSetup.GetAsync(auditor, "/office/shielding");
        Assert.Equal(HttpStatusCode.Redirect, added.StatusCode);
        Assert.Contains("31 88 308 2636", await OfficePageSetup.BodyAsync(page), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
    }
}
