using Custodian.Core.Features.Audit;
using Custodian.Core.Features.People;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Custodian.IntegrationTests.Retention;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static Custodian.IntegrationTests.People.PeopleFixture;

namespace Custodian.IntegrationTests.People;

/// <summary>The people list (<c>PeopleList</c>): keyset pages over the subject index, filters, order, tenant scope.</summary>
public sealed class PeopleListTests
{
    private static readonly string[] AllNames =
        ["alpha b.v.", "ann", "beta b.v.", "bob", "cas", "dee", "delta b.v.", "gamma b.v.", "key holder", "req uester", "test contact"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<StoreResult<PeoplePage>> ListAsync(RetentionPlanFixture f, TenantScope scope, PeopleListQuery query)
    {
        await using var db = f.CreateContext();
        db.ScopeTo(scope);
        var list = new PeopleList(db, ActivatorUtilities.CreateInstance<StoreTransactions>(f.Services, db));
        return await list.ListAsync(Agent(scope), query, Ct);
    }

    private static async Task<List<List<string>>> PagesAsync(RetentionPlanFixture f, TenantScope scope, PeopleListQuery query)
    {
        var pages = new List<List<string>>();
        Guid? after = null;
        do
        {
            var page = await ListAsync(f, scope, query with { After = after });
            Assert.True(page.IsSuccess, page.Error?.ToString());
            pages.Add([.. page.Value.Items.Select(i => i.Value)]);
            after = page.Value.Next;
        }
        while (after is not null && pages.Count < 20);
        return pages;
    }

    [Theory, AllEngines]
    public async Task List_PagesAtTheBoundaries_EveryNameOnceAndNoEmptyLastPage(Engine engine)
    {
        await using var f = await RetentionPlanFixture.CreateAsync(engine);

        var byFour = await PagesAsync(f, TenantScope.Everything, new PeopleListQuery(Limit: 4));
        var exact = await PagesAsync(f, TenantScope.Everything, new PeopleListQuery(Limit: 11));
        var oneShort = await PagesAsync(f, TenantScope.Everything, new PeopleListQuery(Limit: 10));
        var single = await PagesAsync(f, TenantScope.Everything, new PeopleListQuery(Limit: 1));
        var descending = await PagesAsync(f, TenantScope.Everything, new PeopleListQuery(Descending: true, Limit: 3));

        Assert.Equal([4, 4, 3], byFour.Select(p => p.Count));
        Assert.Equal(AllNames, byFour.SelectMany(p => p));
        Assert.Equal([11], exact.Select(p => p.Count));
        Assert.Equal([10, 1], oneShort.Select(p => p.Count));
        Assert.Equal(AllNames, single.SelectMany(p => p));
        Assert.Equal(11, single.Count);
        Assert.Equal(AllNames.Reverse(), descending.SelectMany(p => p));
    }

    [Theory, AllEngines]
    public async Task List_FiltersAndTenantScope_OnlyMatchingOwnPeopleWithRecordCounts(Engine engine)
    {
        await using var f = await RetentionPlanFixture.CreateAsync(engine);
        var alpha = TenantScope.For(f.Organizations["alpha"]);

        var own = (await ListAsync(f, alpha, new PeopleListQuery())).Value!.Items;
        var prefixed = (await ListAsync(f, TenantScope.Everything, new PeopleListQuery(Prefix: "  A"))).Value!.Items;
        var ofBeta = (await ListAsync(f, TenantScope.Everything, new PeopleListQuery(OrganizationId: f.Organizations["beta"]))).Value!.Items;
        var phones = (await ListAsync(f, alpha, new PeopleListQuery(Kind: "phone"))).Value!.Items;

        Assert.Equal(["alpha b.v.", "ann", "bob", "req uester", "test contact"], own.Select(i => i.Value));
        Assert.Equal(3, own.Single(i => i.Value == "req uester").Records);
        Assert.Equal(["alpha b.v.", "ann"], prefixed.Select(i => i.Value));
        Assert.Equal(["beta b.v.", "cas", "key holder"], ofBeta.Select(i => i.Value));
        Assert.Equal(["+31201234567", "+31201234569"], phones.Select(i => i.Value));
    }

    [Theory, AllEngines]
    public async Task List_CursorOfAnotherOrganisation_IsUnknownAndBadKindRefused(Engine engine)
    {
        await using var f = await RetentionPlanFixture.CreateAsync(engine);
        var first = (await ListAsync(f, TenantScope.For(f.Organizations["beta"]), new PeopleListQuery(Limit: 1))).Value!;

        var foreign = await ListAsync(f, TenantScope.For(f.Organizations["alpha"]), new PeopleListQuery(After: first.Next, Limit: 1));
        var badKind = await ListAsync(f, TenantScope.Everything, new PeopleListQuery(Kind: "bsn"));

        Assert.Equal("people.cursor_unknown", Assert.Single(Assert.IsType<ValidationError>(foreign.Error).Errors).Code);
        Assert.Equal("kind", Assert.Single(Assert.IsType<ValidationError>(badKind.Error).Errors).Field);
        await using var db = f.CreateContext();
        var listed = await db.Set<AuditEvent>().AsNoTracking().Where(e => e.Action == "subject.listed").ToListAsync(Ct);
        Assert.Single(listed);
        Assert.DoesNotContain("cas", listed[0].Details + listed[0].Objects, StringComparison.Ordinal);
    }
}
