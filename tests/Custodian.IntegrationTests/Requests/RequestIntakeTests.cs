using System.Text.RegularExpressions;
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

public sealed partial class RequestIntakeTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 15, 9, 0, 0, TimeSpan.Zero);
    private readonly DirectoryInfo _outbox = Directory.CreateTempSubdirectory("custodian-outbox-");
    private readonly FakeTimeProvider _time = new(T0);

    public void Dispose() => _outbox.Delete(recursive: true);

    private ServiceProvider Services(TestDatabase db) => TestDatabase.ServicesFor(db.Target, s => s
        .AddSingleton<TimeProvider>(_time)
        .AddSingleton(MasterKey.FromBytes(new byte[32]))
        .AddLogging()
        .AddCustodianAudit()
        .AddCustodianMail(new MailOptions { From = "privacy@allbest.example", OutboxFolder = _outbox.FullName })
        .AddCustodianRequests());

    private static SubmitRequestInput Access(string email, string language = "en") => new("access", email, null, language, null);

    private static async Task<StoreResult<SubmitReceipt>> SubmitAsync(ServiceProvider services, SubmitRequestInput input, string ip = "192.0.2.10")
    {
        await using var scope = services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<RequestIntake>().SubmitAsync(input, RequestChannel.Api, ip, TestContext.Current.CancellationToken);
    }

    private static async Task<StoreResult<RequestSessionGrant>> VerifyAsync(ServiceProvider services, string reference, string code)
    {
        await using var scope = services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<RequestIntake>().VerifyAsync(reference, code, TestContext.Current.CancellationToken);
    }

    private List<MimeMessage> Mails() =>
        [.. _outbox.GetFiles("*.eml").OrderBy(f => f.Name, StringComparer.Ordinal).Select(f => MimeMessage.Load(f.FullName))];

    private string CodeFor(string reference)
    {
        var mail = Mails().Last(m => (m.Subject ?? string.Empty).Contains(reference, StringComparison.Ordinal));
        var body = mail.TextBody ?? string.Empty;
        return SixDigits().Match(body[body.IndexOf("code:", StringComparison.OrdinalIgnoreCase)..]).Value;
    }

    private static async Task<List<string>> AuditActionsAsync(TestDatabase db)
    {
        await using var context = db.CreateContext();
        return await context.Set<AuditEvent>().OrderBy(e => e.Seq).Select(e => e.Action).ToListAsync(TestContext.Current.CancellationToken);
    }

    [GeneratedRegex(@"\b\d{6}\b")]
    private static partial Regex SixDigits();

    [Theory, AllEngines]
    public async Task SubmitAsync_ValidEmail_StoresRequestAndMailsACodeWithoutPersonalData(Engine engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        await using var services = Services(db);

        var result = await SubmitAsync(services, Access("jan.tester@example.nl"));

        Assert.True(result.IsSuccess);
        var mail = Assert.Single(Mails());
        Assert.Equal("jan.tester@example.nl", Assert.Single(mail.To.Mailboxes).Address);
        Assert.Contains(result.Value.Reference, mail.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("jan.tester", mail.TextBody + mail.Subject, StringComparison.Ordinal);
        await using var context = db.CreateContext();
        var request = await context.Set<DataSubjectRequest>().SingleAsync(TestContext.Current.CancellationToken);
        Assert.Equal(RequestState.AwaitingVerification, request.State);
        Assert.Equal(new LocalDate(2025, 3, 15), request.ReceivedOn);
        Assert.Equal(new LocalDate(2025, 4, 15), request.DueOn);
        var stored = await context.Set<RequestVerificationCode>().SingleAsync(TestContext.Current.CancellationToken);
        Assert.Equal(32, stored.CodeHash.Length);
        Assert.Equal(["request.received", "request.verification_sent"], await AuditActionsAsync(db));
        var details = await context.Set<AuditEvent>().Select(e => e.Details).ToListAsync(TestContext.Current.CancellationToken);
        Assert.DoesNotContain(details, d => d.Contains("jan.tester", StringComparison.Ordinal) || d.Contains(CodeFor(result.Value.Reference), StringComparison.Ordinal));
    }

    [Theory, AllEngines]
    public async Task VerifyAsync_RightCode_VerifiesOnceAndOpensTheStatus(Engine engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        await using var services = Services(db);
        var reference = (await SubmitAsync(services, Access("jan.tester@example.nl"))).Value!.Reference;
        var code = CodeFor(reference);

        var grant = await VerifyAsync(services, reference.ToLowerInvariant(), code);
        var again = await VerifyAsync(services, reference, code);

        Assert.True(grant.IsSuccess);
        Assert.Equal("request.code_used", again.Error?.Code);
        await using var scope = services.CreateAsyncScope();
        var status = await scope.ServiceProvider.GetRequiredService<RequestStatusQuery>().GetAsync(reference, grant.Value.Token, TestContext.Current.CancellationToken);
        Assert.True(status.IsSuccess);
        Assert.Equal("verified", status.Value.State);
        Assert.Equal(["received", "verification_sent", "verified"], status.Value.Timeline.Select(t => t.Kind));
        var wrongToken = await scope.ServiceProvider.GetRequiredService<RequestStatusQuery>().GetAsync(reference, RequestIntake.Base64Url(new byte[32]), TestContext.Current.CancellationToken);
        Assert.Equal("request.session_invalid", wrongToken.Error?.Code);
        _time.Advance(TimeSpan.FromHours(1));
        var expired = await scope.ServiceProvider.GetRequiredService<RequestStatusQuery>().GetAsync(reference, grant.Value.Token, TestContext.Current.CancellationToken);
        Assert.Equal("request.session_invalid", expired.Error?.Code);
        await using var context = db.CreateContext();
        var request = await context.Set<DataSubjectRequest>().SingleAsync(TestContext.Current.CancellationToken);
        Assert.Equal(VerificationMethods.KnownChannelCode, request.VerificationMethod);
        Assert.Equal(VerificationTier.Low, request.VerificationTier);
        Assert.Contains("request.verification_succeeded", await AuditActionsAsync(db));
        Assert.Contains("request.verification_reused", await AuditActionsAsync(db));
    }

    /// <summary>After the hour-long session, a new code (to download the answer) opens a new session and changes nothing else.</summary>
    [Theory, AllEngines]
    public async Task VerifyAsync_NewCodeForAVerifiedRequest_OpensANewSessionOnly(Engine engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        await using var services = Services(db);
        var reference = (await SubmitAsync(services, Access("jan.tester@example.nl"))).Value!.Reference;
        Assert.True((await VerifyAsync(services, reference, CodeFor(reference))).IsSuccess);
        _time.Advance(TimeSpan.FromHours(2));

        await using (var scope = services.CreateAsyncScope())
        {
            var resent = await scope.ServiceProvider.GetRequiredService<RequestIntake>().ResendCodeAsync(reference, "198.51.100.7", TestContext.Current.CancellationToken);
            Assert.True(resent.IsSuccess);
        }

        var grant = await VerifyAsync(services, reference, CodeFor(reference));

        Assert.True(grant.IsSuccess);
        await using var context = db.CreateContext();
        var request = await context.Set<DataSubjectRequest>().SingleAsync(TestContext.Current.CancellationToken);
        Assert.Equal(RequestState.Verified, request.State);
        Assert.Equal(VerificationTier.Low, request.VerificationTier);
        Assert.Contains("request.session_renewed", await AuditActionsAsync(db));
        await using var status = services.CreateAsyncScope();
        Assert.True((await status.ServiceProvider.GetRequiredService<RequestStatusQuery>().GetAsync(reference, grant.Value.Token, TestContext.Current.CancellationToken)).IsSuccess);
    }

    [Theory, AllEngines]
    public async Task VerifyAsync_FiveWrongCodes_LocksEvenTheRightCode(Engine engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        await using var services = Services(db);
        var reference = (await SubmitAsync(services, Access("jan.tester@example.nl"))).Value!.Reference;
        var code = CodeFor(reference);
        var wrong = code == "000000" ? "000001" : "000000";

        var errors = new List<string?>();
        for (var i = 0; i < 5; i++)
        {
            errors.Add((await VerifyAsync(services, reference, wrong)).Error?.Code);
        }

        var right = await VerifyAsync(services, reference, code);

        Assert.Equal(["request.code_invalid", "request.code_invalid", "request.code_invalid", "request.code_invalid", "request.code_locked"], errors);
        Assert.Equal("request.code_locked", right.Error?.Code);
        var actions = await AuditActionsAsync(db);
        Assert.Equal(4, actions.Count(a => a == "request.verification_failed"));
        Assert.Equal(2, actions.Count(a => a == "request.verification_locked"));
    }

    [Theory, AllEngines]
    public async Task VerifyAsync_AfterTenMinutes_IsExpired(Engine engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        await using var services = Services(db);
        var reference = (await SubmitAsync(services, Access("jan.tester@example.nl"))).Value!.Reference;
        var code = CodeFor(reference);

        _time.Advance(TimeSpan.FromMinutes(10));
        var result = await VerifyAsync(services, reference, code);

        Assert.Equal("request.code_expired", result.Error?.Code);
        Assert.Contains("request.verification_expired", await AuditActionsAsync(db));
    }

    [Theory, AllEngines]
    public async Task VerifyAsync_CodeOfAnotherRequest_DoesNotFit(Engine engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        await using var services = Services(db);
        var first = (await SubmitAsync(services, Access("jan.tester@example.nl"))).Value!.Reference;
        var second = (await SubmitAsync(services, Access("piet.tester@example.nl"))).Value!.Reference;

        var result = await VerifyAsync(services, second, CodeFor(first));

        Assert.Equal(CodeFor(first) == CodeFor(second) ? null : "request.code_invalid", result.Error?.Code);
    }

    [Theory, AllEngines]
    public async Task SubmitAsync_FourthForOneAddressIn24h_AcceptedButNoMessage_ConfusableAddressIsAnother(Engine engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        await using var services = Services(db);
        var results = new List<StoreResult<SubmitReceipt>>();
        for (var i = 0; i < 4; i++)
        {
            results.Add(await SubmitAsync(services, Access("anna.tester@example.nl"), ip: "192.0.2." + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        // Cyrillic 'а' (U+0430) in place of the Latin 'a': another mailbox, counted separately, never folded.
        var confusable = await SubmitAsync(services, Access("\u0430nna.tester@example.nl"), ip: "192.0.2.50");

        Assert.All(results, r => Assert.True(r.IsSuccess));
        Assert.True(confusable.IsSuccess);
        var mails = Mails();
        Assert.Equal(4, mails.Count);
        Assert.Equal(3, mails.Count(m => m.To.Mailboxes.Single().Address == "anna.tester@example.nl"));
        Assert.Single(mails, m => m.To.Mailboxes.Single().Address == "\u0430nna.tester@example.nl");
        Assert.Equal(1, (await AuditActionsAsync(db)).Count(a => a == "request.rate_limited"));
        await using var context = db.CreateContext();
        Assert.Equal(2, await context.Set<DataSubjectRequest>().Select(r => r.IdentifierValue).Distinct().CountAsync(TestContext.Current.CancellationToken));
    }

    [Theory, AllEngines]
    public async Task SubmitAsync_SixthFromOneClientInAnHour_IsRateLimitedWithRetryAfter(Engine engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        await using var services = Services(db);
        for (var i = 0; i < 5; i++)
        {
            Assert.True((await SubmitAsync(services, Access($"p{i}.tester@example.nl"))).IsSuccess);
            _time.Advance(TimeSpan.FromMinutes(1));
        }

        var sixth = await SubmitAsync(services, Access("p6.tester@example.nl"));
        var otherClient = await SubmitAsync(services, Access("p6.tester@example.nl"), ip: "198.51.100.7");

        var limited = Assert.IsType<RateLimitedError>(sixth.Error);
        Assert.Equal(Duration.FromMinutes(55), limited.RetryAfter);
        Assert.True(otherClient.IsSuccess);
        _time.Advance(TimeSpan.FromMinutes(55));
        Assert.True((await SubmitAsync(services, Access("p7.tester@example.nl"))).IsSuccess);
    }

    [Theory, AllEngines]
    public async Task SubmitAsync_PhoneAndEmailOrBadInput_FieldErrorsAndNothingStored(Engine engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        await using var services = Services(db);

        var phone = await SubmitAsync(services, new SubmitRequestInput("access", "p.tester@example.nl", "+31612345678", "nl", null));
        var bad = await SubmitAsync(services, new SubmitRequestInput("delete_everything", "not-an-address", null, "de", null));

        Assert.Equal("request.contact.one_channel", Assert.Single(Assert.IsType<ValidationError>(phone.Error).Errors).Code);
        Assert.Equal(["type", "language", "email"], Assert.IsType<ValidationError>(bad.Error).Errors.Select(e => e.Field));
        await using var context = db.CreateContext();
        Assert.False(await context.Set<DataSubjectRequest>().AnyAsync(TestContext.Current.CancellationToken));
        Assert.Empty(Mails());
    }

    [Theory, AllEngines]
    public async Task EnterAsync_LetterReceivedEarlier_DueCountsFromTheLetterAndFutureIsRefused(Engine engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        await using var services = Services(db);
        await using var scope = services.CreateAsyncScope();
        var intake = scope.ServiceProvider.GetRequiredService<RequestIntake>();
        var staff = Guid.NewGuid();

        var letter = await intake.EnterAsync(staff, new EnterRequestInput("letter", new LocalDate(2025, 3, 10), "erasure", "phone", "06 12345678", "nl", "Wis alles."), TestContext.Current.CancellationToken);
        var future = await intake.EnterAsync(staff, new EnterRequestInput("letter", new LocalDate(2025, 3, 16), "erasure", "phone", "0612345678", "nl", null), TestContext.Current.CancellationToken);
        var portal = await intake.EnterAsync(staff, new EnterRequestInput("portal", new LocalDate(2025, 3, 1), "access", "email", "a@example.nl", "nl", null), TestContext.Current.CancellationToken);

        Assert.True(letter.IsSuccess);
        Assert.Equal(new LocalDate(2025, 4, 10), letter.Value.DueOn);
        Assert.Equal("+31612345678", letter.Value.IdentifierValue);
        Assert.Equal(staff, letter.Value.EnteredBy);
        Assert.Equal("request.received_in_future", Assert.Single(Assert.IsType<ValidationError>(future.Error).Errors).Code);
        Assert.Equal("request.channel_invalid", Assert.Single(Assert.IsType<ValidationError>(portal.Error).Errors).Code);
        Assert.Empty(Mails());
    }
}
