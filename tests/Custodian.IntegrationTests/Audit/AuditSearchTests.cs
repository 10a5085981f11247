using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Tenancy;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Audit;

public sealed class AuditSearchTests
{
    private static readonly Guid Org1 = Guid.Parse("0198c9a0-0000-7000-8000-0000000000a1");
    private static readonly Guid Org2 = Guid.Parse("0198c9a0-0000-7000-8000-0000000000a2");
    private static readonly AuditReader Auditor = new(TenantScope.Everything, lawful: false);
    private static readonly AuditReader Lawful = new(TenantScope.Everything, lawful: true);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task AppendAsync(AuditFixture f, AuditEntry entry)
    {
        await using var db = f.CreateContext();
        await using var tx = await db.Database.BeginTransactionAsync(Ct);
        await f.Trail.AppendAsync(db, entry, Ct);
        await tx.CommitAsync(Ct);
    }

    private static AuditEntry Entry(string action, string actor, Guid? org, params AuditObject[] objects) =>
        new(action, new AuditActor(AuditActorKind.User, actor), org, objects);

    /// <summary>
    /// Twelve events with the SAME timestamp (the clock does not move): 1..12 alternate between two organisations,
    /// actions <c>contact.viewed</c>/<c>contact.changed</c>, actors <c>u1</c>/<c>u2</c>/<c>u3</c>, objects <c>contact c-N</c>.
    /// </summary>
    private static async Task SeedAsync(AuditFixture f)
    {
        for (var n = 1; n <= 12; n++)
        {
            await AppendAsync(f, Entry(n % 2 == 0 ? "contact.changed" : "contact.viewed", $"u{(n % 3) + 1}", n % 2 == 0 ? Org2 : Org1,
                new AuditObject("contact", $"c-{n}")));
        }
    }

    private static async Task<List<long>> AllPagesAsync(AuditSearch search, AuditReader reader, AuditSearchFilter filter)
    {
        var seqs = new List<long>();
        long? before = null;
        var pages = 0;
        do
        {
            var page = await search.SearchAsync(reader, filter with { Before = before }, Ct);
            seqs.AddRange(page.Entries.Select(e => e.Seq));
            before = page.NextBefore;
            Assert.True(++pages < 100);
        }
        while (before is not null);
        return seqs;
    }

    [Theory, AllEngines]
    public async Task SearchAsync_EqualTimestamps_KeysetPagesNewestFirstWithoutGapsOrRepeats(Engine engine)
    {
        await using var f = await AuditFixture.CreateAsync(engine);
        await SeedAsync(f);
        var search = f.Services.GetRequiredService<AuditSearch>();

        // Pages of 5: 12..8, 7..3, 2..1; a page that ends exactly at the last event says there is no next one.
        Assert.Equal(Enumerable.Range(1, 12).Reverse().Select(i => (long)i), await AllPagesAsync(search, Auditor, new AuditSearchFilter(Limit: 5)));
        Assert.Equal(Enumerable.Range(1, 12).Reverse().Select(i => (long)i), await AllPagesAsync(search, Auditor, new AuditSearchFilter(Limit: 4)));
        var exact = await search.SearchAsync(Auditor, new AuditSearchFilter(Before: 5, Limit: 4), Ct);
        Assert.Equal([4L, 3, 2, 1], exact.Entries.Select(e => e.Seq));
        Assert.Null(exact.NextBefore);

        // Appends between pages do not move the pages already handed out: they only come before page one.
        var first = await search.SearchAsync(Auditor, new AuditSearchFilter(Limit: 5), Ct);
        await AppendAsync(f, Entry("contact.viewed", "u9", Org1, new AuditObject("contact", "c-13")));
        var second = await search.SearchAsync(Auditor, new AuditSearchFilter(Before: first.NextBefore, Limit: 5), Ct);
        Assert.Equal([7L, 6, 5, 4, 3], second.Entries.Select(e => e.Seq));
        Assert.Equal(13, (await search.SearchAsync(Auditor, new AuditSearchFilter(Limit: 1), Ct)).Entries[0].Seq);
    }

    [Theory, AllEngines]
    public async Task SearchAsync_Filters_CombineAndMatchExactly(Engine engine)
    {
        await using var f = await AuditFixture.CreateAsync(engine);
        await SeedAsync(f);
        f.Time.Advance(TimeSpan.FromHours(1));
        var later = Instant.FromDateTimeOffset(f.Time.GetUtcNow());
        await AppendAsync(f, Entry("hold.placed", "u1", Org1, new AuditObject("legal_hold", "h-1"), new AuditObject("contact", "c-1")));
        var search = f.Services.GetRequiredService<AuditSearch>();

        Assert.Equal([11L, 9, 7, 5, 3, 1], await AllPagesAsync(search, Auditor, new AuditSearchFilter(Action: "contact.viewed", Limit: 2)));
        Assert.Equal([13L, 12, 9, 6, 3], await AllPagesAsync(search, Auditor, new AuditSearchFilter(ActorId: "u1", Limit: 2)));
        Assert.Equal([12L, 6], await AllPagesAsync(search, Auditor, new AuditSearchFilter(ActorId: "u1", Action: "contact.changed")));
        Assert.Empty(await AllPagesAsync(search, Auditor, new AuditSearchFilter(ActorKind: "cli")));
        Assert.Equal(13, (await AllPagesAsync(search, Auditor, new AuditSearchFilter(ActorKind: "user"))).Count);

        // Objects: type and id of the same object; "c-1" is not "c-10"/"c-11"/"c-12".
        Assert.Equal([13L, 1], await AllPagesAsync(search, Auditor, new AuditSearchFilter(ObjectType: "contact", ObjectId: "c-1")));
        Assert.Equal([13L, 1], await AllPagesAsync(search, Auditor, new AuditSearchFilter(ObjectId: "c-1")));
        Assert.Equal([13L], await AllPagesAsync(search, Auditor, new AuditSearchFilter(ObjectType: "legal_hold")));
        Assert.Empty(await AllPagesAsync(search, Auditor, new AuditSearchFilter(ObjectType: "legal_hold", ObjectId: "c-1")));
        Assert.Empty(await AllPagesAsync(search, Auditor, new AuditSearchFilter(ObjectId: "c-")));

        // Time: [from, until).
        Assert.Equal([13L], await AllPagesAsync(search, Auditor, new AuditSearchFilter(From: later)));
        Assert.Equal(12, (await AllPagesAsync(search, Auditor, new AuditSearchFilter(Until: later))).Count);

        var entry = (await search.SearchAsync(Auditor, new AuditSearchFilter(Limit: 1), Ct)).Entries[0];
        Assert.Equal("hold.placed", entry.Action);
        Assert.Equal("user", entry.ActorKind);
        Assert.Equal(Org1, entry.OrganizationId);
        Assert.Equal(later, entry.OccurredAt);
        Assert.Equal([new AuditObject("legal_hold", "h-1"), new AuditObject("contact", "c-1")], entry.Objects);
    }

    [Theory, AllEngines]
    public async Task SearchAsync_Tenant_SeesOnlyEventsOfItsOwnOrganisation(Engine engine)
    {
        await using var f = await AuditFixture.CreateAsync(engine);
        await SeedAsync(f);
        await AppendAsync(f, Entry("retention.sweep_started", "retention-sweep", null, new AuditObject("retention_sweep", "s-1")));
        var search = f.Services.GetRequiredService<AuditSearch>();
        var tenant = new AuditReader(TenantScope.For(Org1), lawful: true); // lawful is ignored for a tenant

        Assert.False(tenant.Lawful);
        Assert.Equal([11L, 9, 7, 5, 3, 1], await AllPagesAsync(search, tenant, new AuditSearchFilter(Limit: 4)));
        Assert.Empty(await AllPagesAsync(search, tenant, new AuditSearchFilter(ObjectId: "c-2")));
        Assert.Null(await search.GetAsync(tenant, 2, Ct));
        Assert.Null(await search.GetAsync(tenant, 13, Ct));
        Assert.NotNull(await search.GetAsync(tenant, 1, Ct));
        Assert.Empty((await search.SearchAsync(new AuditReader(TenantScope.None, false), new AuditSearchFilter(), Ct)).Entries);
    }

    [Theory, AllEngines]
    public async Task SearchAsync_AuthorityHold_HiddenFromAuditorShownToLawfulReader(Engine engine)
    {
        await using var f = await AuditFixture.CreateAsync(engine);
        var now = Instant.FromDateTimeOffset(f.Time.GetUtcNow());
        LegalHold Hold(HoldBasis basis) => new() { Basis = basis, Reason = "test", StartsAt = now, PlacedAt = now, PlacedById = "cli:test" };
        var secret = Hold(HoldBasis.PreservationOrder126ni);
        var claims = Hold(HoldBasis.LegalClaims);
        await using (var db = f.CreateContext())
        {
            db.ScopeTo(TenantScope.Everything);
            db.LegalHolds.AddRange(secret, claims);
            await db.SaveChangesAsync(Ct);
        }

        await AppendAsync(f, Entry("hold.placed", "lawful-officer", null, new AuditObject("legal_hold", secret.Id.ToString())));
        await AppendAsync(f, Entry("hold.placed", "privacy-officer", null, new AuditObject("legal_hold", claims.Id.ToString())));
        await AppendAsync(f, Entry("hold.listed", "lawful-officer", null, new AuditObject("legal_hold", claims.Id.ToString()), new AuditObject("legal_hold", secret.Id.ToString())));
        var search = f.Services.GetRequiredService<AuditSearch>();

        Assert.Equal([2L], await AllPagesAsync(search, Auditor, new AuditSearchFilter()));
        Assert.Empty(await AllPagesAsync(search, Auditor, new AuditSearchFilter(ObjectId: secret.Id.ToString())));
        Assert.Null(await search.GetAsync(Auditor, 1, Ct));
        Assert.Null(await search.InclusionAsync(Auditor, 1, Ct));
        Assert.Equal([3L, 2, 1], await AllPagesAsync(search, Lawful, new AuditSearchFilter()));
        Assert.Equal([3L, 1], await AllPagesAsync(search, Lawful, new AuditSearchFilter(ObjectId: secret.Id.ToString())));
    }

    [Theory, AllEngines]
    public async Task InclusionAsync_VisibleEventUnderTheLatestCheckpoint_ProofVerifies(Engine engine)
    {
        await using var f = await AuditFixture.CreateAsync(engine);
        await SeedAsync(f);
        var search = f.Services.GetRequiredService<AuditSearch>();
        Assert.Null(await search.InclusionAsync(Auditor, 5, Ct)); // the only checkpoint (made with the first event) covers event 1

        var download = await f.Services.GetRequiredService<AuditOperations>().ExportCheckpointAsync(Ct);
        var proof = await search.InclusionAsync(Auditor, 5, Ct);

        Assert.NotNull(proof);
        Assert.Equal(download.Size, proof.TreeSize);
        Assert.Equal(download.RootBase64, Convert.ToBase64String(proof.Root));
        Assert.True(MerkleProofs.VerifyInclusion(proof.Seq - 1, proof.TreeSize, proof.LeafHash, proof.Proof, proof.Root));
        Assert.Null(await search.InclusionAsync(new AuditReader(TenantScope.For(Org2), false), 5, Ct)); // Org1's event
    }

    [Theory, AllEngines]
    public async Task SearchAsync_ObjectNamedTwiceOrSharedIdAcrossTypes_EachEventOnce(Engine engine)
    {
        await using var f = await AuditFixture.CreateAsync(engine);
        await AppendAsync(f, Entry("contact.merged", "u1", Org1, new AuditObject("contact", "x-1"), new AuditObject("contact", "x-1")));
        await AppendAsync(f, Entry("ticket.linked", "u1", Org1, new AuditObject("contact", "x-1"), new AuditObject("support_ticket", "x-1")));
        await AppendAsync(f, Entry("contact.viewed", "u1", Org1, new AuditObject("contact", "x-2")));
        var search = f.Services.GetRequiredService<AuditSearch>();

        Assert.Equal([2L, 1], await AllPagesAsync(search, Auditor, new AuditSearchFilter(ObjectType: "contact", ObjectId: "x-1")));
        Assert.Equal([2L, 1], await AllPagesAsync(search, Auditor, new AuditSearchFilter(ObjectId: "x-1")));
        Assert.Equal([2L], await AllPagesAsync(search, Auditor, new AuditSearchFilter(ObjectType: "support_ticket", ObjectId: "x-1")));
        var first = await search.SearchAsync(Auditor, new AuditSearchFilter(ObjectId: "x-1", Limit: 1), Ct);
        Assert.Equal([2L], first.Entries.Select(e => e.Seq));
        var next = await search.SearchAsync(Auditor, new AuditSearchFilter(ObjectId: "x-1", Limit: 1, Before: first.NextBefore), Ct);
        Assert.Equal([1L], next.Entries.Select(e => e.Seq));
    }

    /// <summary>The migration that brought the objects' rows fills them for events appended before it (its own SQL, run again).</summary>
    [Theory, AllEngines]
    public async Task EventObjectsBackfill_EventsWithoutRows_GetThemAndStayAppendOnly(Engine engine)
    {
        await using var f = await AuditFixture.CreateAsync(engine);
        await SeedAsync(f);
        await AppendAsync(f, Entry("contact.merged", "u1", Org1, new AuditObject("contact", "c-1"), new AuditObject("contact", "c-1"), new AuditObject("legal_hold", "h-1")));
        var pg = engine == Engine.Postgres;
        await using var db = f.CreateContext();
        await db.Database.ExecuteSqlRawAsync(pg ? AuditDatabaseSql.PostgresEventObjectsDown : AuditDatabaseSql.SqliteEventObjectsDown, Ct);
        await db.Database.ExecuteSqlRawAsync("DELETE FROM audit_event_objects", Ct);
        Assert.Equal(0, await db.Set<AuditEventObject>().CountAsync(Ct));

        await db.Database.ExecuteSqlRawAsync(pg ? AuditDatabaseSql.PostgresEventObjectsUp : AuditDatabaseSql.SqliteEventObjectsUp, Ct);

        var rows = await db.Set<AuditEventObject>().OrderBy(o => o.Seq).ThenBy(o => o.Type).Select(o => $"{o.Seq}:{o.Type}:{o.Id}").ToListAsync(Ct);
        Assert.Equal([.. Enumerable.Range(1, 12).Select(n => $"{n}:contact:c-{n}"), "13:contact:c-1", "13:legal_hold:h-1"], rows);
        var search = f.Services.GetRequiredService<AuditSearch>();
        Assert.Equal([13L, 1], await AllPagesAsync(search, Auditor, new AuditSearchFilter(ObjectType: "contact", ObjectId: "c-1")));
        await Assert.ThrowsAnyAsync<Exception>(() => db.Database.ExecuteSqlRawAsync("DELETE FROM audit_event_objects", Ct));
    }
}
