using Custodian.Core.Common;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Sms;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace Custodian.Core.Features.Mail;

/// <summary>What one <see cref="MessageDispatcher.DispatchDueAsync"/> pass did.</summary>
internal sealed record MessageDispatchResult(int Sent, int Retrying, int GivenUp, int Purged);

/// <summary>A given-up message as a request's page shows it: no recipient, no text.</summary>
internal sealed record GivenUpMessage(Guid Id, string Channel, Instant FailedAt, int Attempts, string? LastError, bool CanRequeue);

/// <summary>
/// Sends queued messages (<see cref="OutgoingMessage"/>) exactly once as far as the database can tell, on any number of
/// nodes.
/// <para>
/// A sender first claims a message with one conditional UPDATE (due, unfinished, attempts left): the affected-row count
/// says who won, so two dispatchers never send one message at the same time. The claim pushes the next attempt a
/// <see cref="MessageQueueOptions.Claim"/> ahead; a claim of a dead process on this machine is taken over at once. After
/// the send the row is marked sent in its own statement and its recipient and text are erased. A failure sets a
/// doubling back-off; after <see cref="MessageQueueOptions.MaxAttempts"/> the message is given up (its recipient and
/// text stay sealed, so staff can send it again: <see cref="RequeueAsync"/>; the row goes with the finished-row purge),
/// and the give-up audited (<c>message.given_up</c>) and logged by id and error class only.
/// </para>
/// <para>
/// A kill between the send and the mark sends the message again (at-least-once). Every send of one message carries the
/// same Message-ID (<c>&lt;id@custodian&gt;</c>) and the outbox writes it to the same file name, so a repeat overwrites
/// instead of adding a second message; an SMTP relay or mail client de-duplicates on the Message-ID.
/// </para>
/// </summary>
internal sealed partial class MessageDispatcher(
    IDbContextFactory<CustodianDbContext> contexts,
    MessageQueue queue,
    IMailSender mail,
    ISmsSender? sms,
    IAuditTrail audit,
    TimeProvider time,
    ILogger<MessageDispatcher> log)
{
    public const string BeforeSendFailPoint = "mail.queue.before_send";
    public const string AfterSendFailPoint = "mail.queue.after_send";

    /// <summary>How a queue run is named as an audit actor.</summary>
    public static readonly AuditActor Actor = new(AuditActorKind.System, "mail:dispatcher");

    private const int MaxRounds = 100;

    private Instant? _nextPurge;

    private MessageQueueOptions Options => queue.Options;

    private Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());

    /// <summary>
    /// The fast path, right after the caller committed the messages it enqueued: sends each one this process still
    /// holds unattempted. Never throws for a failed send (the row records it and a dispatcher retries it).
    /// </summary>
    public async Task SendNowAsync(IReadOnlyCollection<Guid> ids, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ids);
        foreach (var id in ids)
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            var now = Now;
            var claimed = await db.Set<OutgoingMessage>()
                .Where(m => m.Id == id && m.ClaimedBy == queue.Holder && m.Attempts == 0 && m.SentAt == null && m.FailedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.Attempts, 1).SetProperty(m => m.NextAttemptAt, now + Options.Claim), ct);
            if (claimed == 1)
            {
                await SendClaimedAsync(db, id, ct);
            }
        }
    }

    /// <summary>
    /// Sends every message that is due (in rounds of <see cref="MessageQueueOptions.Batch"/> until none is), gives up
    /// those out of attempts, and deletes finished rows older than <see cref="MessageQueueOptions.KeepFinished"/>.
    /// Safe to run on several nodes at once.
    /// </summary>
    public async Task<MessageDispatchResult> DispatchDueAsync(CancellationToken ct)
    {
        var (sent, retrying, givenUp) = (0, 0, 0);
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            await ReleaseDeadClaimsAsync(db, ct);
        }

        for (var round = 0; round < MaxRounds; round++)
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            var now = Now;
            var due = await db.Set<OutgoingMessage>().AsNoTracking()
                .Where(m => m.SentAt == null && m.FailedAt == null && m.NextAttemptAt <= now)
                .OrderBy(m => m.NextAttemptAt).ThenBy(m => m.Id)
                .Select(m => new { m.Id, m.Attempts })
                .Take(Options.Batch)
                .ToListAsync(ct);
            if (due.Count == 0)
            {
                break;
            }

            foreach (var message in due)
            {
                db.ChangeTracker.Clear();
                if (message.Attempts >= Options.MaxAttempts)
                {
                    // Out of attempts without a recorded failure: its sender was killed mid-send each time.
                    givenUp += await GiveUpAsync(db, message.Id, message.Attempts, "abandoned", ct) ? 1 : 0;
                    continue;
                }

                var claimAt = Now;
                var claimed = await db.Set<OutgoingMessage>()
                    .Where(m => m.Id == message.Id && m.SentAt == null && m.FailedAt == null && m.NextAttemptAt <= claimAt && m.Attempts < Options.MaxAttempts)
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(m => m.Attempts, m => m.Attempts + 1)
                        .SetProperty(m => m.ClaimedBy, queue.Holder)
                        .SetProperty(m => m.NextAttemptAt, claimAt + Options.Claim), ct);
                if (claimed != 1)
                {
                    continue; // another dispatcher has it
                }

                switch (await SendClaimedAsync(db, message.Id, ct))
                {
                    case Outcome.Sent:
                        sent++;
                        break;
                    case Outcome.Retrying:
                        retrying++;
                        break;
                    case Outcome.GivenUp:
                        givenUp++;
                        break;
                }
            }
        }

        var purged = 0;
        if (_nextPurge is not { } next || Now >= next)
        {
            // Hourly at most: a DELETE every pass would take SQLite's write lock every 15 seconds for nothing.
            await using var db = await contexts.CreateDbContextAsync(ct);
            var before = Now - Options.KeepFinished;
            purged = await db.Set<OutgoingMessage>()
                .Where(m => (m.SentAt != null && m.SentAt <= before) || (m.FailedAt != null && m.FailedAt <= before))
                .ExecuteDeleteAsync(ct);
            _nextPurge = Now + Duration.FromHours(1);
        }

        return new MessageDispatchResult(sent, retrying, givenUp, purged);
    }

    /// <summary>
    /// Unfinished messages for operators (<c>custodian mail list</c>): ids, channel, reference, attempts, due time and
    /// last error; never a recipient or a text.
    /// </summary>
    public async Task<IReadOnlyList<OutgoingMessage>> ListAsync(bool includeFinished, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Set<OutgoingMessage>().AsNoTracking()
            .Where(m => includeFinished || (m.SentAt == null && m.FailedAt == null))
            .OrderBy(m => m.CreatedAt).ThenBy(m => m.Id)
            .Select(m => new OutgoingMessage
            {
                Id = m.Id,
                CreatedAt = m.CreatedAt,
                Channel = m.Channel,
                Reference = m.Reference,
                RequestId = m.RequestId,
                Attempts = m.Attempts,
                NextAttemptAt = m.NextAttemptAt,
                ClaimedBy = m.ClaimedBy,
                SentAt = m.SentAt,
                FailedAt = m.FailedAt,
                LastError = m.LastError,
            })
            .ToListAsync(ct);
    }

    /// <summary>
    /// Messages of a request that were given up, newest first, for the request's page (never a recipient or a text).
    /// <see cref="GivenUpMessage.CanRequeue"/> is false for a row given up before give-ups kept their sealed text.
    /// </summary>
    public async Task<IReadOnlyList<GivenUpMessage>> GivenUpForRequestAsync(Guid requestId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = await db.Set<OutgoingMessage>().AsNoTracking()
            .Where(m => m.RequestId == requestId && m.FailedAt != null && m.SentAt == null)
            .Select(m => new GivenUpMessage(m.Id, m.Channel, m.FailedAt!.Value, m.Attempts, m.LastError, m.Recipient != null && m.Content != null))
            .ToListAsync(ct);
        return [.. rows.OrderByDescending(m => m.FailedAt)];
    }

    /// <summary>
    /// Sends a given-up message again (staff action): back to pending with fresh attempts, claimed by this process for
    /// the fast path, in one transaction with its audit event (<c>message.requeued</c>), then sent at once (a failure
    /// leaves it to the dispatcher's retries, as for a new message). Conditional, so two clicks requeue it once.
    /// <paramref name="requestId"/>, when given, must be the message's request (a page can only requeue its own
    /// request's messages); the operator's <c>custodian mail requeue</c> names the message alone.
    /// </summary>
    public async Task<Store.StoreResult<Guid>> RequeueAsync(Guid id, Guid? requestId, AuditActor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var row = await db.Set<OutgoingMessage>().AsNoTracking().Where(m => m.Id == id && (requestId == null || m.RequestId == requestId))
                .Select(m => new { m.Channel, m.FailedAt, m.RequestId, Sealed = m.Recipient != null && m.Content != null }).FirstOrDefaultAsync(ct);
            if (row is null)
            {
                return Store.StoreErrors.NotFound("message");
            }

            if (row.FailedAt is null)
            {
                return new Store.ConflictError("message.not_given_up", "This message is not given up (sent, or sent again already).");
            }

            if (!row.Sealed)
            {
                return new Store.ConflictError("message.text_erased", "This message's recipient and text were erased; it cannot be sent again.");
            }

            var now = Now;
            var updated = await db.Set<OutgoingMessage>()
                .Where(m => m.Id == id && m.FailedAt != null && m.SentAt == null)
                .ExecuteUpdateAsync(u => u
                    .SetProperty(m => m.FailedAt, (Instant?)null)
                    .SetProperty(m => m.Attempts, 0)
                    .SetProperty(m => m.ClaimedBy, queue.Holder)
                    .SetProperty(m => m.NextAttemptAt, now + Options.Claim)
                    .SetProperty(m => m.LastError, (string?)null), ct);
            if (updated != 1)
            {
                return new Store.ConflictError("message.not_given_up", "This message is not given up (sent, or sent again already).");
            }

            List<AuditObject> objects = [new("outgoing_message", id.ToString())];
            if (row.RequestId is { } request)
            {
                objects.Add(new AuditObject("data_subject_request", request.ToString()));
            }

            await audit.AppendAsync(db, new AuditEntry("message.requeued", actor, null, objects,
                Details: new Dictionary<string, string> { ["channel"] = row.Channel }), ct);
            await tx.CommitAsync(ct);
        }

        await SendNowAsync([id], ct);
        return id;
    }

    private enum Outcome
    {
        Sent,
        Retrying,
        GivenUp,
        Gone,
    }

    /// <summary>A claim of a process on this machine that no longer runs (killed mid-send) need not wait for its end.</summary>
    private async Task ReleaseDeadClaimsAsync(CustodianDbContext db, CancellationToken ct)
    {
        var now = Now;
        var holders = await db.Set<OutgoingMessage>().AsNoTracking()
            .Where(m => m.SentAt == null && m.FailedAt == null && m.NextAttemptAt > now && m.ClaimedBy != null)
            .Select(m => m.ClaimedBy!)
            .Distinct()
            .ToListAsync(ct);
        foreach (var dead in holders.Where(h => h != queue.Holder && JobLeases.IsDeadLocalHolder(h)))
        {
            await db.Set<OutgoingMessage>()
                .Where(m => m.ClaimedBy == dead && m.SentAt == null && m.FailedAt == null && m.NextAttemptAt > now)
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.NextAttemptAt, now), ct);
        }
    }

    private async Task<Outcome> SendClaimedAsync(CustodianDbContext db, Guid id, CancellationToken ct)
    {
        var row = await db.Set<OutgoingMessage>().AsNoTracking().FirstOrDefaultAsync(m => m.Id == id, ct);
        QueuedMessage? message;
        try
        {
            message = row is null ? null : queue.Open(row);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            // Sealed under another master key, or altered: it can never be sent.
            return await GiveUpAsync(db, id, Options.MaxAttempts, MailFailure.Describe(e), ct) ? Outcome.GivenUp : Outcome.Gone;
        }

        if (message is null)
        {
            return Outcome.Gone;
        }

        try
        {
            FailPoints.Hit(BeforeSendFailPoint);
            await SendAsync(message, ct);
            FailPoints.Hit(AfterSendFailPoint);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The row was read after the claim: its attempts count this one.
            var error = MailFailure.Describe(e);
            if (message.Attempts >= Options.MaxAttempts)
            {
                LogGivenUp(log, id, message.Attempts, error);
                return await GiveUpAsync(db, id, message.Attempts, error, ct) ? Outcome.GivenUp : Outcome.Gone;
            }

            var retryAt = Now + Options.RetryAfter(message.Attempts);
            LogRetrying(log, id, message.Attempts, error);
            await db.Set<OutgoingMessage>()
                .Where(m => m.Id == id && m.SentAt == null && m.FailedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.NextAttemptAt, retryAt).SetProperty(m => m.LastError, error).SetProperty(m => m.ClaimedBy, (string?)null), ct);
            return Outcome.Retrying;
        }

        // Its own short statement (autocommit): the send is done, the row says so and forgets the recipient and text.
        var sentAt = Now;
        await db.Set<OutgoingMessage>()
            .Where(m => m.Id == id && m.SentAt == null)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.SentAt, sentAt)
                .SetProperty(m => m.Recipient, (byte[]?)null)
                .SetProperty(m => m.Content, (byte[]?)null)
                .SetProperty(m => m.ClaimedBy, (string?)null)
                .SetProperty(m => m.LastError, (string?)null), CancellationToken.None);
        return Outcome.Sent;
    }

    private async Task SendAsync(QueuedMessage message, CancellationToken ct)
    {
        var queuedAt = message.CreatedAt.ToDateTimeOffset();
        if (message.Channel == MessageChannels.Email)
        {
            await mail.SendAsync(new OutgoingMail(message.To, message.Subject ?? string.Empty, message.Text)
            {
                Reference = message.Reference,
                MessageId = message.Id,
                QueuedAt = queuedAt,
            }, ct);
            return;
        }

        if (sms is null)
        {
            throw new MailException("No SMS sender is configured.");
        }

        try
        {
            await sms.SendAsync(new OutgoingSms(message.To, message.Text, message.Reference ?? string.Empty) { MessageId = message.Id, QueuedAt = queuedAt }, ct);
        }
        catch (SmsException e)
        {
            throw new MailException("Sending an SMS failed: " + e.Message, e);
        }
    }

    /// <summary>Gives a message up in one transaction with its audit event; false when it finished meanwhile.</summary>
    private async Task<bool> GiveUpAsync(CustodianDbContext db, Guid id, int attempts, string error, CancellationToken ct)
    {
        var now = Now;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var row = await db.Set<OutgoingMessage>().AsNoTracking().Where(m => m.Id == id).Select(m => new { m.Channel, m.RequestId, m.Reference }).FirstOrDefaultAsync(ct);
        var updated = await db.Set<OutgoingMessage>()
            .Where(m => m.Id == id && m.SentAt == null && m.FailedAt == null)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.FailedAt, now)
                .SetProperty(m => m.Attempts, attempts)
                .SetProperty(m => m.ClaimedBy, (string?)null)
                .SetProperty(m => m.LastError, error), ct);
        if (updated != 1 || row is null)
        {
            return false;
        }

        List<AuditObject> objects = [new("outgoing_message", id.ToString())];
        if (row.RequestId is { } requestId)
        {
            objects.Add(new AuditObject("data_subject_request", requestId.ToString()));
        }

        await audit.AppendAsync(db, new AuditEntry("message.given_up", Actor, null, objects, Details: new Dictionary<string, string>
        {
            ["channel"] = row.Channel,
            ["attempts"] = attempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["error"] = error,
        }), ct);
        await tx.CommitAsync(ct);
        return true;
    }

    [LoggerMessage(EventId = 6401, Level = LogLevel.Warning, Message = "Sending queued message {MessageId} failed (attempt {Attempt}); it will be retried: {Error}")]
    private static partial void LogRetrying(ILogger logger, Guid messageId, int attempt, string error);

    [LoggerMessage(EventId = 6402, Level = LogLevel.Error, Message = "Gave up queued message {MessageId} after {Attempt} attempts: {Error} (see custodian mail list)")]
    private static partial void LogGivenUp(ILogger logger, Guid messageId, int attempt, string error);
}
