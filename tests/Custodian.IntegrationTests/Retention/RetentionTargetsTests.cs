using System.Reflection;
using Custodian.Configuration;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Store;
using Custodian.Testing;
using Xunit;

namespace Custodian.IntegrationTests.Retention;

/// <summary>The catalogue against the shipped register and the store model: every category swept, every record covered.</summary>
public sealed class RetentionTargetsTests
{
    private static ProcessingRegister ShippedRegister() =>
        RegisterLoader.Load(File.ReadAllText(SettingsResolver.ShippedRegisterPath), SettingsResolver.ShippedRegisterPath).Register
        ?? throw new InvalidOperationException("the shipped register does not load");

    [Fact]
    public void EveryShippedCategory_HasATargetWithTheRegistersAnchor()
    {
        var problems = new List<string>();
        foreach (var category in ShippedRegister().Categories)
        {
            var targets = RetentionTargets.Of(category.Id);
            if (targets.Count == 0)
            {
                problems.Add($"{category.Id}: no retention target; add one to RetentionTargets.All");
            }

            problems.AddRange(targets.Where(t => t.Anchor != category.Retention.Anchor)
                .Select(t => $"{category.Id}: {t.Name} is anchored on {t.Anchor}, the register on {category.Retention.Anchor}"));
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void EveryTarget_BelongsToAShippedCategory_AndHasAUniqueName()
    {
        var categories = ShippedRegister().Categories.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        Assert.All(RetentionTargets.All, t => Assert.Contains(t.Category, categories));
        Assert.Equal(RetentionTargets.All.Count, RetentionTargets.All.Select(t => t.Name).Distinct().Count());
    }

    /// <summary>A new entity with personal data fails here until a target of its category covers it.</summary>
    [Theory, AllEngines]
    public async Task EveryStoredTypeWithPersonalData_IsCoveredByATargetOfItsCategory(Engine engine)
    {
        await using var database = await TestDatabase.CreateAsync(engine);
        await using var db = database.CreateContext();
        var types = db.Model.GetEntityTypes().Select(e => e.ClrType).Concat(EventTable.All.Select(t => t.RecordType)).Distinct();
        var problems = new List<string>();
        foreach (var type in types)
        {
            var categories = type.GetProperties()
                .Select(p => p.GetCustomAttribute<PersonalDataAttribute>()?.Category)
                .OfType<string>()
                .Distinct()
                .ToList();
            foreach (var category in categories)
            {
                if (!RetentionTargets.Of(category).Any(t => t.Entities.Contains(type)))
                {
                    problems.Add($"{type.Name} holds {category} but no target of that category covers it");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Theory, AllEngines]
    public async Task Slices_ShippedRegister_HaveNoProblems(Engine engine)
    {
        await using var database = await TestDatabase.CreateAsync(engine);
        await using var db = database.CreateContext();
        db.ScopeTo(Core.Features.Tenancy.TenantScope.Everything);
        var (slices, problems) = await RetentionSlices.ForAsync(db, ShippedRegister(), NodaTime.Instant.FromUtc(2026, 1, 1, 0, 0), TestContext.Current.CancellationToken);
        Assert.Empty(problems);
        // No organisations yet: one slice per target, none for the client-defined one (a slice per organisation setting).
        Assert.Equal(RetentionTargets.All.Count(t => t.Anchor != RetentionAnchor.ClientSetting), slices.Count);
    }
}
