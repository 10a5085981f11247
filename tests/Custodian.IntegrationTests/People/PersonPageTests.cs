using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Custodian.IntegrationTests.Retention;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using Xunit;
using static Custodian.IntegrationTests.People.PeopleFixture;

namespace Custodian.IntegrationTests.People;

/// <summary>
/// The back office's person page (<c>PersonPage</c>) over the retention fixture's known records (fixture clock
/// 2025-02-28 12:00 UTC): every identifier kind, the register's facts per category, expiry dates computed by hand,
/// the reason rule, tenant isolation and the secrecy of authority holds.
/// </summary>
public sealed class PersonPageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task Get_EachIdentifierKind_FindsItsRecords(Engine engine)
    {
        await using var f = await RetentionPlanFixture.CreateAsync(engine);
        await using (var db = f.CreateContext())
        {
            db.ScopeTo(TenantScope.Everything);
            var subscription = await db.MobileSubscriptions.SingleAsync(Ct);
            subscription.Imei = "490154203237518";
            subscription.Iccid = "8931000000000000016"; // the fixture's has no valid check digit, which a search would refuse
            var connection = await db.InternetConnections.SingleAsync(Ct);
            connection.PublicIp = "203.0.113.7";
            await db.SaveChangesAsync(Ct);
        }

        async Task<IReadOnlyList<string>> Types(string identifier, string? kind = null) =>
            [.. (await FoundAsync(f, TenantScope.Everything, identifier, kind: kind)).Categories.SelectMany(c => c.Records).Select(r => r.Type)];

        Assert.Equal(["voip_contact", "usage_record", "usage_record", "usage_record", "usage_record"], await Types("020-1234567"));
        Assert.Equal(["contact_person"], await Types("ANN@Alpha.example"));
        Assert.Equal(["support_ticket", "support_ticket", "support_ticket", "support_ticket_attachment", "support_ticket_attachment"], await Types("req  UESTER"));
        Assert.Equal(["voip_device"], await Types("00-00-5e-00-53-01"));
        Assert.Equal(["mobile_subscription", "mobile_notification", "mobile_notification"], await Types("8931 0000 0000 0000 016"));
        Assert.Equal(["mobile_subscription", "mobile_notification", "mobile_notification"], await Types("490154203237518"));
        Assert.Equal(["internet_connection"], await Types("203.0.113.7"));
        Assert.Equal(["traffic_record", "mobile_subscription", "mobile_notification", "mobile_notification"], await Types("+31612345678"));
        Assert.Empty(await Types("+31209999999"));
    }

    [Theory, AllEngines]
    public async Task Get_Phone_ShowsRegisterFactsPerCategoryAndHandComputedExpiry(Engine engine)
    {
        await using var f = await RetentionPlanFixture.CreateAsync(engine);

        var person = await FoundAsync(f, TenantScope.Everything, "+31201234567");

        Assert.Equal("phone", person.Kind);
        Assert.Equal("+31201234567", person.Identifier);
        Assert.Equal(["voip.devices_and_contacts", "usage.call_detail_records"], person.Categories.Select(c => c.Category));
        var voip = person.Categories[0];
        Assert.Equal(ControllerRole.Client, voip.Controller);
        Assert.Equal(["alpha B.V."], voip.ControllerNames);
        Assert.Equal(LegalBasisType.Contract, voip.LegalBasis.Type);
        Assert.NotEmpty(voip.Purposes);
        Assert.Equal("until the end of the service", voip.RetentionText);
        Assert.Null(voip.Events);
        var contact = Assert.Single(voip.Records);
        // The VoIP service's last day is 2025-06-30: expired from the start of 1 July in Amsterdam (CEST).
        Assert.Equal(Utc("2025-06-30T22:00:00Z"), contact.ExpiresAt);
        Assert.Contains(contact.Fields, x => x.Name == "Phone" && x.Value == "+31201234567");
        Assert.Contains(contact.Fields, x => x.Name == "Name" && x.Value == "Test Contact");

        var usage = person.Categories[1];
        Assert.Equal(ControllerRole.Provider, usage.Controller);
        Assert.Single(usage.ControllerNames);
        Assert.Equal("six months after the record's time", usage.RetentionText);
        // UTC months (the partitions'): 23:30Z on 31 December counts in December though it is 1 January in Amsterdam.
        Assert.Equal([(new YearMonth(2024, 12), 2L), (new YearMonth(2025, 1), 1L), (new YearMonth(2025, 2), 1L)], usage.Events!.Months.Select(m => (m.Month, m.Count)));
        Assert.Equal(4, usage.Events.Total);
        // Newest first; six months after the Amsterdam day, expired from the next day's start.
        Assert.Equal(["u-4", "u-3", "u-2", "u-1"], usage.Records.Select(r => r.RecordKey));
        Assert.Equal(
            [Utc("2025-08-10T22:00:00Z"), Utc("2025-07-20T22:00:00Z"), Utc("2025-07-01T22:00:00Z"), Utc("2025-06-15T22:00:00Z")],
            usage.Records.Select(r => r.ExpiresAt!.Value));
        Assert.All(usage.Records, r => Assert.Equal("alpha B.V.", r.OrganizationName));
    }

    [Theory, AllEngines]
    public async Task Get_LatestLimit_CutsTheRecordsButNotTheCounts(Engine engine)
    {
        await using var f = await RetentionPlanFixture.CreateAsync(engine);

        var result = await FindAsync(f, TenantScope.Everything, "+31201234567", latest: 2);

        var usage = result.Value!.Categories.Single(c => c.Category == "usage.call_detail_records");
        Assert.Equal(["u-4", "u-3"], usage.Records.Select(r => r.RecordKey));
        Assert.Equal(4, usage.Events!.Total);
    }

    [Theory, AllEngines]
    public async Task Get_ClientSettingAndTicketAnchors_GiveHandComputedExpiry(Engine engine)
    {
        await using var f = await RetentionPlanFixture.CreateAsync(engine);

        var recordings = Assert.Single((await FoundAsync(f, TenantScope.Everything, "+31201234570")).Categories);
        var tickets = (await FoundAsync(f, TenantScope.Everything, "Req Uester")).Categories.Single(c => c.Category == "general.support_information");
        var calls = Assert.Single((await FoundAsync(f, TenantScope.Everything, "+31201234569")).Categories);

        Assert.Equal("usage.customer_call_recordings", recordings.Category);
        Assert.Equal(["delta B.V.", "gamma B.V."], recordings.ControllerNames);
        // gamma keeps one month (31 January + 1 month = 28 February, expired from 1 March CET); delta has no setting: the minimum, P0D.
        Assert.Equal(
            [Utc("2025-02-10T23:00:00Z"), Utc("2025-02-28T23:00:00Z"), Utc("2025-03-15T23:00:00Z")],
            recordings.Records.Select(r => r.ExpiresAt!.Value).Order());
        // Three years after closing (28 February 2022, and New Year's Eve 2024); the open ticket and its attachment are not expiring.
        Assert.Equal(
            [null, null, Utc("2025-02-28T23:00:00Z"), Utc("2025-02-28T23:00:00Z"), Utc("2027-12-31T23:00:00Z")],
            tickets.Records.Select(r => r.ExpiresAt).OrderBy(e => e ?? Instant.MinValue));
        // 90 days after the call's Amsterdam day (1 January and 1 March 2025).
        Assert.Equal([Utc("2025-04-01T22:00:00Z"), Utc("2025-05-30T22:00:00Z")], calls.Records.Select(r => r.ExpiresAt!.Value).Order());
    }

    [Theory, AllEngines]
    public async Task Get_WithoutReason_IsRefusedAndALookUpIsAuditedWithItsReason(Engine engine)
    {
        await using var f = await RetentionPlanFixture.CreateAsync(engine);

        var refused = await FindAsync(f, TenantScope.Everything, "+31201234567", reason: "  ");
        var found = await FindAsync(f, TenantScope.Everything, "+31201234567", reason: "TICKET-4711");

        var error = Assert.IsType<ValidationError>(refused.Error);
        Assert.Equal("reason", Assert.Single(error.Errors).Field);
        Assert.True(found.IsSuccess);
        await using var db = f.CreateContext();
        var lookedUp = Assert.Single(await db.Set<AuditEvent>().AsNoTracking().Where(e => e.Action == "subject.looked_up").ToListAsync(Ct));
        Assert.Equal("TICKET-4711", lookedUp.Reason);
        Assert.Equal("user:agent", lookedUp.ActorId);
        Assert.Contains("\"events\":\"4\"", lookedUp.Details, StringComparison.Ordinal);
        Assert.Contains("u-4", lookedUp.Objects, StringComparison.Ordinal);
        Assert.DoesNotContain("1234567", lookedUp.Details, StringComparison.Ordinal);
    }

    [Theory, AllEngines]
    public async Task Get_AnotherOrganisationsPerson_AnswersExactlyLikeNobody(Engine engine)
    {
        await using var f = await RetentionPlanFixture.CreateAsync(engine);
        var beta = TenantScope.For(f.Organizations["beta"]);
        var alpha = TenantScope.For(f.Organizations["alpha"]);

        // +31201234567 is alpha's (a VoIP contact and four usage records); +31201234599 only alpha's callee; +31201234000 nobody's.
        var other = await FoundAsync(f, beta, "+31201234567");
        var nobody = await FoundAsync(f, beta, "+31201234000");
        var own = await FoundAsync(f, alpha, "+31201234567");
        var otherName = await FoundAsync(f, beta, "Ann");
        var nobodyName = await FoundAsync(f, beta, "Nobody Here");

        Assert.Empty(other.Categories);
        Assert.Equal(nobody with { Identifier = other.Identifier }, other, PersonViewComparer.Instance);
        Assert.Equal(nobodyName with { Identifier = otherName.Identifier }, otherName, PersonViewComparer.Instance);
        Assert.Equal(["voip.devices_and_contacts", "usage.call_detail_records"], own.Categories.Select(c => c.Category));
    }

    [Theory, AllEngines]
    public async Task Get_AuthorityHold_HiddenWithoutTheFlag_OthersAndRestrictionsShown(Engine engine)
    {
        await using var f = await RetentionPlanFixture.CreateAsync(engine);
        var order = await PlaceHoldAsync(f, "criminal_investigation", null, "alpha", "usage.call_detail_records", "+31201234567", "OM-2025-1");
        var claims = await PlaceHoldAsync(f, "legal_claims", null, "alpha", "voip.devices_and_contacts", "+31201234567");
        var restriction = await PlaceHoldAsync(f, "restriction_art18", "accuracy_contested", "alpha", "voip.devices_and_contacts", "+31201234567");
        var providerWide = await PlaceHoldAsync(f, "legal_claims", null, null, "usage.call_detail_records", "+31201234567");

        var agent = await FoundAsync(f, TenantScope.Everything, "+31201234567");
        var lawful = await FoundAsync(f, TenantScope.Everything, "+31201234567", lawful: true);
        var client = await FoundAsync(f, TenantScope.For(f.Organizations["alpha"]), "+31201234567", lawful: true);

        var voip = agent.Categories.Single(c => c.Category == "voip.devices_and_contacts");
        Assert.Equal([claims], voip.Holds.Select(h => h.Id));
        Assert.Equal([restriction], voip.Restrictions.Select(h => h.Id));
        Assert.Equal("accuracy_contested", voip.Restrictions[0].Ground);
        Assert.Equal([claims, restriction], voip.Records[0].HoldIds.Order());

        var usage = agent.Categories.Single(c => c.Category == "usage.call_detail_records");
        Assert.Equal([providerWide], usage.Holds.Select(h => h.Id));
        Assert.All(usage.Records, r => Assert.Equal([providerWide], r.HoldIds));
        Assert.DoesNotContain(agent.Categories.SelectMany(c => c.Holds), h => h.Reference == "OM-2025-1");

        var lawfulUsage = lawful.Categories.Single(c => c.Category == "usage.call_detail_records");
        Assert.Equal(new[] { order, providerWide }.Order(), lawfulUsage.Holds.Select(h => h.Id).Order());
        Assert.Equal("criminal_investigation", lawfulUsage.Holds.Single(h => h.Id == order).Basis);

        // A client organisation never sees provider-wide holds (the tenant filter), whatever the flag.
        Assert.DoesNotContain(client.Categories.SelectMany(c => c.Holds), h => h.Id == providerWide);
    }

    /// <summary>Structural equality of two person views (records hold lists, which records compare by reference).</summary>
    private sealed class PersonViewComparer : IEqualityComparer<Core.Features.People.PersonView>
    {
        public static PersonViewComparer Instance { get; } = new();

        public bool Equals(Core.Features.People.PersonView? x, Core.Features.People.PersonView? y) =>
            x is not null && y is not null && x.Kind == y.Kind && x.Identifier == y.Identifier && x.Categories.Count == y.Categories.Count
            && x.Categories.Select(c => c.Category).SequenceEqual(y.Categories.Select(c => c.Category));

        public int GetHashCode(Core.Features.People.PersonView obj) => obj.Kind.GetHashCode(StringComparison.Ordinal);
    }
}
