using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Requests.Answers;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Persistence;
using Custodian.IntegrationTests.Import;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Requests.Answers;

/// <summary>
/// A database with one person (Jan, two identifiers) holding records in several categories, another person (Piet),
/// usage and traffic records, and an authority hold over the usage records; plus the answer services.
/// </summary>
internal sealed class AnswersFixture : IAsyncDisposable
{
    public const string JanPhone = "+31640000001";
    public const string JanEmail = "jan.test@demo.example";
    public const string PietPhone = "+31640000777";
    public const string HoldReference = "OM-SECRET-4711";

    private readonly DirectoryInfo _blobs;

    private AnswersFixture(ImportFixture import, DirectoryInfo blobs)
    {
        Import = import;
        _blobs = blobs;
    }

    public ImportFixture Import { get; }

    public Guid OrganizationId { get; private set; }

    public Guid OtherOrganizationId { get; private set; }

    public IReadOnlyList<SubjectKey> Jan { get; } =
        [new SubjectKey(SubjectIdentifierKind.Phone, JanPhone), new SubjectKey(SubjectIdentifierKind.Email, JanEmail)];

    public AuditActor Actor { get; } = new(AuditActorKind.System, "test:answers");

    public ProcessingRegister Register => Import.Services.GetRequiredService<ProcessingRegister>();

    public AccessReportBuilder Builder => ActivatorUtilities.CreateInstance<AccessReportBuilder>(Import.Services);

    public RequestAnswers Answers => new(
        Import.Services.GetRequiredService<IDbContextFactory<CustodianDbContext>>(),
        Import.Services.GetRequiredService<EncryptedBlobs>(),
        Import.Services.GetRequiredService<IAuditTrail>(),
        Import.Time);

    /// <param name="engine">The database engine.</param>
    /// <param name="withData">Whether to seed Jan, Piet and their records.</param>
    /// <param name="more">Further services (e.g. the order register's).</param>
    public static async Task<AnswersFixture> CreateAsync(Engine engine, bool withData = true, Action<IServiceCollection>? more = null)
    {
        var blobs = Directory.CreateTempSubdirectory("custodian-answers.");
        var import = await ImportFixture.CreateAsync(engine, more: s => s.AddCustodianBlobs(blobs.FullName).Apply(more));
        var fixture = new AnswersFixture(import, blobs);
        if (withData)
        {
            await fixture.SeedAsync();
        }

        return fixture;
    }

    private async Task SeedAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        OrganizationId = await Import.AddOrganizationAsync("demo");
        OtherOrganizationId = await Import.AddOrganizationAsync("other");
        var now = Instant.FromDateTimeOffset(Import.Time.GetUtcNow());
        await using (var db = Import.CreateContext())
        {
            db.ContactPersons.Add(new ContactPerson { OrganizationId = OrganizationId, Name = "Jan Test", Phone = JanPhone, Email = JanEmail, Role = "privacy", CreatedAt = now });
            db.ContactPersons.Add(new ContactPerson { OrganizationId = OtherOrganizationId, Name = "Piet Other", Phone = PietPhone, Email = "piet@other.example", Role = "billing", CreatedAt = now });
            // Found under both of Jan's identifiers: must come once.
            db.SupportTickets.Add(new SupportTicket
            {
                OrganizationId = OrganizationId,
                Reference = "T-1",
                RequesterName = "Jan Test",
                RequesterPhone = JanPhone,
                RequesterEmail = JanEmail,
                Text = "My handset does not ring.",
                OpenedAt = now - Duration.FromDays(10),
                ClosedAt = now - Duration.FromDays(2),
                CreatedAt = now,
            });
            db.SupportTickets.Add(new SupportTicket
            {
                OrganizationId = OtherOrganizationId,
                Reference = "T-2",
                RequesterName = "Piet Other",
                RequesterPhone = PietPhone,
                Text = "Piet's private question.",
                OpenedAt = now - Duration.FromDays(5),
                CreatedAt = now,
            });
            db.LegalHolds.Add(new LegalHold
            {
                Basis = HoldBases.Authority[0],
                Reason = "Order under Sv 126n",
                Reference = HoldReference,
                OrganizationId = OrganizationId,
                Categories = [UsageRecord.Category],
                StartsAt = now - Duration.FromDays(1),
                PlacedAt = now - Duration.FromDays(1),
                PlacedByKind = AuditActorKind.User,
                PlacedById = "officer",
            });
            await db.SaveChangesAsync(ct);
        }

        var usage = Import.Write("usage.csv", string.Join('\n',
            "organization,record_id,kind,direction,caller,callee,start,duration,billed,outcome,cell_id,country,volume,cost,currency,service",
            $"demo,c-1,mobile,outbound,{JanPhone},+31640009999,2026-11-01T08:00:00Z,65,60,answered,,NL,,,,MOB-1",
            $"demo,c-2,mobile,inbound,+31640008888,{JanPhone},2026-11-02T08:00:00Z,30,30,answered,,NL,,,,MOB-1",
            $"other,c-3,mobile,outbound,{PietPhone},+31640005555,2026-11-03T08:00:00Z,30,30,answered,,NL,,,,MOB-9",
            "") + "\n");
        Assert.Equal(ImportOutcome.Imported, (await Import.ImportAsync(EventFamily.Usage, usage)).Outcome);
        var traffic = Import.Write("traffic.csv", string.Join('\n',
            "organization,record_id,kind,direction,subscriber,counterpart,start,duration,bytes,protocol,cell_id,country",
            $"demo,t-1,email,outbound,{JanEmail},someone@elsewhere.example,2026-11-01T09:00:00Z,,5120,smtp,,",
            "") + "\n");
        Assert.Equal(ImportOutcome.Imported, (await Import.ImportAsync(EventFamily.Traffic, traffic)).Outcome);
    }

    public CustodianDbContext Context() => Import.CreateContext();

    public async ValueTask DisposeAsync()
    {
        await Import.DisposeAsync();
        _blobs.Delete(recursive: true);
    }
}
