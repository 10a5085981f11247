using System.Net;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Events;
using Custodian.Core.Persistence;
using Custodian.IntegrationTests.Store;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.IntegrationTests.Import;

/// <summary>The store's subject look-up (over HTTP) finds bulk-imported usage and traffic records too.</summary>
public sealed class ImportLookupTests
{
    [Theory, AllEngines]
    public async Task LookUp_PhoneOfImportedCaller_FindsUsageAndTrafficRecordsInTheirCategories(Engine engine)
    {
        await using var api = await StoreApi.StartAsync(engine);
        var (_, tenant) = await api.CreateTenantAsync("demo");
        var (_, other) = await api.CreateTenantAsync("other");
        var services = api.Server.Services;
        var importer = new EventImporter(
            services.GetRequiredService<IDbContextFactory<CustodianDbContext>>(), services.GetRequiredService<IAuditTrail>(),
            services.GetRequiredService<TimeProvider>(), new ImportOptions(), ShippedRegister.Register);
        var actor = new AuditActor(AuditActorKind.Cli, "cli:import");
        var folder = Directory.CreateTempSubdirectory("custodian-lookup.");
        try
        {
            foreach (var (family, sample) in new[] { (EventFamily.Usage, "usage.csv"), (EventFamily.Traffic, "traffic.csv") })
            {
                var path = Path.Combine(folder.FullName, sample);
                File.Copy(ImportFixture.Sample(sample), path);
                var result = await importer.ImportAsync(new ImportRequest(family, path, actor), null, TestContext.Current.CancellationToken);
                Assert.Equal(ImportOutcome.Imported, result.Outcome);
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }

        var (status, body) = await StoreApi.SendAsync(tenant, HttpMethod.Get, "/api/v1/subjects?identifier=%2B442079460501&reason=DSR-1");
        var (otherStatus, otherBody) = await StoreApi.SendAsync(other, HttpMethod.Get, "/api/v1/subjects?identifier=%2B442079460501&reason=DSR-1");

        Assert.True(status == HttpStatusCode.OK, body.ToString());
        var categories = body.GetProperty("categories").EnumerateArray().ToDictionary(
            c => c.GetProperty("category").GetString()!,
            c => c.GetProperty("records").EnumerateArray().ToList());
        Assert.Equal(["general.traffic_information", "usage.call_detail_records"], categories.Keys.Order());
        Assert.Equal(3, categories["usage.call_detail_records"].Count);
        Assert.All(categories["usage.call_detail_records"], r => Assert.Equal("usage_record", r.GetProperty("type").GetString()));
        Assert.Equal("telephony", Assert.Single(categories["general.traffic_information"]).GetProperty("record").GetProperty("kind").GetString());
        Assert.Equal(HttpStatusCode.OK, otherStatus);
        Assert.Empty(otherBody.GetProperty("categories").EnumerateArray());
    }
}
