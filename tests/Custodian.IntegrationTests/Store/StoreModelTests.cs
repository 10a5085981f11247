using System.Reflection;
using Custodian.Configuration;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.IntegrationTests.Store;

/// <summary>
/// Consistency checks of the EF model against the register and the tenancy rule (NodaTime ConsistencyTest style): they
/// fail when a new entity or property is added without saying what it is.
/// </summary>
public sealed class StoreModelTests
{
    /// <summary>
    /// Register categories whose home in the store is still to be built. A later change that gives one a home must
    /// remove it here (the test fails while a listed category has a home, so the list cannot go stale):
    /// none left: usage and traffic records (imports) and recordings (recordings) both have their homes now.
    /// </summary>
    private static readonly string[] PendingHomes = [];

    /// <summary>
    /// Entities of other features that hold no personal data at all, by design, with the reason. Everything else must
    /// mark each property <see cref="PersonalDataAttribute"/> or <see cref="NotPersonalDataAttribute"/>.
    /// </summary>
    private static readonly Dictionary<Type, string> TechnicalEntities = new()
    {
        [typeof(RegisterVersion)] = "the register file, public text",
        [typeof(JobLease)] = "job coordination",
        [typeof(AuditEvent)] = "references and keyed hashes only (AuditEntry contract)",
        [typeof(AuditEventObject)] = "an index of the events' object references (AuditEntry contract)",
        [typeof(AuditHead)] = "hash-chain state",
        [typeof(AuditCheckpoint)] = "signed tree heads",
    };

    private static DatabaseTarget OfflineTarget(Engine engine) => engine switch
    {
        Engine.Sqlite => new DatabaseTarget(DatabaseEngine.Sqlite, "Data Source=model-test.db"),
        _ => new DatabaseTarget(DatabaseEngine.Postgres, "Host=localhost;Database=model_test;Username=nobody"),
    };

    private static async Task<IModel> ModelAsync(Engine engine)
    {
        await using var services = TestDatabase.ServicesFor(OfflineTarget(engine));
        await using var context = await services.GetRequiredService<IDbContextFactory<CustodianDbContext>>()
            .CreateDbContextAsync(TestContext.Current.CancellationToken);
        return context.Model;
    }

    private static ProcessingRegister ShippedRegister()
    {
        var loaded = RegisterLoader.Load(File.ReadAllText(SettingsResolver.ShippedRegisterPath), SettingsResolver.ShippedRegisterPath);
        return loaded.Register ?? throw new InvalidOperationException("the shipped register does not load");
    }

    [Theory, AllEngines]
    public async Task EveryStoredProperty_BelongsToExactlyOneRegisterCategoryOrIsMarkedTechnical(Engine engine)
    {
        var model = await ModelAsync(engine);
        var categories = ShippedRegister().Categories.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var problems = new List<string>();

        foreach (var entity in model.GetEntityTypes().Where(e => !TechnicalEntities.ContainsKey(e.ClrType)))
        {
            foreach (var property in entity.GetProperties())
            {
                var info = property.PropertyInfo;
                var where = $"{entity.ClrType.Name}.{property.Name}";
                if (info is null)
                {
                    problems.Add($"{where}: a shadow property; map a CLR property so it can be marked");
                    continue;
                }

                var personal = info.GetCustomAttribute<PersonalDataAttribute>();
                var technical = info.GetCustomAttribute<NotPersonalDataAttribute>();
                if ((personal is null) == (technical is null))
                {
                    problems.Add($"{where}: mark it [PersonalData(\"<category>\")] or [NotPersonalData] (exactly one)");
                }
                else if (personal is not null && !categories.Contains(personal.Category))
                {
                    problems.Add($"{where}: category '{personal.Category}' is not in the shipped register");
                }
            }

            // The look-up groups records by category, so a record type holds one category at most.
            var own = entity.GetProperties().Select(p => p.PropertyInfo?.GetCustomAttribute<PersonalDataAttribute>()?.Category).OfType<string>().Distinct().ToList();
            if (own.Count > 1)
            {
                problems.Add($"{entity.ClrType.Name}: holds several categories ({string.Join(", ", own)}); split the entity");
            }
        }

        // The month-partitioned usage and traffic tables are outside the EF model: their columns map to the record
        // properties that carry the marks (Features/Events/EventTables.cs; ImportTests checks the columns in the database).
        foreach (var table in EventTable.All)
        {
            foreach (var column in table.Columns)
            {
                var where = $"{table.Name}.{column.Name}";
                var info = table.RecordType.GetProperty(column.Property);
                var personal = info?.GetCustomAttribute<PersonalDataAttribute>();
                if (info is null || (personal is null) == (info.GetCustomAttribute<NotPersonalDataAttribute>() is null))
                {
                    problems.Add($"{where}: map it to a property of {table.RecordType.Name} marked [PersonalData(\"<category>\")] or [NotPersonalData] (exactly one)");
                }
                else if (personal is not null && !categories.Contains(personal.Category))
                {
                    problems.Add($"{where}: category '{personal.Category}' is not in the shipped register");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Theory, AllEngines]
    public async Task EveryRegisterCategory_HasAHomeInTheStore_ExceptThePendingOnes(Engine engine)
    {
        var model = await ModelAsync(engine);
        var homes = model.GetEntityTypes()
            .SelectMany(e => e.GetProperties())
            .Select(p => p.PropertyInfo?.GetCustomAttribute<PersonalDataAttribute>()?.Category)
            .OfType<string>()
            .ToHashSet(StringComparer.Ordinal);
        homes.UnionWith(EventTable.All
            .SelectMany(t => t.Columns.Select(c => t.RecordType.GetProperty(c.Property)?.GetCustomAttribute<PersonalDataAttribute>()?.Category))
            .OfType<string>());
        var categories = ShippedRegister().Categories.Select(c => c.Id).ToList();

        var homeless = categories.Where(c => !homes.Contains(c) && !PendingHomes.Contains(c)).ToList();
        var stale = PendingHomes.Where(homes.Contains).ToList();
        var unknown = PendingHomes.Where(c => !categories.Contains(c)).ToList();

        Assert.True(homeless.Count == 0, $"register categories without a home in the store: {string.Join(", ", homeless)}");
        Assert.True(stale.Count == 0, $"these categories have a home now; remove them from PendingHomes: {string.Join(", ", stale)}");
        Assert.True(unknown.Count == 0, $"PendingHomes names categories the register does not have: {string.Join(", ", unknown)}");
    }

    [Theory, AllEngines]
    public async Task EveryTenantOwnedEntity_HasTheTenantQueryFilter(Engine engine)
    {
        var model = await ModelAsync(engine);
        var problems = new List<string>();
        foreach (var entity in model.GetEntityTypes())
        {
            var type = entity.ClrType;
            var owned = typeof(ITenantOwned).IsAssignableFrom(type);
            if (!owned && type.GetProperty("OrganizationId")?.PropertyType == typeof(Guid))
            {
                problems.Add($"{type.Name} has a non-null OrganizationId but does not implement ITenantOwned");
            }

            if ((owned || type == typeof(Organization)) && entity.GetDeclaredQueryFilters().Count == 0)
            {
                problems.Add($"{type.Name} is tenant data without a query filter");
            }
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Theory, AllEngines]
    public async Task TenantFilter_NewContextSeesNothing_TenantSeesOwn_WritesOutsideScopeThrow(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await TestDatabase.CreateAsync(engine);
        var a = new Organization { Code = "a-org", Name = "A", BillingCompanyName = "A" };
        var b = new Organization { Code = "b-org", Name = "B", BillingCompanyName = "B" };
        await using (var setup = database.CreateContext())
        {
            setup.ScopeTo(TenantScope.Everything);
            setup.Organizations.AddRange(a, b);
            setup.ContactPersons.AddRange(
                new ContactPerson { OrganizationId = a.Id, Name = "Jan A", Email = "jan@a.example", Role = "general" },
                new ContactPerson { OrganizationId = b.Id, Name = "Jan B", Email = "jan@b.example", Role = "general" });
            await setup.SaveChangesAsync(ct);
        }

        await using var unscoped = database.CreateContext();
        Assert.Equal(0, await unscoped.ContactPersons.CountAsync(ct));
        Assert.Equal(0, await unscoped.Organizations.CountAsync(ct));
        Assert.Equal(0, await unscoped.SubjectIdentifiers.CountAsync(ct));

        await using var tenantA = database.CreateContext();
        tenantA.ScopeTo(TenantScope.For(a.Id));
        Assert.Equal(["Jan A"], await tenantA.ContactPersons.Select(c => c.Name).ToListAsync(ct));
        Assert.Equal(["a-org"], await tenantA.Organizations.Select(o => o.Code).ToListAsync(ct));
        Assert.All(await tenantA.SubjectIdentifiers.ToListAsync(ct), s => Assert.Equal(a.Id, s.OrganizationId));

        tenantA.ContactPersons.Add(new ContactPerson { OrganizationId = b.Id, Name = "Intruder", Email = "x@b.example", Role = "general" });
        await Assert.ThrowsAsync<InvalidOperationException>(() => tenantA.SaveChangesAsync(ct));
        Assert.Throws<InvalidOperationException>(() => tenantA.ScopeTo(TenantScope.For(b.Id)));
    }

    [Theory, AllEngines]
    public async Task SubjectIndex_FollowsUpdatesAndDeletes_InTheSameSave(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await TestDatabase.CreateAsync(engine);
        await using var db = database.CreateContext();
        db.ScopeTo(TenantScope.Everything);
        var org = new Organization { Code = "a-org", Name = "A", BillingCompanyName = "A" };
        var contact = new ContactPerson { OrganizationId = org.Id, Name = "Jan A", Phone = "+31640000001", Role = "general" };
        db.AddRange(org, contact);
        await db.SaveChangesAsync(ct);
        Assert.Equal(1, await db.SubjectIdentifiers.CountAsync(s => s.Kind == "phone" && s.Value == "+31640000001", ct));

        contact.Phone = "+31640000002";
        await db.SaveChangesAsync(ct);
        Assert.Equal(0, await db.SubjectIdentifiers.CountAsync(s => s.Value == "+31640000001", ct));
        Assert.Equal(1, await db.SubjectIdentifiers.CountAsync(s => s.Kind == "phone" && s.Value == "+31640000002" && s.Category == "general.contact_person", ct));

        db.ContactPersons.Remove(contact);
        await db.SaveChangesAsync(ct);
        Assert.Equal(0, await db.SubjectIdentifiers.CountAsync(s => s.EntityId == contact.Id, ct));
    }
}
