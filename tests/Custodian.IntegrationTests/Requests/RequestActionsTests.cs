using Custodian.Core.Common;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Mail;
using Custodian.Core.Features.Requests;
using Custodian.Core.Features.Store;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Requests;

public sealed class RequestActionsTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 15, 9, 0, 0, TimeSpan.Zero);
    private readonly DirectoryInfo _outbox = Directory.CreateTempSubdirectory("custodian-outbox-");
    private readonly FakeTimeProvider _time = new(T0);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _outbox.Delete(recursive: true);

    private ServiceProvider Services(TestDatabase db) => TestDatabase.ServicesFor(db.Target, s => s
        .AddSingleton<TimeProvider>(_time)
        .AddSingleton(MasterKey.FromBytes(new byte[32]))
        .AddLogging()
        .AddCustodianAudit()
        .AddCustodianMail(new MailOptions { From = "privacy@allbest.example", OutboxFolder = _outbox.FullName })
        .AddCustodianRequests());

    private static async Task<Guid> SubmitAsync(ServiceProvider services, string language)
    {
        await using var scope = services.CreateAsyncScope();
        var reference = (await scope.ServiceProvider.GetRequiredService<RequestIntake>().SubmitAsync(new SubmitRequestInput("access", "ext.tester@example.nl", null, language, null), RequestChannel.Portal, "192.0.2.1", Ct)).Value!.Reference;
        var db = scope.ServiceProvider.GetRequiredService<Custodian.Core.Persistence.CustodianDbContext>();
        return await db.Set<DataSubjectRequest>().Where(r => r.Reference == reference).Select(r => r.Id).SingleAsync(Ct);
    }

    [Theory, AllEngines]
    public async Task ExtendAsync_WithinFirstMonth_ExtendsOnceAndMailsInTheRequestsLanguage(Engine engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        await using var services = Services(db);
        var id = await SubmitAsync(services, "nl");
        var staff = Guid.NewGuid();
        _time.Advance(TimeSpan.FromDays(20));
        await using var scope = services.CreateAsyncScope();
        var actions = scope.ServiceProvider.GetRequiredService<RequestActions>();

        var noReason = await actions.ExtendAsync(staff, id, 2, " ", Ct);
        var extended = await actions.ExtendAsync(staff, id, 2, "Many systems to search.", Ct);
        var again = await actions.ExtendAsync(staff, id, 1, "More.", Ct);

        Assert.IsType<ValidationError>(noReason.Error);
        Assert.True(extended.IsSuccess);
        Assert.Equal(new LocalDate(2025, 6, 16), extended.Value.ExtendedDueOn);
        Assert.Equal(Instant.FromDateTimeOffset(T0.AddDays(20)), extended.Value.ExtensionNotifiedAt);
        Assert.Equal("request.already_extended", again.Error?.Code);
        var notice = _outbox.GetFiles("*.eml").Select(f => MimeMessage.Load(f.FullName)).Single(m => (m.Subject ?? "").Contains("meer tijd", StringComparison.Ordinal));
        Assert.DoesNotContain("Many systems", notice.TextBody, StringComparison.Ordinal);
        await using var context = db.CreateContext();
        Assert.Contains("request.extended", await context.Set<AuditEvent>().Select(e => e.Action).ToListAsync(Ct));
    }

    [Theory, AllEngines]
    public async Task ExtendAsync_AfterTheFirstMonth_IsRefused(Engine engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        await using var services = Services(db);
        var id = await SubmitAsync(services, "en");
        _time.Advance(TimeSpan.FromDays(32)); // due 2025-04-15; now 2025-04-16
        await using var scope = services.CreateAsyncScope();

        var late = await scope.ServiceProvider.GetRequiredService<RequestActions>().ExtendAsync(Guid.NewGuid(), id, 1, "Complex.", Ct);

        Assert.Equal("request.extension_too_late", late.Error?.Code);
        await using var context = db.CreateContext();
        Assert.Null(await context.Set<DataSubjectRequest>().Where(r => r.Id == id).Select(r => r.ExtendedDueOn).SingleAsync(Ct));
    }

    [Theory, AllEngines]
    public async Task RefuseAsync_WithJustification_RefusesAndTellsOfTheComplaintRight(Engine engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        await using var services = Services(db);
        var id = await SubmitAsync(services, "en");
        await using var scope = services.CreateAsyncScope();
        var actions = scope.ServiceProvider.GetRequiredService<RequestActions>();

        var bare = await actions.RefuseAsync(Guid.NewGuid(), id, null, Ct);
        var refused = await actions.RefuseAsync(Guid.NewGuid(), id, "Twelfth identical request this month.", Ct);
        var twice = await actions.RefuseAsync(Guid.NewGuid(), id, "Again.", Ct);

        Assert.IsType<ValidationError>(bare.Error);
        Assert.Equal(RequestState.Refused, refused.Value!.State);
        Assert.Equal("request.cannot_refuse", twice.Error?.Code);
        var notice = _outbox.GetFiles("*.eml").Select(f => MimeMessage.Load(f.FullName)).Single(m => (m.Subject ?? "").Contains("decision", StringComparison.Ordinal));
        Assert.Contains("Autoriteit Persoonsgegevens", notice.TextBody, StringComparison.Ordinal);
    }
}
