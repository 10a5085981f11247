using System.Collections.Concurrent;
using Custodian.Core.Common;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Mail;
using Custodian.Core.Persistence;
using Custodian.Testing;
using Custodian.Testing.Crash;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using Xunit;

namespace Custodian.IntegrationTests.Mail;

/// <summary>
/// The outgoing message queue (issue 8 §4: no acknowledged message lost, none sent twice): transactional enqueue,
/// restart after a kill, retries and give-up, two dispatchers, and a real <c>custodian mail dispatch</c> killed at both
/// of the queue's fail points.
/// </summary>
public sealed class MessageQueueTests : IDisposable
{
    private static readonly byte[] KeyBytes = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    /// <summary>A holder of a process on this machine that does not run: what a killed node leaves in its claims.</summary>
    private static readonly string DeadHolder = JobLeases.NodeName + ":2147483000:1";

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("custodian-mailqueue-");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 29, 9, 0, 0, TimeSpan.Zero));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Outbox => Path.Combine(_folder.FullName, "outbox");

    public void Dispose() => _folder.Delete(recursive: true);

    private ServiceProvider Services(TestDatabase db, IMailSender? sender = null, MessageQueueOptions? options = null) =>
        TestDatabase.ServicesFor(db.Target, s =>
        {
            s.AddSingleton<TimeProvider>(_time).AddSingleton(MasterKey.FromBytes(KeyBytes)).AddLogging().AddCustodianAudit();
            if (sender is not null)
            {
                s.AddSingleton(sender);
            }

            s.AddCustodianMessageQueue(options);
            s.AddCustodianMail(new MailOptions { From = "privacy@allbest.example", OutboxFolder = Outbox });
        });

    /// <summary>Commits one message claimed by a process that died before its fast path (or <paramref name="rollBack"/>).</summary>
    private static async Task<Guid> EnqueueAsync(ServiceProvider services, string to = "jan.tester@example.nl", bool rollBack = false, Guid? requestId = null)
    {
        var queue = new MessageQueue(services.GetRequiredService<MessageSeal>(), services.GetRequiredService<TimeProvider>(), services.GetRequiredService<MessageQueueOptions>(), DeadHolder);
        await using var db = await services.GetRequiredService<IDbContextFactory<CustodianDbContext>>().CreateDbContextAsync(Ct);
        await using var tx = await db.Database.BeginTransactionAsync(Ct);
        var id = queue.Enqueue(db, MessageChannels.Email, to, "Privacyverzoek R-1", "Uw code: 123456", "R-1", requestId);
        await db.SaveChangesAsync(Ct);
        if (rollBack)
        {
            await tx.RollbackAsync(Ct);
        }
        else
        {
            await tx.CommitAsync(Ct);
        }

        return id;
    }

    private static async Task<OutgoingMessage?> RowAsync(TestDatabase database, Guid id)
    {
        await using var db = database.CreateContext();
        return await db.Set<OutgoingMessage>().AsNoTracking().FirstOrDefaultAsync(m => m.Id == id, Ct);
    }

    private string[] Mails() => Directory.Exists(Outbox) ? Directory.GetFiles(Outbox, "*.eml") : [];

    [Theory, AllEngines]
    public async Task Enqueue_TransactionRolledBack_NothingIsSent(Engine engine)
    {
        await using var database = await TestDatabase.CreateAsync(engine);
        await using var services = Services(database);

        var id = await EnqueueAsync(services, rollBack: true);
        var result = await services.GetRequiredService<MessageDispatcher>().DispatchDueAsync(Ct);

        Assert.Null(await RowAsync(database, id));
        Assert.Equal(0, result.Sent);
        Assert.Empty(Mails());
    }

    [Theory, AllEngines]
    public async Task Dispatch_SenderDiedAfterCommit_SentOnceWithStableMessageIdAndErased(Engine engine)
    {
        await using var database = await TestDatabase.CreateAsync(engine);
        await using var services = Services(database);
        var id = await EnqueueAsync(services);
        var stored = await RowAsync(database, id);
        // Sealed: neither the address nor the code is readable in the database.
        Assert.DoesNotContain("123456", System.Text.Encoding.Latin1.GetString(stored!.Content!), StringComparison.Ordinal);
        Assert.DoesNotContain("example.nl", System.Text.Encoding.Latin1.GetString(stored.Recipient!), StringComparison.Ordinal);

        var dispatcher = services.GetRequiredService<MessageDispatcher>();
        var first = await dispatcher.DispatchDueAsync(Ct);
        var second = await dispatcher.DispatchDueAsync(Ct);

        Assert.Equal((1, 0), (first.Sent, second.Sent));
        var mail = await MimeMessage.LoadAsync(Assert.Single(Mails()), Ct);
        Assert.Equal(id + "@custodian", mail.MessageId);
        Assert.Equal("jan.tester@example.nl", Assert.Single(mail.To.Mailboxes).Address);
        var sent = await RowAsync(database, id);
        Assert.NotNull(sent!.SentAt);
        Assert.Null(sent.Recipient);
        Assert.Null(sent.Content);

        // The row itself goes a week after the send.
        _time.Advance(TimeSpan.FromDays(8));
        Assert.Equal(1, (await dispatcher.DispatchDueAsync(Ct)).Purged);
        Assert.Null(await RowAsync(database, id));
    }

    [Theory, AllEngines]
    public async Task Dispatch_SenderFails_RetriesAfterBackOffThenGivesUpAudited(Engine engine)
    {
        await using var database = await TestDatabase.CreateAsync(engine);
        var sender = new CountingSender { Fail = true };
        await using var services = Services(database, sender, new MessageQueueOptions { MaxAttempts = 3, FirstRetry = NodaTime.Duration.FromSeconds(30) });
        var dispatcher = services.GetRequiredService<MessageDispatcher>();
        var requestId = Guid.CreateVersion7();
        var id = await EnqueueAsync(services, requestId: requestId);

        var first = await dispatcher.DispatchDueAsync(Ct);
        var early = await dispatcher.DispatchDueAsync(Ct);
        _time.Advance(TimeSpan.FromSeconds(30));
        var second = await dispatcher.DispatchDueAsync(Ct);
        _time.Advance(TimeSpan.FromSeconds(59));
        var stillWaiting = await dispatcher.DispatchDueAsync(Ct);
        _time.Advance(TimeSpan.FromSeconds(1));
        var third = await dispatcher.DispatchDueAsync(Ct);

        Assert.Equal(1, first.Retrying);
        Assert.Equal(0, early.Retrying + early.Sent);
        Assert.Equal(1, second.Retrying);
        Assert.Equal(0, stillWaiting.Retrying + stillWaiting.GivenUp);
        Assert.Equal(1, third.GivenUp);
        Assert.Equal(3, sender.Sends.Count);
        var row = await RowAsync(database, id);
        Assert.NotNull(row!.FailedAt);
        Assert.NotNull(row.Recipient); // kept sealed for a requeue
        Assert.Equal(nameof(MailException), row.LastError);
        await using var db = database.CreateContext();
        Assert.Single(await db.Set<AuditEvent>().Where(e => e.Action == "message.given_up").ToListAsync(Ct));

        // Staff send it again: pending, sent at once, exactly once, audited; a second click changes nothing.
        Assert.Equal(id, Assert.Single(await dispatcher.GivenUpForRequestAsync(requestId, Ct)).Id);
        sender.Fail = false;
        var staff = new AuditActor(AuditActorKind.User, "staff-1");
        Assert.True((await dispatcher.RequeueAsync(id, requestId, staff, Ct)).IsSuccess);
        Assert.Equal("message.not_given_up", (await dispatcher.RequeueAsync(id, requestId, staff, Ct)).Error!.Code);
        await dispatcher.DispatchDueAsync(Ct);
        Assert.Equal(4, sender.Sends.Count);
        row = await RowAsync(database, id);
        Assert.NotNull(row!.SentAt);
        Assert.Null(row.FailedAt);
        Assert.Null(row.Recipient);
        Assert.Single(await db.Set<AuditEvent>().Where(e => e.Action == "message.requeued").ToListAsync(Ct));
        Assert.Empty(await dispatcher.GivenUpForRequestAsync(requestId, Ct));
    }

    [Theory, AllEngines]
    public async Task Dispatch_TwoDispatchersAtOnce_EachMessageSentOnce(Engine engine)
    {
        await using var database = await TestDatabase.CreateAsync(engine);
        var sender = new CountingSender();
        await using var services = Services(database, sender);
        var ids = new List<Guid>();
        for (var i = 0; i < 12; i++)
        {
            ids.Add(await EnqueueAsync(services, $"person{i}@example.nl"));
        }

        MessageDispatcher Dispatcher(string holder) => new(
            services.GetRequiredService<IDbContextFactory<CustodianDbContext>>(),
            new MessageQueue(services.GetRequiredService<MessageSeal>(), _time, services.GetRequiredService<MessageQueueOptions>(), holder),
            sender, null, services.GetRequiredService<IAuditTrail>(), _time, NullLogger<MessageDispatcher>.Instance);

        var results = await Task.WhenAll(Dispatcher("node-a:1:1").DispatchDueAsync(Ct), Dispatcher("node-b:1:1").DispatchDueAsync(Ct));

        Assert.Equal(12, results.Sum(r => r.Sent));
        Assert.Equal(ids.Order(), sender.Sends.Order());
    }

    /// <summary>
    /// A real <c>custodian mail dispatch</c> killed (SIGKILL) before the send and then after it (before the mark): the
    /// run to the end delivers the message once, and the repeat after the second kill replaced the same outbox file.
    /// </summary>
    [Theory, AllEngines]
    public async Task MailDispatch_KilledBeforeAndAfterSend_DeliveredOnceToOneOutboxFile(Engine engine)
    {
        await using var database = await TestDatabase.CreateAsync(engine);
        var id = default(Guid);
        await using (var services = Services(database))
        {
            id = await EnqueueAsync(services);
        }

        var keyFile = Path.Combine(_folder.FullName, "master.key");
        await File.WriteAllTextAsync(keyFile, Convert.ToBase64String(KeyBytes), Ct);
        string[] args = ["mail", "dispatch", "--db", database.Target.ConnectionString, "--data", _folder.FullName, "--master-key-file", keyFile];

        var before = await CrashChild.RunAsync(CrashChild.DefaultExecutable, args, null, MessageDispatcher.BeforeSendFailPoint, null, Ct);
        Assert.True(before.Killed, before.Error);
        Assert.Empty(Mails());

        var after = await CrashChild.RunAsync(CrashChild.DefaultExecutable, args, null, MessageDispatcher.AfterSendFailPoint, null, Ct);
        Assert.True(after.Killed, after.Error);
        var written = Assert.Single(Mails());
        Assert.Null((await RowAsync(database, id))!.SentAt);

        var last = await CrashChild.RunAsync(CrashChild.DefaultExecutable, args, null, null, null, Ct);
        Assert.True(last.Exit == 0, last.Error + last.Output);
        Assert.Equal(written, Assert.Single(Mails()));
        var row = await RowAsync(database, id);
        Assert.NotNull(row!.SentAt);
        Assert.Equal(3, row.Attempts);
    }

    private sealed class CountingSender : IMailSender
    {
        public ConcurrentQueue<Guid> Sends { get; } = new();

        public bool Fail { get; set; }

        public async Task SendAsync(OutgoingMail mail, CancellationToken ct)
        {
            Sends.Enqueue(mail.MessageId!.Value);
            await Task.Delay(5, ct); // room for the other dispatcher to interleave
            if (Fail)
            {
                throw new MailException("refused");
            }
        }
    }
}
