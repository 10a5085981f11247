using MimeKit;

namespace Custodian.Core.Features.Mail;

internal static class MimeMessages
{
    /// <summary>The Message-ID of a queued message, without the angle brackets MimeKit adds.</summary>
    public static string MessageIdOf(Guid id) => id.ToString("D") + "@custodian";

    public static MimeMessage From(MailOptions options, OutgoingMail mail)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress(options.FromName, options.From));
        // The constructor, not Parse: the address was validated by Identifiers.Email and may hold Unicode.
        message.To.Add(new MailboxAddress(string.Empty, mail.To));
        message.Subject = mail.Subject;
        message.Body = new TextPart("plain") { Text = mail.TextBody };
        if (mail.MessageId is { } id)
        {
            // Stable across resends of one queued message: the receiving side can drop a repeat (at-least-once SMTP).
            message.MessageId = MessageIdOf(id);
        }

        return message;
    }
}
