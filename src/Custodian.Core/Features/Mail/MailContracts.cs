namespace Custodian.Core.Features.Mail;

/// <summary>
/// One outgoing message. By contract it carries no personal data except the recipient address itself: a notice, a
/// request reference, a one-time code or a link (issue 6 §5). Plain text only.
/// </summary>
internal sealed record OutgoingMail(string To, string Subject, string TextBody)
{
    /// <summary>
    /// The same notice as a short SMS text (code or notice and the reference only), for a requester whose contact is a
    /// phone number; null for mail that never goes by SMS. See <c>Requests.RequestMessenger</c>.
    /// </summary>
    public string? SmsText { get; init; }

    /// <summary>The request reference the message is about (the SMS gateway's <c>reference</c>).</summary>
    public string? Reference { get; init; }

    /// <summary>
    /// The queued message's id (<see cref="OutgoingMessage"/>), or null for mail sent outside the queue: every send of
    /// one queued message carries the Message-ID <c>&lt;id@custodian&gt;</c> and lands in the same outbox file.
    /// </summary>
    public Guid? MessageId { get; init; }

    /// <summary>When the message was queued: the outbox file name starts with it, so names sort by time as before.</summary>
    public DateTimeOffset? QueuedAt { get; init; }

    // The address is personal data: keep it out of logs and exception messages.
    public override string ToString() => $"OutgoingMail {{ Subject = {Subject} }}";
}

/// <summary>Sends mail: <see cref="SmtpMailSender"/> in production, <see cref="OutboxMailSender"/> for <c>serve --dev</c> and tests.</summary>
internal interface IMailSender
{
    /// <summary>Sends or throws (<see cref="MailException"/>); a caller that must not fail on mail catches it.</summary>
    Task SendAsync(OutgoingMail mail, CancellationToken ct);
}

internal sealed class MailException(string message, Exception? inner = null) : Exception(message, inner);

internal enum SmtpSecurity
{
    /// <summary>TLS from the first byte (port 465).</summary>
    Tls,

    /// <summary>STARTTLS, required (port 587).</summary>
    StartTls,

    /// <summary>No encryption: only for a relay on localhost.</summary>
    None,
}

/// <summary>Mail settings. Exactly one of <see cref="SmtpHost"/> and <see cref="OutboxFolder"/> is set.</summary>
internal sealed record MailOptions
{
    /// <summary>The From address (e.g. <c>privacy@allbest.example</c>).</summary>
    public required string From { get; init; }

    public string FromName { get; init; } = "Custodian";

    public string? SmtpHost { get; init; }

    public int SmtpPort { get; init; } = 587;

    public SmtpSecurity SmtpSecurity { get; init; } = SmtpSecurity.StartTls;

    public string? SmtpUser { get; init; }

    public string? SmtpPassword { get; init; }

    /// <summary>Where <see cref="OutboxMailSender"/> writes <c>.eml</c> files (dev: <c>data/outbox/</c>).</summary>
    public string? OutboxFolder { get; init; }

    public override string ToString() => $"MailOptions {{ SmtpHost = {SmtpHost}, OutboxFolder = {OutboxFolder} }}";
}
