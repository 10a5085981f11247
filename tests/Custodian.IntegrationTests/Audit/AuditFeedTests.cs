using System.Net;
using System.Text.Json;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.IntegrationTests.Store;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.IntegrationTests.Audit;

/// <summary>
/// The checkpoint feed through the real web host (L-08: what client organisations fetch and keep), and L-12: crypto-
/// shredding a subject whose content uploads and downloads are in the log leaves the chain verifying and the content
/// unreadable.
/// </summary>
public sealed class AuditFeedTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task Feed_TwoTenantsFetchCheckpoints_ProofConnectsThemAndKeyVerifiesThem(Engine engine)
    {
        await using var api = await StoreApi.StartAsync(engine);
        var (_, a) = await api.CreateTenantAsync("org-a");
        var (_, b) = await api.CreateTenantAsync("org-b");
        await CheckpointAsync(api);

        var key = await a.GetStringAsync("/api/v1/audit/public-key", Ct);
        var verifier = CheckpointVerifier.FromVerifierKey(key)!;
        Assert.NotNull(verifier);
        var heldByA = verifier.Open(await a.GetStringAsync("/api/v1/audit/checkpoint", Ct)).Body!;
        Assert.NotNull(heldByA);

        await StoreApi.PostAsync(b, "/api/v1/support-tickets", new { reference = "T-9", requesterName = "Jan Tester", requesterPhone = "+31640000009", text = "Storing", openedAt = "2025-02-01T08:00:00Z" });
        await CheckpointAsync(api);
        var heldByB = verifier.Open(await b.GetStringAsync("/api/v1/audit/checkpoint", Ct)).Body!;
        Assert.True(heldByB.Size > heldByA.Size);

        using var proof = JsonDocument.Parse(await b.GetStringAsync($"/api/v1/audit/consistency?from={heldByA.Size}&to={heldByB.Size}", Ct));
        var hashes = proof.RootElement.GetProperty("proof").EnumerateArray().Select(h => Convert.FromBase64String(h.GetString()!)).ToList();
        Assert.True(CheckpointWitness.Compare(heldByA, heldByB, hashes).Consistent);
        Assert.Equal("audit.fork", CheckpointWitness.Compare(heldByA, heldByB, [.. hashes.Skip(1)]).Code);

        var bad = await a.GetAsync($"/api/v1/audit/consistency?from={heldByB.Size}&to={heldByA.Size}", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var anonymous = new HttpClient { BaseAddress = a.BaseAddress };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/audit/checkpoint", Ct)).StatusCode);
    }

    [Theory, AllEngines]
    public async Task CryptoShred_SubjectWithAuditedContent_ChainVerifiesAndContentUnreadable(Engine engine)
    {
        await using var api = await StoreApi.StartAsync(engine);
        var (orgId, tenant) = await api.CreateTenantAsync("acme");
        var ticket = (await StoreApi.PostAsync(tenant, "/api/v1/support-tickets", new { reference = "T-1", requesterName = "Jan Tester", requesterPhone = "+31640000001", text = "Storing", openedAt = "2025-02-01T08:00:00Z" }))
            .GetProperty("id").GetGuid();
        var attachment = (await ContentUpload.PostAsync(tenant, $"/api/v1/support-tickets/{ticket}/attachments", ContentUpload.Pdf, "application/pdf")).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await tenant.GetAsync($"/api/v1/support-ticket-attachments/{attachment}/content", Ct)).StatusCode);

        await using (var scope = api.Server.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CustodianDbContext>();
            db.ScopeTo(TenantScope.For(orgId));
            var mentions = await db.Set<AuditEvent>().AsNoTracking().CountAsync(e => e.Objects.Contains(attachment.ToString()), Ct);
            Assert.True(mentions >= 2, $"expected the upload and the download in the log, found {mentions}");
            var key = await EncryptedBlobs.FindLiveDataKeyAsync(db, orgId, DataKeyOwner.Subject(ticket), Ct);
            Assert.Equal(DataKeyDestruction.Destroyed, await scope.ServiceProvider.GetRequiredService<EncryptedBlobs>().DestroyDataKeyAsync(db, key!.Id, Ct));
        }

        Assert.Equal(HttpStatusCode.Gone, (await tenant.GetAsync($"/api/v1/support-ticket-attachments/{attachment}/content", Ct)).StatusCode);
        await using (var scope = api.Server.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CustodianDbContext>();
            var verified = await scope.ServiceProvider.GetRequiredService<AuditVerifier>().VerifyAsync(db, null, Ct);
            Assert.True(verified.Intact, string.Join("; ", verified.Problems));
        }
    }

    private static async Task CheckpointAsync(StoreApi api)
    {
        await using var scope = api.Server.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<AuditCheckpoints>().CreateNowAsync(scope.ServiceProvider.GetRequiredService<CustodianDbContext>(), Ct);
    }
}
