using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Disclosures.Emergency;
using Custodian.Core.Features.Store;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using Xunit;
using static Custodian.IntegrationTests.Shielding.ShieldingFixture;

namespace Custodian.IntegrationTests.Shielding;

/// <summary>The 112 caller look-up (Tw 11.10, AUT-5): subscriber data for a number, each use logged without the data.</summary>
public sealed class EmergencyLookupTests
{
    [Theory, AllEngines]
    public async Task LookUp_KnownUnknownAndEndedNumbers_DataOr404_EveryUseLoggedAndAudited(Engine engine)
    {
        await using var f = await CreateAsync(engine);
        var org = await f.AddOrganizationAsync("demo");
        await AddAddressAsync(f, org);
        await AddSubscriptionAsync(f, org, "MOB-1", "+31640000001");
        await AddSubscriptionAsync(f, org, "MOB-2", "+31640000002", endDate: new LocalDate(2026, 10, 31));

        var known = await WithAsync<EmergencyCallerLookup, StoreResult<EmergencyCallerData>>(f, l => l.LookUpAsync(Caller, "06 4000 0001", Ct));
        var ended = await WithAsync<EmergencyCallerLookup, StoreResult<EmergencyCallerData>>(f, l => l.LookUpAsync(Caller, "+31640000002", Ct));
        var unknown = await WithAsync<EmergencyCallerLookup, StoreResult<EmergencyCallerData>>(f, l => l.LookUpAsync(Caller, "+31640000999", Ct));
        var invalid = await WithAsync<EmergencyCallerLookup, StoreResult<EmergencyCallerData>>(f, l => l.LookUpAsync(Caller, "112", Ct));

        var data = known.Value!;
        Assert.Equal(("+31640000001", "demo B.V."), (data.Number, data.SubscriberName));
        Assert.Equal(new EmergencyAddress("Teststraat", "1", "1234 AB", "Testdorp", "NL"), Assert.Single(data.Addresses));
        Assert.Equal("emergency.number_unknown", Assert.IsType<NotFoundError>(ended.Error).Code);
        Assert.Equal("emergency.number_unknown", Assert.IsType<NotFoundError>(unknown.Error).Code);
        Assert.IsType<ValidationError>(invalid.Error);

        await using var db = f.CreateContext();
        var log = await db.Set<EmergencyDisclosure>().OrderBy(d => d.Id).ToListAsync(Ct);
        Assert.Equal([true, false, false], log.Select(d => d.Found));
        Assert.Equal(data.LookupId, log[0].Id);
        Assert.All(log, d => Assert.StartsWith(AuditHasher.Prefix, d.NumberHash));
        var audit = await db.Set<AuditEvent>().Where(e => e.Action == EmergencyCallerLookup.AuditAction).ToListAsync(Ct);
        Assert.Equal(3, audit.Count);
        Assert.DoesNotContain(audit, e => e.Details.Contains("4000", StringComparison.Ordinal));
        Assert.Equal(1, await EmergencyDisclosureLog.CountAsync(db, 2026, Ct));

        // Kept through 2026 and the first quarter of 2027 (Amsterdam), then purged.
        var amsterdam = DateTimeZoneProviders.Tzdb["Europe/Amsterdam"];
        Assert.Equal(0, await EmergencyDisclosureLog.PurgeAsync(db, new LocalDateTime(2027, 3, 31, 23, 59).InZoneLeniently(amsterdam).ToInstant(), Ct));
        Assert.Equal(3, await EmergencyDisclosureLog.PurgeAsync(db, new LocalDateTime(2027, 4, 1, 0, 0).InZoneLeniently(amsterdam).ToInstant(), Ct));
    }
}
