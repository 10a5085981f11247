using System.Security.Cryptography;
using System.Text;
using Custodian.Core.Common;
using Custodian.Core.Persistence;
using NodaTime;

namespace Custodian.Core.Features.Mail;

/// <summary>How the message queue retries and how long it keeps finished rows.</summary>
internal sealed record MessageQueueOptions
{
    /// <summary>Sends tried before the dispatcher gives up (about an hour of back-off with the defaults).</summary>
    public int MaxAttempts { get; init; } = 8;

    /// <summary>The wait after the first failure; doubled after each further one, up to <see cref="MaxRetry"/>.</summary>
    public Duration FirstRetry { get; init; } = Duration.FromSeconds(30);

    public Duration MaxRetry { get; init; } = Duration.FromHours(1);

    /// <summary>
    /// How long a claim keeps other nodes off a message (and how long a message enqueued for the fast path waits for
    /// it before any dispatcher may send it). Longer than one SMTP or gateway send can take. A claim of a process on
    /// this machine that no longer runs is taken over at once. <c>CUSTODIAN_LEASE_SECONDS</c> overrides it.
    /// </summary>
    public Duration Claim { get; init; } = JobLeases.Length(Duration.FromMinutes(5));

    /// <summary>
    /// How long a sent or given-up row (already without recipient and text) stays for operators ("sent at", "gave up
    /// after") before the dispatcher deletes it.
    /// </summary>
    public Duration KeepFinished { get; init; } = Duration.FromDays(7);

    /// <summary>Messages claimed per scan.</summary>
    public int Batch { get; init; } = 50;

    /// <summary>The back-off after failed attempt number <paramref name="attempts"/> (1-based).</summary>
    public Duration RetryAfter(int attempts)
    {
        var wait = FirstRetry;
        for (var i = 1; i < attempts && wait < MaxRetry; i++)
        {
            wait += wait;
        }

        return wait < MaxRetry ? wait : MaxRetry;
    }
}

/// <summary>
/// AES-256-GCM for a queued message's recipient and text, with a key derived from the master key and the row id and
/// field as associated data (a sealed value cannot be moved to another row or field). Why: a queued verification code
/// in clear would let a database reader use it, which the code tables (HMAC only) exist to prevent.
/// </summary>
internal sealed class MessageSeal(MasterKey masterKey)
{
    private const int NonceLength = 12;
    private const int TagLength = 16;
    private readonly byte[] _key = masterKey.Derive("custodian/outgoing-messages/v1");

    public byte[] Seal(Guid id, string field, string text)
    {
        var plain = Encoding.UTF8.GetBytes(text);
        var sealedBytes = new byte[NonceLength + TagLength + plain.Length];
        var nonce = sealedBytes.AsSpan(0, NonceLength);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagLength);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceLength + TagLength), sealedBytes.AsSpan(NonceLength, TagLength), Associated(id, field));
        return sealedBytes;
    }

    /// <summary>Opens a sealed value; throws <see cref="CryptographicException"/> when it was altered or moved.</summary>
    public string Open(Guid id, string field, byte[] sealedBytes)
    {
        ArgumentNullException.ThrowIfNull(sealedBytes);
        var plain = new byte[sealedBytes.Length - NonceLength - TagLength];
        using var aes = new AesGcm(_key, TagLength);
        aes.Decrypt(sealedBytes.AsSpan(0, NonceLength), sealedBytes.AsSpan(NonceLength + TagLength), sealedBytes.AsSpan(NonceLength, TagLength), plain, Associated(id, field));
        return Encoding.UTF8.GetString(plain);
    }

    private static byte[] Associated(Guid id, string field) => [.. id.ToByteArray(), .. Encoding.UTF8.GetBytes(field)];
}

/// <summary>A queued message opened for sending.</summary>
internal sealed record QueuedMessage(Guid Id, Instant CreatedAt, string Channel, string To, string? Subject, string Text, string? Reference, Guid? RequestId, int Attempts);

/// <summary>
/// The write side of the outgoing message queue (<see cref="OutgoingMessage"/>). <see cref="Enqueue"/> adds a row to
/// the caller's context: it is saved and committed with the caller's own change, or rolled back with it. A row is
/// enqueued claimed by this process for the caller's fast path (<see cref="MessageDispatcher.SendNowAsync"/> right after
/// the commit, so a person waiting for a code gets it at once); if the process dies first, a dispatcher sends it after
/// a restart (same machine: at once) or when the claim ends (another node).
/// </summary>
internal sealed class MessageQueue(MessageSeal seal, TimeProvider time, MessageQueueOptions options, string? holder = null)
{
    private const char SubjectEnd = '\u0000';

    /// <summary>This process in claims: <c>JobLeases.ProcessHolder</c> unless a test names another.</summary>
    public string Holder { get; } = holder ?? JobLeases.ProcessHolder();

    public MessageQueueOptions Options => options;

    /// <summary>Adds the message to <paramref name="db"/> (not saved); returns its id for the fast path.</summary>
    /// <param name="db">The caller's context, inside its transaction.</param>
    /// <param name="channel"><see cref="MessageChannels.Email"/> or <see cref="MessageChannels.Sms"/>.</param>
    /// <param name="to">The address or E.164 number.</param>
    /// <param name="subject">The mail subject; null for SMS.</param>
    /// <param name="text">The mail body or SMS text.</param>
    /// <param name="reference">The request reference, or null.</param>
    /// <param name="requestId">The request the message belongs to, or null.</param>
    public Guid Enqueue(CustodianDbContext db, string channel, string to, string? subject, string text, string? reference, Guid? requestId)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (channel is not (MessageChannels.Email or MessageChannels.Sms))
        {
            throw new ArgumentException("Unknown channel.", nameof(channel));
        }

        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        var message = new OutgoingMessage
        {
            CreatedAt = now,
            Channel = channel,
            Reference = reference,
            RequestId = requestId,
            ClaimedBy = Holder,
            NextAttemptAt = now + options.Claim,
        };
        message.Recipient = seal.Seal(message.Id, "recipient", to);
        message.Content = seal.Seal(message.Id, "content", (subject ?? string.Empty) + SubjectEnd + text);
        db.Add(message);
        return message.Id;
    }

    /// <summary>Opens a row for sending; null when its recipient and text are gone (sent or given up meanwhile).</summary>
    public QueuedMessage? Open(OutgoingMessage row)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (row.Recipient is null || row.Content is null)
        {
            return null;
        }

        var content = seal.Open(row.Id, "content", row.Content);
        var end = content.IndexOf(SubjectEnd, StringComparison.Ordinal);
        var subject = content[..end];
        return new QueuedMessage(row.Id, row.CreatedAt, row.Channel, seal.Open(row.Id, "recipient", row.Recipient),
            subject.Length == 0 ? null : subject, content[(end + 1)..], row.Reference, row.RequestId, row.Attempts);
    }
}
