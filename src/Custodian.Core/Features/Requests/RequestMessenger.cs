using Custodian.Core.Features.Mail;
using Custodian.Core.Persistence;

namespace Custodian.Core.Features.Requests;

/// <summary>
/// Queues a requester's or contact's message on the channel of the contact on file: e-mail to an address, SMS to a
/// phone number (issue 6 §2: "a channel already on file (e-mail or phone number)"). Request code builds every message
/// as an <see cref="OutgoingMail"/> carrying its short <see cref="OutgoingMail.SmsText"/>; this picks the channel from
/// the recipient, so callers stay channel-blind.
/// <para>
/// Durable and once (issue 8 §4): <see cref="Enqueue"/> adds the message to the caller's context INSIDE the transaction
/// of the change that causes it (<see cref="MessageQueue"/>), so it is committed or rolled back with that change; after
/// the commit the caller calls <see cref="SendNowAsync(IReadOnlyCollection{Guid}, CancellationToken)"/> (the fast path: a person waiting for a code gets it during the
/// same HTTP request). A failed or interrupted send is retried by the dispatcher (<see cref="MessageDispatcher"/>), so
/// callers no longer catch mail failures.
/// </para>
/// </summary>
internal sealed class RequestMessenger(MessageQueue queue, MessageDispatcher dispatcher, PortalLinks? links = null)
{
    /// <summary>
    /// Whether a contact is a phone number: canonical phone numbers are E.164 (<c>+31…</c>) and e-mail addresses always
    /// hold an '@' (a local part may itself start with '+', so the '+' alone does not decide).
    /// </summary>
    public static bool IsPhone(string contact) => !contact.Contains('@', StringComparison.Ordinal);

    /// <summary>
    /// Adds <paramref name="message"/> to <paramref name="db"/> for the caller's next save, inside its transaction;
    /// returns the queued message's id for <see cref="SendNowAsync(IReadOnlyCollection{Guid}, CancellationToken)"/>. A message without an SMS form for a phone number
    /// is a bug (thrown).
    /// </summary>
    public Guid Enqueue(CustodianDbContext db, OutgoingMail message, Guid? requestId)
    {
        ArgumentNullException.ThrowIfNull(message);
        message = (links ?? PortalLinks.None).Apply(message);
        if (!IsPhone(message.To))
        {
            return queue.Enqueue(db, MessageChannels.Email, message.To, message.Subject, message.TextBody, message.Reference, requestId);
        }

        if (message.SmsText is null || message.Reference is null)
        {
            throw new InvalidOperationException("This message has no SMS form and cannot go to a phone number.");
        }

        return queue.Enqueue(db, MessageChannels.Sms, message.To, null, message.SmsText, message.Reference, requestId);
    }

    /// <summary>The fast path after the caller's commit; a failure is left to the dispatcher's retries (never thrown).</summary>
    public Task SendNowAsync(IReadOnlyCollection<Guid> ids, CancellationToken ct) => dispatcher.SendNowAsync(ids, ct);

    /// <summary>The fast path for at most one message.</summary>
    public Task SendNowAsync(Guid? id, CancellationToken ct) => id is { } one ? dispatcher.SendNowAsync([one], ct) : Task.CompletedTask;
}
