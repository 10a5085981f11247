using Custodian.Core.Features.Audit;
using Custodian.Core.Features.People;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.IntegrationTests.Retention;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using NodaTime.Text;
using Xunit;

namespace Custodian.IntegrationTests.People;

/// <summary>The person-page queries over <see cref="RetentionPlanFixture"/>'s known data, each call on its own scoped context.</summary>
internal static class PeopleFixture
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static StoreCaller Agent(TenantScope scope) => new(new AuditActor(AuditActorKind.User, "user:agent"), scope);

    public static Instant Utc(string text) => InstantPattern.ExtendedIso.Parse(text).Value;

    public static async Task<StoreResult<PersonView>> FindAsync(
        RetentionPlanFixture f, TenantScope scope, string? identifier, string? reason = "TICKET-1", bool lawful = false, string? kind = null, int latest = 10)
    {
        await using var db = f.CreateContext();
        db.ScopeTo(scope);
        return await Page(f, db).GetAsync(Agent(scope), new PersonQuery(identifier, kind, reason, lawful, latest), Ct);
    }

    public static PersonPage Page(RetentionPlanFixture f, CustodianDbContext db)
    {
        var transactions = ActivatorUtilities.CreateInstance<StoreTransactions>(f.Services, db);
        var lookup = ActivatorUtilities.CreateInstance<SubjectLookup>(f.Services, db, transactions);
        return ActivatorUtilities.CreateInstance<PersonPage>(f.Services, db, lookup);
    }

    public static async Task<PersonView> FoundAsync(RetentionPlanFixture f, TenantScope scope, string identifier, bool lawful = false, string? kind = null)
    {
        var result = await FindAsync(f, scope, identifier, lawful: lawful, kind: kind);
        Assert.True(result.IsSuccess, result.Error is ValidationError v ? string.Join("; ", v.Errors) : result.Error?.ToString());
        return result.Value;
    }

    public static async Task<Guid> PlaceHoldAsync(
        RetentionPlanFixture f, string basis, string? ground, string? organization, string category, string phone, string? reference = null)
    {
        await using var db = f.CreateContext();
        db.ScopeTo(TenantScope.Everything);
        var commands = ActivatorUtilities.CreateInstance<LegalHoldCommands>(f.Services, db, ActivatorUtilities.CreateInstance<StoreTransactions>(f.Services, db));
        var result = await commands.PlaceAsync(
            new HoldCaller(new AuditActor(AuditActorKind.Cli, "cli:test"), TenantScope.Everything, lawful: true),
            new LegalHoldInput(basis, ground, "test case", reference, organization, [category], null, null, [new HoldIdentifierInput("phone", phone)], null, null),
            null,
            Ct);
        Assert.True(result.IsSuccess, result.Error?.ToString());
        return result.Value.Id;
    }
}
