using System.Security.Cryptography;
using Custodian.Core.Common;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Mail;
using Custodian.Core.Features.Requests;
using Custodian.Core.Features.Requests.Queue;
using Custodian.Core.Features.Requests.Workflow;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using NodaTime;
using Xunit;
using ProcessingRegister = Custodian.Core.Features.Register.ProcessingRegister;

namespace Custodian.IntegrationTests.Requests.Queue;

/// <summary>
/// The request queue, its counts, the reminder and letter scans on both engines. Today is Thursday 2 April 2026
/// (Amsterdam); Easter Monday is 6 April, King's Day Monday 27 April.
/// </summary>
public sealed class RequestQueueTests
{
    private static readonly DateTimeOffset Now = new(2026, 4, 2, 8, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task ListAsync_Default_OpenRequestsByEffectiveDueDateWithWorkingDaysLeft(Engine engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        var seeded = await h.SeedAsync();

        var page = await h.ListAsync(new RequestQueueFilter());

        Assert.Equal(["A", "B", "C", "D", "E1", "E2", "E3", "H", "F"], Names(seeded, page));
        Assert.Null(page.Next);
        Assert.Equal(new LocalDate(2026, 4, 2), page.Today);
        var a = page.Rows[0];
        Assert.True(a.Overdue);
        Assert.Equal(-4, a.WorkingDaysLeft); // due Friday 27 March: 30, 31 March, 1, 2 April
        var c = page.Rows[2];
        Assert.Equal(new LocalDate(2026, 4, 7), c.DueOn); // 6 April is Easter Monday
        Assert.Equal(2, c.WorkingDaysLeft); // Friday 3 April (Good Friday is a working day) and Tuesday 7 April
        Assert.Equal(new LocalDate(2026, 4, 28), page.Rows[7].DueOn); // 27 April is King's Day
        var f = page.Rows[8];
        Assert.True(f.Extended);
        Assert.Equal(new LocalDate(2026, 5, 20), f.DueOn);
        Assert.False(f.Overdue);
        Assert.All(page.Rows.Skip(1), r => Assert.False(r.Overdue));
    }

    [Theory, AllEngines]
    public async Task ListAsync_SmallPages_KeysetWalksEveryRowOnceInOrder(Engine engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await h.SeedAsync();
        var all = (await h.ListAsync(new RequestQueueFilter(AllStates: true))).Rows.Select(r => r.Id).ToList();

        var walked = new List<Guid>();
        RequestQueueCursor? after = null;
        var pages = 0;
        do
        {
            var page = await h.ListAsync(new RequestQueueFilter(AllStates: true, After: after, Limit: 2));
            Assert.InRange(page.Rows.Count, 1, 2);
            walked.AddRange(page.Rows.Select(r => r.Id));
            after = page.Next is { } n ? RequestQueueCursor.Parse(n.ToString()) : null;
            pages++;
        }
        while (after is not null);

        Assert.Equal(all, walked);
        Assert.Equal(10, walked.Count);
        Assert.Equal(5, pages);
    }

    [Theory, AllEngines]
    public async Task ListAsync_Filters_SelectByDeadlineStateTypeAndChannel(Engine engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        var s = await h.SeedAsync();

        Assert.Equal(["A"], Names(s, await h.ListAsync(new RequestQueueFilter(Deadline: QueueDeadline.Overdue))));
        Assert.Equal(["B", "C", "D"], Names(s, await h.ListAsync(new RequestQueueFilter(Deadline: QueueDeadline.Soon))));
        Assert.Equal(["B"], Names(s, await h.ListAsync(new RequestQueueFilter(Deadline: QueueDeadline.WaitingForIdentity))));
        Assert.Equal(["C"], Names(s, await h.ListAsync(new RequestQueueFilter(Type: RequestType.Erasure))));
        Assert.Equal(["C"], Names(s, await h.ListAsync(new RequestQueueFilter(Channel: RequestChannel.Letter))));
        Assert.Equal(["G"], Names(s, await h.ListAsync(new RequestQueueFilter(State: RequestState.Closed))));
        Assert.Equal("G", Names(s, await h.ListAsync(new RequestQueueFilter(AllStates: true)))[0]);
    }

    [Theory, AllEngines]
    public async Task ListAsync_OrganizationScopeOrFilter_OnlyRequestsWithAClientPartOfThatOrganization(Engine engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        var s = await h.SeedAsync();
        var org = Guid.NewGuid();
        var other = Guid.NewGuid();
        var byName = s.ToDictionary(p => p.Value, p => p.Key);
        await using (var db = h.Context())
        {
            RequestPart Part(string name, Guid organization, string controller) => new()
            {
                RequestId = byName[name],
                Category = "alarm.keyholders",
                Controller = controller,
                OrganizationId = organization,
                RecordsAtSplit = 1,
            };
            db.AddRange(
                Part("C", org, RequestPartStates.ClientController),
                Part("D", other, RequestPartStates.ClientController),
                Part("B", org, RequestPartStates.ProviderController)); // a provider part names no controller organisation
            await db.SaveChangesAsync(Ct);
        }

        var tenant = await h.ListAsync(new RequestQueueFilter(), TenantScope.For(org));
        var filtered = await h.ListAsync(new RequestQueueFilter(OrganizationId: org));
        var stranger = await h.ListAsync(new RequestQueueFilter(), TenantScope.For(Guid.NewGuid()));

        Assert.Equal(["C"], Names(s, tenant));
        Assert.Equal(["C"], Names(s, filtered));
        Assert.Empty(stranger.Rows);
        Assert.False(tenant.OrganizationsPending);
        await using var context = h.Context();
        var counts = await RequestQueueSummary.CountAsync(context, TenantScope.For(org), h.Instant, Ct);
        Assert.Equal(1, counts.Overdue + counts.Soon + counts.Later);
    }

    [Theory, AllEngines]
    public async Task CountAsync_OpenRequests_ByStateAndDeadlineBand(Engine engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await h.SeedAsync();
        await using var db = h.Context();

        var counts = await RequestQueueSummary.CountAsync(db, TenantScope.Everything, h.Instant, Ct);

        Assert.Equal(1, counts.Overdue);
        Assert.Equal(3, counts.Soon);
        Assert.Equal(5, counts.Later);
        Assert.Equal(9, counts.Open);
        Assert.Equal(
            [(RequestState.AwaitingVerification, 1), (RequestState.Verified, 6), (RequestState.InProgress, 2)],
            counts.ByState);
    }

    [Theory, AllEngines]
    public async Task RunOnceAsync_OncePerDay_CountsWithoutPersonalData(Engine engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        await h.SeedAsync();
        await using var db = h.Context();

        var first = await RequestReminders.RunOnceAsync(db, "node-1", h.Instant, Ct);
        var again = await RequestReminders.RunOnceAsync(db, "node-1", h.Instant + Duration.FromHours(1), Ct);
        var other = await RequestReminders.RunOnceAsync(db, "node-2", h.Instant + Duration.FromHours(2), Ct);
        var tomorrow = await RequestReminders.RunOnceAsync(db, "node-2", h.Instant + Duration.FromDays(1), Ct);

        Assert.NotNull(first);
        Assert.Equal((3, 1), (first.DueSoon, first.Overdue));
        Assert.Null(again);
        Assert.Null(other);
        Assert.NotNull(tomorrow);
        var text = first.Text("https://custodian.example/office/requests");
        Assert.Contains("3 requests are due within 7 working days, 1 overdue", text, StringComparison.Ordinal);
        Assert.DoesNotContain("example.nl", text, StringComparison.Ordinal);
    }

    [Theory, AllEngines]
    public async Task EnterAsync_WithScan_StoresRequestAndScanEncrypted(Engine engine)
    {
        await using var h = await Harness.CreateAsync(engine);
        var marker = "LETTER-SCAN-CONTENT-MARKER-0123456789"u8.ToArray();
        byte[] png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, .. marker, .. marker];

        var entered = await h.EnterAsync(new LetterScanUpload(png));

        Assert.True(entered.IsSuccess, entered.Error?.ToString());
        await using var db = h.Context();
        var attachment = Assert.Single(await LetterScans.ListAsync(db, entered.Value.Id, Ct));
        Assert.Equal(("letter_scan", "png"), (attachment.Kind, attachment.ContentType));
        foreach (var file in h.BlobFolder.EnumerateFiles("*", SearchOption.AllDirectories))
        {
            var bytes = await File.ReadAllBytesAsync(file.FullName, Ct);
            Assert.Equal(-1, bytes.AsSpan().IndexOf(marker));
        }

        await using (var scope = h.Services.CreateAsyncScope())
        {
            var scans = scope.ServiceProvider.GetRequiredService<LetterScans>();
            await using var content = await scans.OpenAsync(db, attachment, Ct);
            using var copy = new MemoryStream();
            await content.CopyToAsync(copy, Ct);
            Assert.Equal(png, copy.ToArray());

            Assert.Equal(1, await scans.DeleteForRequestAsync(db, entered.Value.Id, Ct));
        }

        Assert.Empty(await LetterScans.ListAsync(db, entered.Value.Id, Ct));
        Assert.All(await db.Set<DataKey>().Where(k => k.OrganizationId == LetterScans.ProviderTenant).ToListAsync(Ct), k => Assert.NotNull(k.DestroyedAt));
    }

    [Theory, AllEngines]
    public async Task EnterAsync_ScanNotPdfJpegOrPng_StoresNothing(Engine engine)
    {
        await using var h = await Harness.CreateAsync(engine);

        var entered = await h.EnterAsync(new LetterScanUpload("<html>not a scan</html>"u8.ToArray()));

        Assert.Equal("request.scan_type", Assert.IsType<UnsupportedContentError>(entered.Error).Code);
        await using var db = h.Context();
        Assert.Equal(0, await db.Set<DataSubjectRequest>().CountAsync(Ct));
        Assert.Equal(0, await db.Set<BlobRecord>().CountAsync(Ct));
    }

    [Fact]
    public void Check_EmptyOrTooLarge_Refused()
    {
        Assert.IsType<ValidationError>(LetterScans.Check([]).Error);
        Assert.IsType<ContentTooLargeError>(LetterScans.Check(new byte[LetterScans.MaxBytes + 1]).Error);
        Assert.Equal("pdf", LetterScans.Check("%PDF-1.7\n"u8).Value);
    }

    private static List<string> Names(IReadOnlyDictionary<Guid, string> seeded, RequestQueuePage page) => [.. page.Rows.Select(r => seeded[r.Id])];

    private sealed class Harness : IAsyncDisposable
    {
        private Harness(TestDatabase db)
        {
            Db = db;
            BlobFolder = Directory.CreateTempSubdirectory("custodian-letter-scans.");
            Time = new FakeTimeProvider(Now);
            Outbox = Directory.CreateTempSubdirectory("custodian-outbox.");
            Services = TestDatabase.ServicesFor(db.Target, s => s
                .AddSingleton<TimeProvider>(Time)
                .AddSingleton(MasterKey.FromBytes(RandomNumberGenerator.GetBytes(MasterKey.Length)))
                .AddLogging()
                .AddSingleton<ProcessingRegister>(ShippedRegister.Register)
                .AddCustodianAudit()
                .AddCustodianEvents()
                .AddCustodianBlobs(BlobFolder.FullName)
                .AddCustodianStore(new StoreOptions())
                .AddCustodianRetention()
                .AddCustodianRetentionSweep()
                .AddCustodianMail(new MailOptions { From = "privacy@allbest.example", OutboxFolder = Outbox.FullName })
                .AddCustodianRequestHandling());
        }

        public TestDatabase Db { get; }

        public DirectoryInfo BlobFolder { get; }

        public DirectoryInfo Outbox { get; }

        public FakeTimeProvider Time { get; }

        public ServiceProvider Services { get; }

        public Instant Instant => Instant.FromDateTimeOffset(Time.GetUtcNow());

        public static async Task<Harness> CreateAsync(Engine engine) => new(await TestDatabase.CreateAsync(engine));

        public CustodianDbContext Context() => Db.CreateContext(TenantScope.Everything);

        public async Task<RequestQueuePage> ListAsync(RequestQueueFilter filter, TenantScope? scope = null)
        {
            await using var db = Context();
            return await new RequestQueue(db, Time).ListAsync(scope ?? TenantScope.Everything, filter, Ct);
        }

        public async Task<StoreResult<DataSubjectRequest>> EnterAsync(LetterScanUpload scan)
        {
            await using var scope = Services.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<CustodianDbContext>().ScopeTo(TenantScope.Everything);
            return await scope.ServiceProvider.GetRequiredService<StaffRequestEntry>().EnterAsync(
                Guid.NewGuid(),
                new EnterRequestInput("letter", new LocalDate(2026, 3, 30), "access", "email", "letter.writer@example.nl", "nl", null),
                scan,
                Ct);
        }

        /// <summary>The queue's cast; returns id → name.</summary>
        public async Task<IReadOnlyDictionary<Guid, string>> SeedAsync()
        {
            var names = new Dictionary<Guid, string>();
            await using var db = Context();
            void Add(string name, LocalDate received, RequestState state, RequestType type = RequestType.Access, RequestChannel channel = RequestChannel.Portal, int extendBy = 0)
            {
                var r = new DataSubjectRequest
                {
                    Reference = ("REF" + names.Count.ToString("D2", System.Globalization.CultureInfo.InvariantCulture) + name).PadRight(DataSubjectRequest.ReferenceLength, '0'),
                    Type = type,
                    Channel = channel,
                    Language = "nl",
                    ReceivedAt = received.AtStartOfDayInZone(RequestDeadlines.Amsterdam).ToInstant(),
                    ReceivedOn = received,
                    DueOn = RequestDeadlines.DueOn(received),
                    ExtendedDueOn = extendBy > 0 ? RequestDeadlines.ExtendedDueOn(received, extendBy) : null,
                    IdentifierKind = SubjectIdentifierKind.Email,
                    IdentifierValue = $"person.{name.ToLowerInvariant()}@example.nl",
                    State = state,
                };
                db.Add(r);
                names[r.Id] = name;
            }

            Add("A", new LocalDate(2026, 2, 27), RequestState.Verified);
            Add("B", new LocalDate(2026, 3, 2), RequestState.AwaitingVerification);
            Add("C", new LocalDate(2026, 3, 6), RequestState.InProgress, RequestType.Erasure, RequestChannel.Letter);
            Add("D", new LocalDate(2026, 3, 14), RequestState.Verified);
            Add("E", new LocalDate(2026, 3, 15), RequestState.Verified);
            Add("E", new LocalDate(2026, 3, 15), RequestState.Verified);
            Add("E", new LocalDate(2026, 3, 15), RequestState.Verified);
            Add("F", new LocalDate(2026, 2, 20), RequestState.InProgress, extendBy: 2);
            Add("G", new LocalDate(2026, 2, 2), RequestState.Closed);
            Add("H", new LocalDate(2026, 3, 27), RequestState.Verified);
            await db.SaveChangesAsync(Ct);

            // The three due on the same day are told apart by id order (the keyset's tie-breaker).
            var ties = names.Where(p => p.Value == "E").Select(p => p.Key).Order(GuidOrder.Instance).ToList();
            for (var i = 0; i < ties.Count; i++)
            {
                names[ties[i]] = "E" + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            return names;
        }

        public async ValueTask DisposeAsync()
        {
            await Services.DisposeAsync();
            await Db.DisposeAsync();
            BlobFolder.Delete(recursive: true);
            Outbox.Delete(recursive: true);
        }
    }
}
