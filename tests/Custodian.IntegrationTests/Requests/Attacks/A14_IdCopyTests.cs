using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Requests.IdCopies;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.IntegrationTests.Requests.Attacks;

/// <summary>
/// Attack A14 (security.md §1.2, §1.3 item 6; EDPB para. 78): an ID copy kept indefinitely becomes a honeypot. Through
/// the server's own <c>IdCopies</c> (the upload page is the portal's, and the fallback is off in the shipped register):
/// the copy is stored encrypted under a key of its own, and the decision destroys file and key, leaving only who
/// decided, when and how.
/// </summary>
public sealed class A14_IdCopyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task A14_IdCopy_StoredEncryptedAndDestroyedWithItsKeyOnDecision(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);
        var (reference, _) = await s.SubmitAndVerifyAsync(AttackServer.VictimEmail, "erasure");
        var requestId = (await s.RequestAsync(reference)).Id;
        var rgb = new byte[32 * 24 * 3];
        new Random(7).NextBytes(rgb);
        var page = new IdCopyPage(PngEncoder.EncodeRgb(rgb, 32, 24), 32, 24);
        var copies = s.Server.Services.GetRequiredService<IdCopies>();
        var store = (FileSystemBlobStore)s.Server.Services.GetRequiredService<IBlobStore>();

        await using var db = s.Context();
        var copyId = await copies.StoreAsync(db, requestId, Guid.Empty, new IdCopyScreeningResult.Accepted([page], "png"), new AuditActor(AuditActorKind.System, "requester:portal"), Ct);
        var blob = await db.Set<BlobRecord>().AsNoTracking().SingleAsync(b => b.Id == db.Set<IdCopy>().Single(c => c.Id == copyId).BlobId, Ct);
        var stored = await File.ReadAllBytesAsync(store.PathOf(blob.StoreKey), Ct);
        Assert.Equal(-1, stored.AsSpan().IndexOf(page.Png.AsSpan(16, 32)));
        Assert.Equal(-1, stored.AsSpan().IndexOf("IHDR"u8));

        var decision = await copies.DestroyAsync(db, requestId, Guid.Empty, new AuditActor(AuditActorKind.User, "staff-verifier"), IdVerificationOutcome.Verified, "id_copy", new IdCopyConfirmations(true, true), Ct);

        Assert.Equal(1, decision.CopiesDestroyed);
        await using var check = s.Context();
        Assert.Empty(await check.Set<IdCopy>().Where(c => c.RequestId == requestId).ToListAsync(Ct));
        Assert.False(File.Exists(store.PathOf(blob.StoreKey)));
        var key = await check.Set<DataKey>().AsNoTracking().SingleAsync(k => k.Id == blob.DataKeyId, Ct);
        Assert.Null(key.WrappedKey);
        Assert.NotNull(key.DestroyedAt);
        Assert.Null(await copies.OpenForVerifierAsync(check, copyId, new AuditActor(AuditActorKind.User, "staff-verifier"), Ct));
        await s.AssertAuditHoldsNoneOfAsync(AttackServer.VictimEmail);
        await s.AssertAuditVerifiesAsync();
    }
}
