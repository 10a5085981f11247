using Custodian.Core.Persistence;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Persistence;

/// <summary>Model-level checks that need no database server: they run on both engines everywhere.</summary>
public sealed class ModelTests
{
    private static DatabaseTarget OfflineTarget(Engine engine) => engine switch
    {
        Engine.Sqlite => new DatabaseTarget(DatabaseEngine.Sqlite, "Data Source=model-test.db"),
        _ => new DatabaseTarget(DatabaseEngine.Postgres, "Host=localhost;Database=model_test;Username=nobody"),
    };

    [Theory, AllEngines]
    public async Task Model_ComparedWithMigrations_HasNoPendingChanges(Engine engine)
    {
        await using var services = TestDatabase.ServicesFor(OfflineTarget(engine));
        await using var context = await services.GetRequiredService<IDbContextFactory<CustodianDbContext>>()
            .CreateDbContextAsync(TestContext.Current.CancellationToken);

        Assert.True(context.Database.GetMigrations().Any(), "the engine's migrations assembly was not found");
        Assert.False(context.Database.HasPendingModelChanges(), "the model changed without a migration: run eng/add-migration.sh <Name>");
    }

    [Theory, AllEngines]
    public async Task Model_AllNames_AreSnakeCase(Engine engine)
    {
        await using var services = TestDatabase.ServicesFor(OfflineTarget(engine));
        await using var context = await services.GetRequiredService<IDbContextFactory<CustodianDbContext>>()
            .CreateDbContextAsync(TestContext.Current.CancellationToken);

        var names = new List<string>();
        foreach (var entity in context.Model.GetEntityTypes())
        {
            var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
            names.Add(table.Name);
            names.AddRange(entity.GetProperties().Select(p => p.GetColumnName(table)!));
            names.AddRange(entity.GetKeys().Select(k => k.GetName()!));
            names.AddRange(entity.GetForeignKeys().Select(f => f.GetConstraintName()!));
            names.AddRange(entity.GetIndexes().Select(i => i.GetDatabaseName()!));
        }

        Assert.Contains("register_versions", names);
        Assert.Contains("lease_until", names);
        Assert.All(names, n => Assert.Matches("^[a-z][a-z0-9_]*$", n));
    }

    [Theory, AllEngines]
    public async Task Model_NodaTimeProperties_AllHaveConverters(Engine engine)
    {
        await using var services = TestDatabase.ServicesFor(OfflineTarget(engine));
        await using var context = await services.GetRequiredService<IDbContextFactory<CustodianDbContext>>()
            .CreateDbContextAsync(TestContext.Current.CancellationToken);
        Type[] nodaTypes = [typeof(Instant), typeof(LocalDate), typeof(Period), typeof(Duration), typeof(LocalDateTime), typeof(ZonedDateTime), typeof(OffsetDateTime)];

        var unconverted = context.Model.GetEntityTypes()
            .SelectMany(e => e.GetProperties())
            .Where(p => nodaTypes.Contains(Nullable.GetUnderlyingType(p.ClrType) ?? p.ClrType) && p.GetTypeMapping().Converter is null)
            .Select(p => $"{p.DeclaringType.DisplayName()}.{p.Name}")
            .ToList();

        Assert.Empty(unconverted);
    }
}
