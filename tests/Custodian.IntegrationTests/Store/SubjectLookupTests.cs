using System.Net;
using Custodian.Core.Features.Audit;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace Custodian.IntegrationTests.Store;

/// <summary>The subject look-up over HTTP on both engines: complete across categories, tenant-scoped, audited.</summary>
public sealed class SubjectLookupTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task LookUp_PhoneInNationalFormat_FindsEveryRecordGroupedByCategory(Engine engine)
    {
        await using var api = await StoreApi.StartAsync(engine);
        var (orgId, tenant) = await api.CreateTenantAsync("acme");
        var records = await TenantRecords.SeedAsync(tenant, "acme", orgId, "Canary", 7);

        var (status, body) = await StoreApi.SendAsync(tenant, HttpMethod.Get, "/api/v1/subjects?identifier=06-40000007&reason=DSR-2025-001");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("phone", body.GetProperty("kind").GetString());
        Assert.Equal(records.Phone, body.GetProperty("identifier").GetString());
        var categories = body.GetProperty("categories").EnumerateArray().ToDictionary(
            c => c.GetProperty("category").GetString()!,
            c => c.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("type").GetString()!).ToList());
        Assert.Equal(
            ["general.contact_person", "general.support_information", "voip.devices_and_contacts", "mobile.sim_and_notifications", "alarm.keyholders"],
            categories.Keys);
        Assert.Equal(["mobile_subscription", "mobile_notification"], categories["mobile.sim_and_notifications"]);
        var keyholders = body.GetProperty("categories").EnumerateArray().Single(c => c.GetProperty("category").GetString() == "alarm.keyholders");
        Assert.Equal("client", keyholders.GetProperty("controller").GetString());
        Assert.Equal("service_end", keyholders.GetProperty("retention").GetProperty("anchor").GetString());
        Assert.Equal(records.Ids["keyholders"], keyholders.GetProperty("records")[0].GetProperty("record").GetProperty("id").GetGuid());

        await using var db = api.Server.Database.CreateContext();
        var events = await db.Set<AuditEvent>().AsNoTracking().Where(e => e.Action == "subject.looked_up").ToListAsync(Ct);
        var lookedUp = Assert.Single(events);
        Assert.Equal("DSR-2025-001", lookedUp.Reason);
        Assert.Equal(orgId, lookedUp.OrganizationId);
        Assert.Contains("hmac1:", lookedUp.Details, StringComparison.Ordinal);
        Assert.DoesNotContain("40000007", lookedUp.Details + lookedUp.Objects, StringComparison.Ordinal);
    }

    [Theory, AllEngines]
    public async Task LookUp_EmailNameImeiIccidMacIp_EachFindsItsRecords(Engine engine)
    {
        await using var api = await StoreApi.StartAsync(engine);
        var (orgId, tenant) = await api.CreateTenantAsync("acme");
        await TenantRecords.SeedAsync(tenant, "acme", orgId, "Canary", 3);

        async Task<IReadOnlyList<string>> Types(string query)
        {
            var (status, body) = await StoreApi.SendAsync(tenant, HttpMethod.Get, $"/api/v1/subjects?{query}&reason=test");
            Assert.True(status == HttpStatusCode.OK, $"{query}: {status} {body}");
            return [.. body.GetProperty("categories").EnumerateArray().SelectMany(c => c.GetProperty("records").EnumerateArray()).Select(r => r.GetProperty("type").GetString()!)];
        }

        Assert.Equal(["contact_person"], await Types("identifier=JAN.Canary%40ACME.example"));
        Assert.Equal(["contact_person", "support_ticket"], await Types("identifier=jan%20%20canary"));
        Assert.Equal(["mobile_subscription", "mobile_notification"], await Types($"identifier={TenantRecords.Imei(3)}"));
        Assert.Equal(["mobile_subscription", "mobile_notification"], await Types($"identifier={TenantRecords.Iccid(3)}"));
        Assert.Equal(["voip_device"], await Types("identifier=02-00-00-00-00-03"));
        Assert.Equal(["internet_connection"], await Types("identifier=203.0.113.3"));
        Assert.Equal(["voip_device"], await Types("identifier=10.0.0.3&kind=ip"));
        Assert.Empty(await Types("identifier=%2B31640009999"));
    }

    [Theory, AllEngines]
    public async Task LookUp_WithoutReason_IsValidationProblem(Engine engine)
    {
        await using var api = await StoreApi.StartAsync(engine);
        var (_, tenant) = await api.CreateTenantAsync("acme");

        var (status, problem) = await StoreApi.SendAsync(tenant, HttpMethod.Get, "/api/v1/subjects?identifier=%2B31640000001");
        var (badStatus, bad) = await StoreApi.SendAsync(tenant, HttpMethod.Get, "/api/v1/subjects?identifier=12&kind=imei&reason=x");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("reason", problem.GetProperty("errors")[0].GetProperty("field").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, badStatus);
        Assert.Equal("identifier.imei.length", bad.GetProperty("errors")[0].GetProperty("code").GetString());
    }

    [Theory, AllEngines]
    public async Task Reads_AreAudited_WithTheRecordAndTheKey(Engine engine)
    {
        await using var api = await StoreApi.StartAsync(engine);
        var (orgId, tenant) = await api.CreateTenantAsync("acme");
        var contact = await StoreApi.PostAsync(tenant, "/api/v1/contact-persons", new { name = "Jan Tester", email = "jan@acme.example", role = "privacy" });
        var id = contact.GetProperty("id").GetGuid();

        await StoreApi.SendAsync(tenant, HttpMethod.Get, $"/api/v1/contact-persons/{id}");

        await using var db = api.Server.Database.CreateContext();
        var actions = await db.Set<AuditEvent>().AsNoTracking().Where(e => e.OrganizationId == orgId).OrderBy(e => e.Seq).Select(e => new { e.Action, e.Objects, e.ActorKind }).ToListAsync(Ct);
        Assert.Contains(actions, a => a.Action == "contact_person.created" && a.Objects.Contains(id.ToString(), StringComparison.Ordinal));
        Assert.Contains(actions, a => a.Action == "contact_person.viewed" && a.Objects.Contains(id.ToString(), StringComparison.Ordinal));
        Assert.DoesNotContain(actions, a => a.Objects.Contains("jan@acme.example", StringComparison.Ordinal));
    }
}
