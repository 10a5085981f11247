using Custodian.Core.Common;
using Custodian.Core.Features.Audit;
using Custodian.Core.Persistence;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Custodian.IntegrationTests.Audit;

/// <summary>
/// A fresh migrated database plus the audit services (<c>AddCustodianAudit</c>) with a fixed test master key and a
/// fake clock. Scope: one test; dispose it.
/// </summary>
internal sealed class AuditFixture : IAsyncDisposable
{
    public static readonly byte[] TestMasterKeyBytes = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    private AuditFixture(TestDatabase database, ServiceProvider services, FakeTimeProvider time)
    {
        Database = database;
        Services = services;
        Time = time;
    }

    public TestDatabase Database { get; }

    public ServiceProvider Services { get; }

    public FakeTimeProvider Time { get; }

    public IAuditTrail Trail => Services.GetRequiredService<IAuditTrail>();

    public AuditVerifier Verifier => Services.GetRequiredService<AuditVerifier>();

    public AuditCheckpoints Checkpoints => Services.GetRequiredService<AuditCheckpoints>();

    public AuditHasher Hasher => Services.GetRequiredService<AuditHasher>();

    public static async Task<AuditFixture> CreateAsync(Engine engine, Action<AuditOptions>? configure = null)
    {
        var database = await TestDatabase.CreateAsync(engine);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
        var services = TestDatabase.ServicesFor(database.Target, s => s
            .AddSingleton<TimeProvider>(time)
            .AddSingleton(MasterKey.FromBytes(TestMasterKeyBytes))
            .AddCustodianAudit(configure));
        return new AuditFixture(database, services, time);
    }

    public CustodianDbContext CreateContext() =>
        Services.GetRequiredService<IDbContextFactory<CustodianDbContext>>().CreateDbContext();

    public static AuditEntry Entry(int n, Guid? org = null) => new(
        "test.happened",
        new AuditActor(AuditActorKind.User, $"user-{n % 7}"),
        org ?? Guid.Parse("0198c9a0-0000-7000-8000-000000000001"),
        [new AuditObject("contact", $"c-{n}")],
        Reason: n % 3 == 0 ? $"ticket T-{n}" : null,
        Details: new Dictionary<string, string> { ["n"] = n.ToString(System.Globalization.CultureInfo.InvariantCulture), ["kind"] = "test" });

    /// <summary>Appends <paramref name="count"/> events, each in its own transaction, one clock tick apart.</summary>
    public async Task AppendManyAsync(int count, CancellationToken ct, int offset = 0)
    {
        await using var context = CreateContext();
        for (var i = 0; i < count; i++)
        {
            await using var tx = await context.Database.BeginTransactionAsync(ct);
            await Trail.AppendAsync(context, Entry(offset + i), ct);
            await tx.CommitAsync(ct);
            Time.Advance(TimeSpan.FromMilliseconds(1.2345));
        }
    }

    public async Task<AuditVerification> VerifyAsync(CancellationToken ct, string? external = null)
    {
        await using var context = CreateContext();
        return await Verifier.VerifyAsync(context, external, ct);
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await Database.DisposeAsync();
    }
}
