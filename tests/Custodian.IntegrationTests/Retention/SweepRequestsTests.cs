using System.Text;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Requests;
using Custodian.Core.Features.Requests.Answers;
using Custodian.Core.Features.Requests.Execution;
using Custodian.Core.Features.Requests.IdCopies;
using Custodian.Core.Features.Requests.Queue;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Xunit;
using RequestPart = Custodian.Core.Features.Requests.Workflow.RequestPart;

namespace Custodian.IntegrationTests.Retention;

/// <summary>
/// Retention of data-subject request records (<c>general.privacy_requests</c>: one year after the request closed):
/// never early, never late, everything attached goes with the request, holds keep it, unverified requests lapse, and
/// short-lived secrets and answer files go when they expire.
/// </summary>
public sealed class SweepRequestsTests
{
    private const string Category = "general.privacy_requests";
    private static readonly HoldCaller Caller = new(new AuditActor(AuditActorKind.Cli, "cli:test"), TenantScope.Everything, lawful: true);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task Run_ClosedRequest_KeptThroughTheLastDayThenDeletedWithEverythingAttached(Engine engine)
    {
        await using var f = await RetentionPlanFixture.CreateAsync(engine);
        var sweeper = f.Services.GetRequiredService<RetentionSweeper>();
        // Closed on 10 March 2025 (Amsterdam): kept through 10 March 2026, expired from the start of 11 March 2026.
        var closed = RetentionPlanFixture.Amsterdam("2025-03-10T15:00:00");
        var id = await SeedClosedRequestAsync(f, closed, "closed.requester@example.test");
        var unrelatedBlobs = await CountAsync(f, db => db.Set<BlobRecord>().CountAsync(Ct));

        f.Time.SetUtcNow(RetentionPlanFixture.Amsterdam("2026-03-10T23:59:00").ToDateTimeOffset());
        var dayBefore = await sweeper.RunAsync(null, Ct);

        Assert.DoesNotContain(dayBefore!.DeletedCounts(), c => c.Category == Category);
        Assert.Equal(1, await CountAsync(f, db => db.Set<DataSubjectRequest>().CountAsync(r => r.Id == id, Ct)));
        // The leftover ID copy of the ended request went at once, with its key; the request itself waits its year.
        Assert.Equal(0, await CountAsync(f, db => db.Set<IdCopy>().IgnoreQueryFilters().CountAsync(Ct)));

        f.Time.SetUtcNow(RetentionPlanFixture.Amsterdam("2026-03-11T00:01:00").ToDateTimeOffset());
        var plan = await f.PlanAsync(RetentionPlanFixture.Amsterdam("2026-03-11T00:01:00"));
        var line = Assert.Single(plan.Lines, l => l.Category == Category);
        Assert.Equal(1, line.Due);
        Assert.Equal(RetentionTargets.ProviderCode, line.OrganizationCode);
        Assert.Equal("data_subject_requests", line.Target);

        var dayAfter = await sweeper.RunAsync(null, Ct);

        var count = Assert.Single(dayAfter!.DeletedCounts(), c => c.Category == Category);
        Assert.Equal(1, count.Count);
        Assert.Equal(RetentionTargets.Provider, count.OrganizationId);
        await using var check = f.CreateContext();
        check.ScopeTo(TenantScope.Everything);
        Assert.Equal(0, await check.Set<DataSubjectRequest>().CountAsync(Ct));
        Assert.Equal(0, await check.Set<RequestEvent>().CountAsync(Ct));
        Assert.Equal(0, await check.Set<RequestVerificationCode>().CountAsync(Ct));
        Assert.Equal(0, await check.Set<RequestSession>().CountAsync(Ct));
        Assert.Equal(0, await check.Set<RequestPart>().CountAsync(Ct));
        Assert.Equal(0, await check.Set<RequestRectification>().CountAsync(Ct));
        Assert.Equal(0, await check.Set<RequestObjectionGrounds>().CountAsync(Ct));
        Assert.Equal(0, await check.Set<RequestRecipientNotice>().CountAsync(Ct));
        Assert.Equal(0, await check.Set<RequestRestriction>().CountAsync(Ct));
        Assert.Equal(0, await check.Set<IdVerificationDecision>().CountAsync(Ct));
        Assert.Equal(0, await check.Set<IdCopy>().CountAsync(Ct));
        Assert.Equal(0, await check.Set<RequestAttachment>().CountAsync(Ct));
        Assert.Equal(0, await check.Set<RequestAnswer>().CountAsync(Ct));
        Assert.Equal(0, await check.Set<RequestAnswerDownload>().CountAsync(Ct));
        // No orphan blob row, no live key of the request's files (the fixture's own blobs are deleted by their own rules).
        Assert.Empty(await check.Set<BlobRecord>().Where(b => b.OrganizationId == Guid.Empty).ToListAsync(Ct));
        Assert.Empty(await check.Set<DataKey>().Where(k => k.OrganizationId == Guid.Empty && k.DestroyedAt == null).ToListAsync(Ct));
        Assert.True(await check.Set<BlobRecord>().CountAsync(Ct) <= unrelatedBlobs);
        var events = await check.Set<AuditEvent>().ToListAsync(Ct);
        Assert.Contains(events, e => e.Action == "retention.deleted" && e.Details.Contains(Category, StringComparison.Ordinal));
        var verification = await f.Services.GetRequiredService<AuditVerifier>().VerifyAsync(check, null, Ct);
        Assert.True(verification.Intact, string.Join("; ", verification.Problems));
    }

    [Theory, AllEngines]
    public async Task Run_HoldOnTheRequestersIdentifier_KeepsTheRequestPastItsExpiry(Engine engine)
    {
        await using var f = await RetentionPlanFixture.CreateAsync(engine);
        var sweeper = f.Services.GetRequiredService<RetentionSweeper>();
        var held = await SeedClosedRequestAsync(f, RetentionPlanFixture.Amsterdam("2025-03-10T15:00:00"), "Held.Requester@example.test");
        var other = await SeedClosedRequestAsync(f, RetentionPlanFixture.Amsterdam("2025-03-10T15:00:00"), "other.requester@example.test");
        await using (var db = f.CreateContext())
        {
            db.ScopeTo(TenantScope.Everything);
            var result = await ActivatorUtilities.CreateInstance<LegalHoldCommands>(f.Services, db, ActivatorUtilities.CreateInstance<StoreTransactions>(f.Services, db)).PlaceAsync(
                Caller,
                new LegalHoldInput("legal_claims", null, "complaint about the request", null, null, [Category], null, null, [new HoldIdentifierInput("email", "held.requester@example.test")], null, null),
                null,
                Ct);
            Assert.True(result.IsSuccess, result.Error?.ToString());
        }

        f.Time.SetUtcNow(RetentionPlanFixture.Amsterdam("2026-06-01T09:00:00").ToDateTimeOffset());
        var run = await sweeper.RunAsync(null, Ct);

        Assert.Contains(run!.DeletedCounts(), c => c.Category == Category && c.OrganizationId == RetentionTargets.Provider && c.Count == 1);
        Assert.Contains(run.KeptCounts(), c => c.Category == Category && c.OrganizationId == RetentionTargets.Provider && c.Count == 1);
        await using var check = f.CreateContext();
        check.ScopeTo(TenantScope.Everything);
        Assert.Equal([held], await check.Set<DataSubjectRequest>().Select(r => r.Id).ToListAsync(Ct));
        Assert.Equal(0, await check.Set<RequestEvent>().CountAsync(e => e.RequestId == other, Ct));
        Assert.True(await check.Set<RequestEvent>().CountAsync(e => e.RequestId == held, Ct) > 0);
    }

    [Theory, AllEngines]
    public async Task Run_UnverifiedRequest_LapsesAfterThirtyDaysThenIsDeletedAYearLater(Engine engine)
    {
        await using var f = await RetentionPlanFixture.CreateAsync(engine);
        var sweeper = f.Services.GetRequiredService<RetentionSweeper>();
        var received = RetentionPlanFixture.Amsterdam("2025-03-01T10:00:00");
        Guid id;
        await using (var db = Open(f))
        {
            var request = NewRequest(received, "unverified@example.test");
            id = request.Id;
            db.Add(request);
            db.Add(new RequestEvent { RequestId = id, At = received, Kind = RequestEventKinds.Received, Actor = RequestEventKinds.RequesterActor });
            await db.SaveChangesAsync(Ct);
        }

        // Received 1 March: waits through 31 March (30 days), lapses at the first sweep from 1 April.
        f.Time.SetUtcNow(RetentionPlanFixture.Amsterdam("2025-03-31T23:59:00").ToDateTimeOffset());
        await sweeper.RunAsync(null, Ct);
        Assert.Equal(RequestState.AwaitingVerification, (await LoadAsync(f, id))!.State);

        var lapseAt = RetentionPlanFixture.Amsterdam("2025-04-01T00:01:00");
        f.Time.SetUtcNow(lapseAt.ToDateTimeOffset());
        await sweeper.RunAsync(null, Ct);
        var lapsed = (await LoadAsync(f, id))!;
        Assert.Equal(RequestState.Closed, lapsed.State);
        Assert.Equal(lapseAt, lapsed.ClosedAt);
        await using (var db = Open(f))
        {
            Assert.Contains(await db.Set<RequestEvent>().Where(e => e.RequestId == id).Select(e => e.Kind).ToListAsync(Ct), k => k == RequestEventKinds.Lapsed);
        }

        // Closed 1 April 2025: kept through 1 April 2026, gone from 2 April 2026.
        f.Time.SetUtcNow(RetentionPlanFixture.Amsterdam("2026-04-01T23:59:00").ToDateTimeOffset());
        await sweeper.RunAsync(null, Ct);
        Assert.NotNull(await LoadAsync(f, id));
        f.Time.SetUtcNow(RetentionPlanFixture.Amsterdam("2026-04-02T00:01:00").ToDateTimeOffset());
        var run = await sweeper.RunAsync(null, Ct);
        Assert.Null(await LoadAsync(f, id));
        var deleted = Assert.Single(run!.DeletedCounts(), c => c.Category == Category);
        Assert.Equal((RetentionTargets.Provider, 1L), (deleted.OrganizationId, deleted.Count));
        Assert.True(deleted.MaxLatenessSeconds < 24 * 3600, "deleted at most one sweep (a day) after expiry");
    }

    [Theory, AllEngines]
    public async Task Run_ExpiredSecretsAndAnswers_GoAtExpiry_LiveOnesAndTheAnswerRowStay(Engine engine)
    {
        await using var f = await RetentionPlanFixture.CreateAsync(engine);
        var sweeper = f.Services.GetRequiredService<RetentionSweeper>();
        var now = RetentionPlanFixture.Amsterdam("2025-03-05T12:00:00");
        f.Time.SetUtcNow(now.ToDateTimeOffset());
        var request = NewRequest(now - Duration.FromDays(2), "secrets@example.test", RequestState.Delivered);
        Guid expiredAnswer, liveAnswer;
        await using (var db = Open(f))
        {
            db.Add(request);
            db.Add(new RequestVerificationCode { RequestId = request.Id, CodeHash = new byte[32], CreatedAt = now - Duration.FromHours(2), ExpiresAt = now - Duration.FromHours(1) });
            db.Add(new RequestVerificationCode { RequestId = request.Id, CodeHash = new byte[32], CreatedAt = now, ExpiresAt = now + Duration.FromMinutes(15) });
            db.Add(new RequestSession { TokenHash = [.. Enumerable.Repeat((byte)1, 32)], RequestId = request.Id, CreatedAt = now - Duration.FromHours(2), ExpiresAt = now - Duration.FromHours(1) });
            db.Add(new RequestSession { TokenHash = [.. Enumerable.Repeat((byte)2, 32)], RequestId = request.Id, CreatedAt = now, ExpiresAt = now + Duration.FromHours(1) });
            db.Add(new RequestMandateToken { RequestId = request.Id, TokenHash = [.. Enumerable.Repeat((byte)3, 32)], CreatedAt = now - Duration.FromDays(8), ExpiresAt = now - Duration.FromDays(1) });
            db.Add(new RequestMandateToken { RequestId = request.Id, TokenHash = [.. Enumerable.Repeat((byte)4, 32)], CreatedAt = now, ExpiresAt = now + Duration.FromDays(7) });
            db.Add(new RequestRateEvent { Scope = "client", KeyHash = "old", At = now - Duration.FromHours(25) });
            db.Add(new RequestRateEvent { Scope = "client", KeyHash = "recent", At = now - Duration.FromHours(1) });
            await db.SaveChangesAsync(Ct);
            expiredAnswer = await AddAnswerAsync(f, db, request.Id, now - Duration.FromMinutes(1), now - Duration.FromMinutes(1));
            liveAnswer = await AddAnswerAsync(f, db, request.Id, now + Duration.FromDays(3), now + Duration.FromDays(1));
        }

        await sweeper.RunAsync(null, Ct);

        await using (var db = Open(f))
        {
            Assert.Equal(1, await db.Set<RequestVerificationCode>().CountAsync(Ct));
            Assert.Equal(1, await db.Set<RequestSession>().CountAsync(Ct));
            Assert.Equal(1, await db.Set<RequestMandateToken>().CountAsync(Ct));
            Assert.Equal(["recent"], await db.Set<RequestRateEvent>().Select(e => e.KeyHash).ToListAsync(Ct));
            var answers = await db.Set<RequestAnswer>().ToDictionaryAsync(a => a.Id, Ct);
            Assert.Equal(2, answers.Count); // the expired answer's metadata row stays with the request
            Assert.NotNull(answers[expiredAnswer].ContentDeletedAt);
            Assert.Null(answers[liveAnswer].ContentDeletedAt);
            Assert.False(await db.Set<BlobRecord>().AnyAsync(b => b.Id == answers[expiredAnswer].BlobId, Ct));
            Assert.True(await db.Set<BlobRecord>().AnyAsync(b => b.Id == answers[liveAnswer].BlobId, Ct));
            Assert.Equal([liveAnswer], await db.Set<RequestAnswerDownload>().Select(d => d.AnswerId).ToListAsync(Ct));
            // Delivered, but an answer is still available: the request stays open for its download.
            Assert.Equal(RequestState.Delivered, (await db.Set<DataSubjectRequest>().SingleAsync(Ct)).State);
        }

        // Once every answer expired the delivered request closes (its retention year starts) and the last file goes.
        var later = now + Duration.FromDays(4);
        f.Time.SetUtcNow(later.ToDateTimeOffset());
        await sweeper.RunAsync(null, Ct);
        await using (var db = Open(f))
        {
            var closed = await db.Set<DataSubjectRequest>().SingleAsync(Ct);
            Assert.Equal(RequestState.Closed, closed.State);
            Assert.Equal(later, closed.ClosedAt);
            Assert.All(await db.Set<RequestAnswer>().ToListAsync(Ct), a => Assert.NotNull(a.ContentDeletedAt));
            Assert.Empty(await db.Set<BlobRecord>().Where(b => b.OrganizationId == Guid.Empty).ToListAsync(Ct));
            Assert.Empty(await db.Set<RequestVerificationCode>().ToListAsync(Ct));
            Assert.Empty(await db.Set<RequestSession>().ToListAsync(Ct));
        }
    }

    private static DataSubjectRequest NewRequest(Instant received, string email, RequestState state = RequestState.AwaitingVerification)
    {
        var day = RetentionCalendar.DayOf(received);
        return new DataSubjectRequest
        {
            Reference = Guid.NewGuid().ToString("N")[..DataSubjectRequest.ReferenceLength].ToUpperInvariant(),
            Type = RequestType.Access,
            Channel = RequestChannel.Portal,
            Language = "en",
            ReceivedAt = received,
            ReceivedOn = day,
            DueOn = day.PlusMonths(1),
            IdentifierKind = SubjectIdentifierKind.Email,
            IdentifierValue = email,
            Details = "please send me everything",
            State = state,
        };
    }

    private static async Task<Guid> SeedClosedRequestAsync(RetentionPlanFixture f, Instant closedAt, string email)
    {
        var received = closedAt - Duration.FromDays(20);
        var request = NewRequest(received, email, RequestState.Closed);
        request.ClosedAt = closedAt;
        await using var db = Open(f);
        db.Add(request);
        db.Add(new RequestEvent { RequestId = request.Id, At = received, Kind = RequestEventKinds.Received, Actor = RequestEventKinds.RequesterActor });
        db.Add(new RequestEvent { RequestId = request.Id, At = closedAt, Kind = RequestEventKinds.Closed, Actor = RequestEventKinds.SystemActor });
        db.Add(new RequestVerificationCode { RequestId = request.Id, CodeHash = new byte[32], CreatedAt = received, ExpiresAt = closedAt + Duration.FromDays(1000) });
        db.Add(new RequestSession { TokenHash = request.Id.ToByteArray().Concat(request.Id.ToByteArray()).ToArray(), RequestId = request.Id, CreatedAt = received, ExpiresAt = closedAt + Duration.FromDays(1000) });
        db.Add(new RequestPart { RequestId = request.Id, Category = "general.contact_person", Controller = "provider", OrganizationId = Guid.Empty, RecordsAtSplit = 1 });
        db.Add(new RequestRecipientNotice { RequestId = request.Id, Action = "rectification", Category = "general.contact_person", RecipientId = "hosting_nl", CreatedAt = closedAt });
        db.Add(new RequestRectification { RequestId = request.Id, RecordType = "contact_person", RecordId = Guid.NewGuid(), OrganizationId = f.Organizations["alpha"], Category = "general.contact_person", Field = "name", OldValue = "Old Name", NewValue = "New Name", AppliedAt = closedAt });
        db.Add(new RequestRestriction { RequestId = request.Id, HoldId = Guid.NewGuid(), PlacedAt = received, LiftedAt = closedAt });
        db.Add(new RequestObjectionGrounds { RequestId = request.Id, Category = "general.contact_person", Grounds = "compelling grounds", RecordedBy = "staff:x", RecordedAt = closedAt });
        db.Add(new IdVerificationDecision { Id = Guid.NewGuid(), RequestId = request.Id, OrganizationId = Guid.Empty, Outcome = IdVerificationOutcome.Verified, Method = "id_copy", DecidedBy = "staff:x", DecidedAt = received, WatermarkConfirmed = true, PhotoCoveredConfirmed = true, CopiesDestroyed = 1 });
        await db.SaveChangesAsync(Ct);

        var blobs = f.Services.GetRequiredService<EncryptedBlobs>();
        var attachmentId = Guid.CreateVersion7();
        var scan = await blobs.PutAsync(db, Guid.Empty, DataKeyOwner.Subject(attachmentId), new MemoryStream(Encoding.UTF8.GetBytes("letter")), "application/pdf", Ct);
        db.Add(new RequestAttachment { Id = attachmentId, RequestId = request.Id, BlobId = scan.Id, Kind = RequestAttachment.LetterScanKind, ContentType = "pdf", UploadedAt = received, UploadedBy = Guid.NewGuid() });
        var copyId = Guid.CreateVersion7();
        var copy = await blobs.PutAsync(db, Guid.Empty, DataKeyOwner.IdCopy(copyId), new MemoryStream(Encoding.UTF8.GetBytes("leftover id copy")), "image/png", Ct);
        db.Add(new IdCopy { Id = copyId, RequestId = request.Id, OrganizationId = Guid.Empty, PageCount = 1, SourceType = "png", UploadedAt = received, BlobId = copy.Id });
        await db.SaveChangesAsync(Ct);
        // An answer whose expiry lies beyond the request's (so that the request deletion itself must take its file).
        await AddAnswerAsync(f, db, request.Id, closedAt + Duration.FromDays(1000), closedAt + Duration.FromDays(1000));
        return request.Id;
    }

    private static async Task<Guid> AddAnswerAsync(RetentionPlanFixture f, CustodianDbContext db, Guid requestId, Instant expires, Instant linkExpires)
    {
        var id = Guid.CreateVersion7();
        var blob = await f.Services.GetRequiredService<EncryptedBlobs>().PutAsync(db, Guid.Empty, DataKeyOwner.Subject(id), new MemoryStream(Encoding.UTF8.GetBytes("<html>report</html>")), "text/html", Ct);
        db.Add(new RequestAnswer
        {
            Id = id,
            RequestId = requestId,
            Kind = AnswerKind.AccessHtml,
            FileName = "access-report.html",
            ContentType = "text/html",
            Size = 19,
            BlobId = blob.Id,
            BlobOrganizationId = Guid.Empty,
            CreatedAt = expires - Duration.FromDays(7),
            ExpiresAt = expires,
        });
        db.Add(new RequestAnswerDownload { AnswerId = id, TokenHash = id.ToByteArray().Concat(id.ToByteArray()).ToArray(), CreatedAt = expires - Duration.FromDays(7), ExpiresAt = linkExpires });
        await db.SaveChangesAsync(Ct);
        return id;
    }

    private static CustodianDbContext Open(RetentionPlanFixture f)
    {
        var db = f.CreateContext();
        db.ScopeTo(TenantScope.Everything);
        return db;
    }

    private static async Task<DataSubjectRequest?> LoadAsync(RetentionPlanFixture f, Guid id)
    {
        await using var db = Open(f);
        return await db.Set<DataSubjectRequest>().AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, Ct);
    }

    private static async Task<T> CountAsync<T>(RetentionPlanFixture f, Func<CustodianDbContext, Task<T>> query)
    {
        await using var db = Open(f);
        return await query(db);
    }
}
