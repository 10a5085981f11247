using System.Security.Cryptography;
using Custodian.Core.Common;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Requests.IdCopies;
using Custodian.Core.Features.Tenancy;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Custodian.IntegrationTests.Requests;

public sealed class IdCopiesTests
{
    private static readonly Guid Org = Guid.Parse("00000000-0000-4000-8000-0000000000a1");
    private static readonly AuditActor Portal = new(AuditActorKind.System, "portal");
    private static readonly AuditActor Verifier = new(AuditActorKind.User, "staff-verifier-1");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A screened copy without OCR: two pages of pseudo-random pixels, re-encoded as the screening does.</summary>
    private static IdCopyScreeningResult.Accepted Copy(int seed)
    {
        IdCopyPage Page(int w, int h)
        {
            var rgb = new byte[w * h * 3];
            new Random(seed + w).NextBytes(rgb);
            return new IdCopyPage(PngEncoder.EncodeRgb(rgb, w, h), w, h);
        }

        return new IdCopyScreeningResult.Accepted([Page(40, 30), Page(30, 40)], "pdf");
    }

    [Theory, AllEngines]
    public async Task StoreAsync_PagesEncrypted_VerifierSeesThemAndTheViewIsAudited(Engine engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        var requestId = Guid.NewGuid();
        var copy = Copy(1);

        await using var db = h.Context();
        var copyId = await h.IdCopies.StoreAsync(db, requestId, Org, copy, Portal, Ct);

        var row = await db.Set<IdCopy>().SingleAsync(Ct);
        Assert.Equal((copyId, requestId, 2, "pdf"), (row.Id, row.RequestId, row.PageCount, row.SourceType));
        var blob = await db.Set<BlobRecord>().SingleAsync(b => b.Id == row.BlobId, Ct);
        var key = await db.Set<DataKey>().SingleAsync(k => k.Id == blob.DataKeyId, Ct);
        Assert.Equal(DataKeyOwner.IdCopy(copyId), key.Owner); // a key of its own
        var stored = await File.ReadAllBytesAsync(h.BlobStore.PathOf(blob.StoreKey), Ct);
        foreach (var page in copy.Pages)
        {
            Assert.Equal(-1, stored.AsSpan().IndexOf(page.Png.AsSpan(16, 32)));
        }

        Assert.Equal(-1, stored.AsSpan().IndexOf("IHDR"u8));

        var view = await h.IdCopies.OpenForVerifierAsync(db, copyId, Verifier, Ct);

        Assert.NotNull(view);
        Assert.Equal(copy.Pages.Select(p => (p.Width, p.Height, Convert.ToHexString(p.Png))), view.Pages.Select(p => (p.Width, p.Height, Convert.ToHexString(p.Png))));
        var audit = await db.Set<AuditEvent>().OrderBy(e => e.Seq).Select(e => new { e.Action, e.ActorId }).ToListAsync(Ct);
        Assert.Equal(
            [("request.id_copy_received", "portal"), ("request.id_copy_viewed", "staff-verifier-1")],
            audit.Select(a => (a.Action, a.ActorId)));
    }

    [Theory, AllEngines]
    public async Task DestroyAsync_RemovesBlobAndKey_OnlyTheDecisionRemains(Engine engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        var requestId = Guid.NewGuid();
        var otherRequest = Guid.NewGuid();
        await using var db = h.Context();
        var first = await h.IdCopies.StoreAsync(db, requestId, Org, Copy(1), Portal, Ct);
        var second = await h.IdCopies.StoreAsync(db, requestId, Org, Copy(2), Portal, Ct);
        var other = await h.IdCopies.StoreAsync(db, otherRequest, Org, Copy(3), Portal, Ct);
        var blobs = await db.Set<BlobRecord>().AsNoTracking().ToListAsync(Ct);
        var copies = await db.Set<IdCopy>().AsNoTracking().ToListAsync(Ct);
        var ofRequest = copies.Where(c => c.RequestId == requestId).Select(c => blobs.Single(b => b.Id == c.BlobId)).ToList();
        var ofOther = blobs.Single(b => b.Id == copies.Single(c => c.Id == other).BlobId);
        h.Time.Advance(TimeSpan.FromHours(2));

        var decision = await h.IdCopies.DestroyAsync(
            db, requestId, Org, Verifier, IdVerificationOutcome.Verified, "id_copy", new IdCopyConfirmations(WatermarkPresent: true, PhotoCovered: true), Ct);

        Assert.Equal((2, "staff-verifier-1", "id_copy"), (decision.CopiesDestroyed, decision.DecidedBy, decision.Method));
        await using var check = h.Context();
        Assert.Equal([other], await check.Set<IdCopy>().Select(c => c.Id).ToListAsync(Ct));
        Assert.Equal([ofOther.Id], await check.Set<BlobRecord>().Select(b => b.Id).ToListAsync(Ct));
        foreach (var blob in ofRequest)
        {
            Assert.False(File.Exists(h.BlobStore.PathOf(blob.StoreKey)));
            var key = await check.Set<DataKey>().SingleAsync(k => k.Id == blob.DataKeyId, Ct);
            Assert.Null(key.WrappedKey);
            Assert.NotNull(key.DestroyedAt);
        }

        Assert.True(File.Exists(h.BlobStore.PathOf(ofOther.StoreKey)));
        Assert.NotNull(await check.Set<DataKey>().Where(k => k.Id == ofOther.DataKeyId).Select(k => k.WrappedKey).SingleAsync(Ct));
        Assert.Null(await h.IdCopies.OpenForVerifierAsync(check, first, Verifier, Ct));
        Assert.Null(await h.IdCopies.OpenForVerifierAsync(check, second, Verifier, Ct));

        var kept = await check.Set<IdVerificationDecision>().SingleAsync(Ct);
        Assert.Equal(
            (requestId, IdVerificationOutcome.Verified, "id_copy", "staff-verifier-1", true, true, 2),
            (kept.RequestId, kept.Outcome, kept.Method, kept.DecidedBy, kept.WatermarkConfirmed, kept.PhotoCoveredConfirmed, kept.CopiesDestroyed));
        Assert.Equal(decision.DecidedAt, kept.DecidedAt);
        var destroyed = await check.Set<AuditEvent>().SingleAsync(e => e.Action == "request.id_copy_destroyed", Ct);
        Assert.Contains(first.ToString(), destroyed.Objects, StringComparison.Ordinal);
        Assert.Contains(second.ToString(), destroyed.Objects, StringComparison.Ordinal);
        Assert.DoesNotContain(other.ToString(), destroyed.Objects, StringComparison.Ordinal);
    }

    [Theory, AllEngines]
    public async Task DestroyAsync_Refused_KeepsTheRefusalAndTheConfirmations(Engine engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        var requestId = Guid.NewGuid();
        await using var db = h.Context();
        await h.IdCopies.StoreAsync(db, requestId, Org, Copy(4), Portal, Ct);

        await h.IdCopies.DestroyAsync(
            db, requestId, Org, Verifier, IdVerificationOutcome.Refused, "id_copy", new IdCopyConfirmations(WatermarkPresent: false, PhotoCovered: true), Ct);

        await using var check = h.Context();
        Assert.Empty(await check.Set<IdCopy>().ToListAsync(Ct));
        Assert.Empty(await check.Set<BlobRecord>().ToListAsync(Ct));
        var kept = await check.Set<IdVerificationDecision>().SingleAsync(Ct);
        Assert.Equal((IdVerificationOutcome.Refused, false, true), (kept.Outcome, kept.WatermarkConfirmed, kept.PhotoCoveredConfirmed));
    }

    [Theory, AllEngines]
    public async Task OpenForVerifierAsync_OtherTenantsScope_SeesNothingAndAuditsNothing(Engine engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        Guid copyId;
        await using (var db = h.Context())
        {
            copyId = await h.IdCopies.StoreAsync(db, Guid.NewGuid(), Org, Copy(5), Portal, Ct);
        }

        await using var other = h.Db.CreateContext(TenantScope.For(Guid.Parse("00000000-0000-4000-8000-0000000000b2")));

        Assert.Null(await h.IdCopies.OpenForVerifierAsync(other, copyId, Verifier, Ct));
        await using var check = h.Context();
        Assert.DoesNotContain("request.id_copy_viewed", await check.Set<AuditEvent>().Select(e => e.Action).ToListAsync(Ct));
    }

    private sealed class Harness : IAsyncDisposable
    {
        private readonly DirectoryInfo _folder;
        private readonly ServiceProvider _services;

        private Harness(TestDatabase db)
        {
            Db = db;
            _folder = Directory.CreateTempSubdirectory("custodian-idcopies.");
            Time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 2, 0, 0, TimeSpan.Zero));
            _services = TestDatabase.ServicesFor(db.Target, s => s
                .AddSingleton<TimeProvider>(Time)
                .AddSingleton(MasterKey.FromBytes(RandomNumberGenerator.GetBytes(MasterKey.Length)))
                .AddCustodianAudit()
                .AddCustodianBlobs(_folder.FullName)
                .AddCustodianIdCopies());
        }

        public TestDatabase Db { get; }

        public FakeTimeProvider Time { get; }

        public IdCopies IdCopies => _services.GetRequiredService<IdCopies>();

        public FileSystemBlobStore BlobStore => (FileSystemBlobStore)_services.GetRequiredService<IBlobStore>();

        public static async Task<Harness> CreateAsync(Engine engine) => new(await TestDatabase.CreateAsync(engine));

        public Custodian.Core.Persistence.CustodianDbContext Context() => Db.CreateContext(TenantScope.Everything);

        public async ValueTask DisposeAsync()
        {
            await _services.DisposeAsync();
            await Db.DisposeAsync();
            _folder.Delete(recursive: true);
        }
    }
}
