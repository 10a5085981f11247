using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Custodian.Core.Features.ApiKeys;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Disclosures;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.IntegrationTests.Office;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Disclosures;

/// <summary>One waiting package per order, enforced by the database (ux_authority_order_productions_waiting).</summary>
public sealed class ConcurrentProductionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task Produce_TwoRequestsAtOnce_OnePackageBothAnswersPointToItOneAuditEvent(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(engine);
        string key;
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var created = await scope.ServiceProvider.GetRequiredService<ApiKeyRegistry>()
                .CreateAsync(null, [ApiScopes.DisclosuresManage, ApiScopes.AllTenants], "test", new AuditActor(AuditActorKind.Cli, "cli:test"), Ct);
            key = created.Value!.FullKey;
        }

        using var api = new HttpClient { BaseAddress = server.BaseAddress };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var now = TimeProvider.System.GetUtcNow();
        using var registered = await api.PostAsJsonAsync("/api/v1/disclosures/orders", new
        {
            reference = "OM-RACE-0001",
            type = "traffic_data_126n",
            issuedBy = "public_prosecutor",
            receivedAt = Iso(now.AddHours(-2)),
            periodFrom = Iso(now.AddDays(-30)),
            periodUntil = Iso(now.AddDays(1)),
            categories = new[] { "general.contact_person" },
            targets = new[] { new { kind = "phone", value = "020 123 7788" } },
        }, Ct);
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        var orderId = JsonDocument.Parse(await registered.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("id").GetGuid();

        var path = new Uri($"/api/v1/disclosures/orders/{orderId}/productions", UriKind.Relative);
        var answers = await Task.WhenAll(Enumerable.Range(0, 2).Select(async _ =>
        {
            using var response = await api.PostAsync(path, null, Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}: {body}");
            return JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();
        }));

        await using var db = server.Database.CreateContext();
        db.ScopeTo(TenantScope.Everything);
        var production = await db.Set<AuthorityOrderProduction>().SingleAsync(p => p.OrderId == orderId, Ct);
        Assert.All(answers, a => Assert.Equal(production.Id, a));
        Assert.Single(await OfficePageSetup.AuditAsync(server, "disclosure.produced"));
        // No content without a row: the loser's staged package (if it got that far) was deleted, not left for the sweep.
        var store = server.Services.GetRequiredService<IBlobStore>();
        var stored = new List<string>();
        await foreach (var entry in store.ListAsync(Ct))
        {
            stored.Add(entry.Key);
        }

        var rows = await db.Set<BlobRecord>().Select(b => b.StoreKey).ToListAsync(Ct);
        Assert.Equal(rows.Order(StringComparer.Ordinal), stored.Order(StringComparer.Ordinal));

        // The database itself refuses a second waiting package (what makes the race above safe).
        var newer = new AuthorityOrderProduction
        {
            OrderId = orderId,
            BlobId = production.BlobId,
            Sha256 = production.Sha256,
            ProducedAt = production.ProducedAt + Duration.FromSeconds(1),
            ProducedById = "officer-x",
        };
        db.Set<AuthorityOrderProduction>().Add(newer);
        var refused = await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync(Ct));
        Assert.True(DatabaseErrors.IsUniqueViolation(refused));

        // The migration's data step on a database from before the index: the newest waiting package stays releasable,
        // the older one points at it.
        await db.Database.ExecuteSqlRawAsync("DROP INDEX ux_authority_order_productions_waiting", Ct);
        await db.SaveChangesAsync(Ct);
        await db.Database.ExecuteSqlRawAsync(DisclosureSchemaSql.SupersedeExtraWaitingPackages, Ct);
        db.ChangeTracker.Clear();
        var after = await db.Set<AuthorityOrderProduction>().AsNoTracking().Where(p => p.OrderId == orderId).ToDictionaryAsync(p => p.Id, Ct);
        Assert.Equal(newer.Id, after[production.Id].SupersededById);
        Assert.Null(after[newer.Id].SupersededById);
    }

    private static string Iso(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
