using System.Text;
using Custodian.Configuration;
using Custodian.Core.Common;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using NodaTime;
using NodaTime.Text;
using Xunit;
using Service = Custodian.Core.Features.Store.Service;

namespace Custodian.IntegrationTests.Retention;

/// <summary>
/// A small known data set for the planner: four organisations with services that run or ended, tickets closed, open
/// and closed late on New Year's Eve, recordings with blobs under two recording settings, and usage and traffic
/// records imported through the importer (one of them in December UTC but on 1 January in Amsterdam).
/// </summary>
internal sealed class RetentionPlanFixture : IAsyncDisposable
{
    /// <summary>The fixture's files: the blob store (<c>data</c>) and what tests write; removed on dispose.</summary>
    private readonly DirectoryInfo _folder;

    private RetentionPlanFixture(DirectoryInfo folder, TestDatabase database, ServiceProvider services)
    {
        _folder = folder;
        Database = database;
        Services = services;
    }

    public TestDatabase Database { get; }

    public ServiceProvider Services { get; }

    public Dictionary<string, Guid> Organizations { get; } = new(StringComparer.Ordinal);

    public static Instant Amsterdam(string local) =>
        LocalDateTimePattern.GeneralIso.Parse(local).Value.InZoneStrictly(RetentionCalendar.Zone).ToInstant();

    public static Instant Utc(string text) => InstantPattern.General.Parse(text).Value;

    public static async Task<RetentionPlanFixture> CreateAsync(Engine engine)
    {
        var database = await TestDatabase.CreateAsync(engine);
        var register = RegisterLoader.Load(File.ReadAllText(SettingsResolver.ShippedRegisterPath), SettingsResolver.ShippedRegisterPath).Register!;
        var folder = Directory.CreateTempSubdirectory("custodian-retention.");
        var services = TestDatabase.ServicesFor(database.Target, s => s
            .AddSingleton<TimeProvider>(new FakeTimeProvider(new DateTimeOffset(2025, 2, 28, 12, 0, 0, TimeSpan.Zero)))
            .AddSingleton(MasterKey.FromBytes([.. Enumerable.Range(1, 32).Select(i => (byte)i)]))
            .AddSingleton(register)
            .AddCustodianAudit()
            .AddCustodianEvents()
            .AddCustodianBlobs(Path.Combine(folder.FullName, "data"))
            .AddCustodianRetention()
            .AddCustodianRetentionSweep());
        var fixture = new RetentionPlanFixture(folder, database, services);
        await fixture.SeedAsync();
        return fixture;
    }

    /// <summary>The services' clock (starts at 2025-02-28 12:00 UTC, after the imported records and before the sweeps the tests run).</summary>
    public FakeTimeProvider Time => (FakeTimeProvider)Services.GetRequiredService<TimeProvider>();

    public CustodianDbContext CreateContext() => Services.GetRequiredService<IDbContextFactory<CustodianDbContext>>().CreateDbContext();

    public async Task<RetentionPlan> PlanAsync(Instant at)
    {
        await using var db = CreateContext();
        return await Services.GetRequiredService<RetentionPlanner>().PlanAsync(db, at, TestContext.Current.CancellationToken);
    }

    private async Task SeedAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = CreateContext();
        db.ScopeTo(TenantScope.Everything);
        var created = Amsterdam("2020-01-01T00:00:00");
        Organization Org(string code, Period? recording = null) =>
            new() { Code = code, Name = $"{code} B.V.", BillingCompanyName = $"{code} B.V.", CustomerCallRecordingRetention = recording, CallRecordingEnabled = recording is not null, CreatedAt = created };
        var alpha = Org("alpha");
        var beta = Org("beta");
        var gamma = Org("gamma", Period.FromMonths(1));
        var delta = Org("delta"); // recording feature off and no setting, but recordings from before: the register's minimum
        db.Organizations.AddRange(alpha, beta, gamma, delta);
        foreach (var o in new[] { alpha, beta, gamma, delta })
        {
            Organizations[o.Code] = o.Id;
        }

        Service Svc(Organization o, string kind, string reference, LocalDate? end) =>
            new() { OrganizationId = o.Id, Kind = kind, Reference = reference, StartDate = new LocalDate(2020, 1, 1), EndDate = end, CreatedAt = created };
        var voip = Svc(alpha, "voip", "VOIP-1", new LocalDate(2025, 6, 30));
        var internet = Svc(alpha, "internet", "NET-1", null);
        var mobile = Svc(beta, "mobile", "MOB-1", new LocalDate(2025, 3, 31));
        var alarm = Svc(beta, "alarm", "ALARM-1", new LocalDate(2025, 5, 15));
        db.Services.AddRange(voip, internet, mobile, alarm);

        db.VoipDevices.Add(new VoipDevice { OrganizationId = alpha.Id, ServiceId = voip.Id, MacAddress = "00:00:5E:00:53:01", CreatedAt = created });
        db.VoipContacts.Add(new VoipContact { OrganizationId = alpha.Id, ServiceId = voip.Id, Name = "Test Contact", Phone = "+31201234567", CreatedAt = created });
        db.InternetConnections.Add(new InternetConnection { OrganizationId = alpha.Id, ServiceId = internet.Id, ConnectionServiceId = "SID-1", LineId = "LID-1", CreatedAt = created });
        var subscription = new MobileSubscription { OrganizationId = beta.Id, ServiceId = mobile.Id, Iccid = "8931000000000000001", PhoneNumber = "+31612345678", CreatedAt = created };
        db.MobileSubscriptions.Add(subscription);
        db.MobileNotifications.AddRange(
            new MobileNotification { OrganizationId = beta.Id, SubscriptionId = subscription.Id, Kind = "roaming", SentAt = created, Text = "Welcome", CreatedAt = created },
            new MobileNotification { OrganizationId = beta.Id, SubscriptionId = subscription.Id, Kind = "bundle", SentAt = created, Text = "80%", CreatedAt = created });
        db.Keyholders.Add(new Keyholder { OrganizationId = beta.Id, ServiceId = alarm.Id, Name = "Key Holder", Phone = "+31201234568", CreatedAt = created });

        ContactPerson Contact(Organization o, string name) => new() { OrganizationId = o.Id, Name = name, Role = "general", Email = $"{name.ToLowerInvariant()}@{o.Code}.example", CreatedAt = created };
        db.ContactPersons.AddRange(Contact(alpha, "Ann"), Contact(alpha, "Bob"), Contact(beta, "Cas"), Contact(gamma, "Dee"));
        db.DeliveryAddresses.Add(new DeliveryAddress { OrganizationId = alpha.Id, Street = "Teststraat", HouseNumber = "1", Postcode = "1234 AB", City = "Testdorp", Country = "NL", CreatedAt = created });

        SupportTicket Ticket(string reference, Instant? closed) =>
            new() { OrganizationId = alpha.Id, Reference = reference, RequesterName = "Req Uester", Text = "help", OpenedAt = created, ClosedAt = closed, CreatedAt = created };
        var closedLongAgo = Ticket("T-1", Amsterdam("2022-02-28T10:00:00"));
        var open = Ticket("T-2", null);
        var closedNewYearsEve = Ticket("T-3", Amsterdam("2024-12-31T23:30:00"));
        db.SupportTickets.AddRange(closedLongAgo, open, closedNewYearsEve);
        await db.SaveChangesAsync(ct);

        var blobs = Services.GetRequiredService<EncryptedBlobs>();
        async Task<Guid> BlobAsync(Guid organization, Guid owner)
        {
            using var content = new MemoryStream(Encoding.ASCII.GetBytes("not really audio"));
            return (await blobs.PutAsync(db, organization, DataKeyOwner.Subject(owner), content, "text/plain", ct)).Id;
        }

        foreach (var ticket in new[] { closedLongAgo, open })
        {
            db.Set<SupportTicketAttachment>().Add(new SupportTicketAttachment
            {
                OrganizationId = alpha.Id,
                TicketId = ticket.Id,
                ContentBlobId = await BlobAsync(alpha.Id, ticket.Id),
                MediaType = "text/plain",
                ContentLength = 16,
                CreatedAt = created,
            });
        }

        foreach (var at in new[] { Amsterdam("2025-01-01T10:00:00"), Amsterdam("2025-03-01T00:10:00") })
        {
            var id = Guid.CreateVersion7();
            db.Set<SupportCallRecording>().Add(new SupportCallRecording
            {
                Id = id,
                OrganizationId = alpha.Id,
                CallerNumber = "+31201234569",
                CalledAt = at,
                DurationSeconds = 60,
                ContentBlobId = await BlobAsync(alpha.Id, id),
                MediaType = "text/plain",
                ContentLength = 16,
                CreatedAt = created,
            });
        }

        foreach (var (org, at) in new[] { (gamma, Amsterdam("2025-01-31T12:00:00")), (gamma, Amsterdam("2025-02-15T12:00:00")), (delta, Amsterdam("2025-02-10T10:00:00")) })
        {
            var id = Guid.CreateVersion7();
            db.Set<CustomerCallRecording>().Add(new CustomerCallRecording
            {
                Id = id,
                OrganizationId = org.Id,
                CallerNumber = "+31201234570",
                CalleeNumber = "+31201234571",
                CalledAt = at,
                DurationSeconds = 60,
                ContentBlobId = await BlobAsync(org.Id, id),
                MediaType = "text/plain",
                ContentLength = 16,
                CreatedAt = created,
            });
        }

        await db.SaveChangesAsync(ct);
        await ImportAsync(EventFamily.Usage, "usage.csv",
            "organization,record_id,kind,direction,caller,callee,start,duration,billed,outcome,cell_id,country,volume,cost,currency,service\n" +
            "alpha,u-1,voip,outbound,+31201234567,+31201234599,2024-12-15T10:00:00Z,60,60,answered,,,,,,VOIP-1\n" +
            // 23:30Z on 31 December is 00:30 on 1 January in Amsterdam: December's month table, January's retention day.
            "alpha,u-2,voip,outbound,+31201234567,+31201234599,2024-12-31T23:30:00Z,60,60,answered,,,,,,VOIP-1\n" +
            "alpha,u-3,voip,outbound,+31201234567,+31201234599,2025-01-20T10:00:00Z,60,60,answered,,,,,,VOIP-1\n" +
            "alpha,u-4,voip,outbound,+31201234567,+31201234599,2025-02-10T10:00:00Z,60,60,answered,,,,,,VOIP-1\n");
        await ImportAsync(EventFamily.Traffic, "traffic.csv",
            "organization,record_id,kind,direction,subscriber,counterpart,start,duration,bytes,protocol,cell_id,country\n" +
            "beta,t-1,telephony,inbound,+31612345678,+31201234599,2025-01-05T08:00:00Z,75,,sip,,\n");
    }

    /// <summary>Imports a CSV through the importer (<paramref name="tenant"/>: <c>--tenant</c>, every row that organisation's).</summary>
    public async Task ImportAsync(EventFamily family, string name, string csv, string? tenant = null)
    {
        var path = Path.Combine(_folder.FullName, name);
        await File.WriteAllTextAsync(path, csv, TestContext.Current.CancellationToken);
        var result = await Services.GetRequiredService<EventImporter>().ImportAsync(
            new ImportRequest(family, path, new AuditActor(AuditActorKind.Cli, "cli:test"), TenantCode: tenant), null, TestContext.Current.CancellationToken);
        Assert.True(result.Outcome == ImportOutcome.Imported && result.RowsRejected == 0, $"{name}: {result}");
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await Database.DisposeAsync();
        _folder.Delete(recursive: true);
    }
}
