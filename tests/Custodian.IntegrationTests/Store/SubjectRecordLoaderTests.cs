using System.Reflection;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Persistence;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.IntegrationTests.Store;

/// <summary>
/// The subject index and its one loader stay in step: a record type that writes index rows (overrides
/// <see cref="ISubjectRecord.SubjectKeys"/>) and that <see cref="SubjectRecordLoader"/> cannot load would make every
/// look-up, access answer and erasure of a person holding it throw (or, worse, miss it).
/// </summary>
public sealed class SubjectRecordLoaderTests
{
    [Fact]
    public async Task EveryIndexedEntityOfTheModel_IsLoadableByTheLoader()
    {
        await using var services = TestDatabase.ServicesFor(new DatabaseTarget(DatabaseEngine.Sqlite, "Data Source=loader-model-test.db"));
        await using var context = await services.GetRequiredService<IDbContextFactory<CustodianDbContext>>()
            .CreateDbContextAsync(TestContext.Current.CancellationToken);

        var indexed = context.Model.GetEntityTypes()
            .Select(e => e.ClrType)
            .Where(t => typeof(ISubjectRecord).IsAssignableFrom(t) && WritesIndexRows(t))
            .ToList();

        Assert.NotEmpty(indexed);
        var missing = indexed.Where(t => !SubjectRecordLoader.IndexedTypes.Contains(RecordTypes.NameOf(t)) || !SubjectRecordLoader.LoadedTypes.Contains(t)).Select(t => t.Name).ToList();
        Assert.True(missing.Count == 0, $"Not loadable by SubjectRecordLoader: {string.Join(", ", missing)}");

        // And no stale entries: every type the loader knows is an indexed entity of the model.
        var names = indexed.Select(RecordTypes.NameOf).ToHashSet(StringComparer.Ordinal);
        var stale = SubjectRecordLoader.IndexedTypes.Where(n => !names.Contains(n)).ToList();
        Assert.True(stale.Count == 0, $"Loader entries without an indexed entity: {string.Join(", ", stale)}");
    }

    [Fact]
    public void ChildrenWithoutIndexRows_AreLoadedWithTheirParent()
    {
        Assert.False(WritesIndexRows(typeof(MobileNotification)));
        Assert.False(WritesIndexRows(typeof(SupportTicketAttachment)));
        Assert.Contains(typeof(MobileNotification), SubjectRecordLoader.LoadedTypes);
        Assert.Contains(typeof(SupportTicketAttachment), SubjectRecordLoader.LoadedTypes);
        Assert.True(WritesIndexRows(typeof(Organization)));
    }

    /// <summary>A record writes index rows when its type declares its own subject keys (the base record has none).</summary>
    private static bool WritesIndexRows(Type type)
    {
        if (type == typeof(Organization))
        {
            return true; // implements the contract itself
        }

        var method = type.GetMethod(nameof(TenantRecord.SubjectKeys), BindingFlags.Public | BindingFlags.Instance, Type.EmptyTypes);
        return method is not null && method.DeclaringType != typeof(TenantRecord);
    }
}
