using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Disclosures.Emergency;
using Custodian.Core.Features.Shielding;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.IntegrationTests.Import;
using Custodian.Testing;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Shielding;

/// <summary>
/// The import fixture (clock 2026-11-28 12:00 UTC) plus the store, shielding and 112 services, and helpers that make
/// a subscriber with a mobile subscription and an address. Fictional numbers only.
/// </summary>
internal static class ShieldingFixture
{
    public static readonly AuditActor Officer = new(AuditActorKind.User, "privacy-officer-1");
    public static readonly StoreCaller Caller = new(new AuditActor(AuditActorKind.ApiKey, "key-112"), TenantScope.Everything);

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static Task<ImportFixture> CreateAsync(Engine engine) =>
        ImportFixture.CreateAsync(engine, more: s => s.AddScoped<StoreTransactions>().AddCustodianShielding().AddCustodianEmergencyLookup());

    /// <summary>Runs <paramref name="work"/> with a service of a fresh provider-wide scope.</summary>
    public static async Task<TResult> WithAsync<T, TResult>(ImportFixture f, Func<T, Task<TResult>> work)
        where T : notnull
    {
        await using var scope = f.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CustodianDbContext>().ScopeTo(TenantScope.Everything);
        return await work(scope.ServiceProvider.GetRequiredService<T>());
    }

    /// <summary>A mobile service (ended on <paramref name="endDate"/> when given) with one subscription for <paramref name="number"/>.</summary>
    public static async Task AddSubscriptionAsync(ImportFixture f, Guid organizationId, string reference, string number, LocalDate? endDate = null)
    {
        await using var db = f.CreateContext();
        var now = Instant.FromDateTimeOffset(f.Time.GetUtcNow());
        var service = new Service { OrganizationId = organizationId, Kind = "mobile", Reference = reference, StartDate = new LocalDate(2025, 1, 1), EndDate = endDate, CreatedAt = now };
        db.Services.Add(service);
        db.MobileSubscriptions.Add(new MobileSubscription { OrganizationId = organizationId, ServiceId = service.Id, Iccid = "8931000000000000001", PhoneNumber = number, CreatedAt = now });
        await db.SaveChangesAsync(Ct);
    }

    public static async Task AddAddressAsync(ImportFixture f, Guid organizationId)
    {
        await using var db = f.CreateContext();
        db.DeliveryAddresses.Add(new DeliveryAddress
        {
            OrganizationId = organizationId,
            Street = "Teststraat",
            HouseNumber = "1",
            Postcode = "1234 AB",
            City = "Testdorp",
            Country = "NL",
            CreatedAt = Instant.FromDateTimeOffset(f.Time.GetUtcNow()),
        });
        await db.SaveChangesAsync(Ct);
    }
}
