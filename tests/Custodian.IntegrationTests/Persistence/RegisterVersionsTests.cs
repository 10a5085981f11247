using Custodian.Core.Persistence;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Persistence;

public sealed class RegisterVersionsTests
{
    private static readonly Instant Noon = Instant.FromUtc(2026, 3, 2, 12, 0);
    private static readonly LocalDate RegisterDate = new(2026, 2, 27);

    [Theory, AllEngines]
    public async Task RecordAsync_SameContentTwice_ReturnsTheFirstRow(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await TestDatabase.CreateAsync(engine);
        const string yaml = "version: 1\nlast_updated: 2026-02-27\n";
        var sha = RegisterVersions.ComputeSha256(yaml);

        RegisterVersion first, second;
        await using (var context = db.CreateContext())
        {
            first = await RegisterVersions.RecordAsync(context, sha, RegisterDate, "policy/register.yaml", yaml, Noon, ct);
        }

        await using (var context = db.CreateContext())
        {
            second = await RegisterVersions.RecordAsync(context, sha.ToUpperInvariant(), RegisterDate, "elsewhere.yaml", yaml, Noon + Duration.FromDays(1), ct);
        }

        Assert.Equal(first.Id, second.Id);
        Assert.Equal(Noon, second.ActivatedAt);
        Assert.Equal("policy/register.yaml", second.SourcePath);
        Assert.Equal(RegisterDate, second.LastUpdated);
        Assert.Equal(yaml, second.Content);
        await using var check = db.CreateContext();
        Assert.Equal(1, await check.RegisterVersions.CountAsync(ct));
    }

    [Theory, AllEngines]
    public async Task RecordAsync_ConcurrentSameContent_OneRowBothGetIt(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await TestDatabase.CreateAsync(engine);
        const string yaml = "version: 1\n";
        var sha = RegisterVersions.ComputeSha256(yaml);

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(async i =>
        {
            await using var context = db.CreateContext();
            return await RegisterVersions.RecordAsync(context, sha, RegisterDate, $"node-{i}.yaml", yaml, Noon + Duration.FromSeconds(i), ct);
        }));

        Assert.Single(results.Select(r => r.Id).Distinct());
        await using var check = db.CreateContext();
        Assert.Equal(1, await check.RegisterVersions.CountAsync(ct));
    }

    [Theory, AllEngines]
    public async Task LatestAsync_TwoVersions_ReturnsMostRecentlyActivated(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await TestDatabase.CreateAsync(engine);
        await using var context = db.CreateContext();

        Assert.Null(await RegisterVersions.LatestAsync(context, ct));
        await RegisterVersions.RecordAsync(context, RegisterVersions.ComputeSha256("a"), RegisterDate, "a.yaml", "a", Noon, ct);
        var later = await RegisterVersions.RecordAsync(context, RegisterVersions.ComputeSha256("b"), RegisterDate.PlusDays(1), "b.yaml", "b", Noon + Duration.FromMinutes(5), ct);

        var latest = await RegisterVersions.LatestAsync(context, ct);

        Assert.NotNull(latest);
        Assert.Equal(later.Id, latest.Id);
        Assert.Equal(Noon + Duration.FromMinutes(5), latest.ActivatedAt);
    }

    [Theory, AllEngines]
    public async Task IsUniqueViolation_DuplicateSha256_RecognisedByCode(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await TestDatabase.CreateAsync(engine);
        var sha = RegisterVersions.ComputeSha256("x");
        await using var context = db.CreateContext();
        context.RegisterVersions.Add(NewRow(sha));
        await context.SaveChangesAsync(ct);
        context.ChangeTracker.Clear();
        context.RegisterVersions.Add(NewRow(sha));

        var e = await Assert.ThrowsAsync<DbUpdateException>(() => context.SaveChangesAsync(ct));

        Assert.True(DatabaseErrors.IsUniqueViolation(e));
        Assert.False(DatabaseErrors.IsUniqueViolation(new InvalidOperationException("duplicate key value violates unique constraint")));
    }

    [Fact]
    public async Task RecordAsync_NotAHash_Throws()
    {
        await using var db = await TestDatabase.CreateAsync(Engine.Sqlite);
        await using var context = db.CreateContext();

        await Assert.ThrowsAsync<ArgumentException>(() =>
            RegisterVersions.RecordAsync(context, "abc", RegisterDate, "a.yaml", "a", Noon, TestContext.Current.CancellationToken));
    }

    private static RegisterVersion NewRow(string sha) => new()
    {
        Id = Guid.CreateVersion7(Noon.ToDateTimeOffset()),
        Sha256 = sha,
        LastUpdated = RegisterDate,
        ActivatedAt = Noon,
        SourcePath = "x.yaml",
        Content = "x",
    };
}
