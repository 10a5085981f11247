using MimeKit;

namespace Custodian.Core.Features.Mail;

internal static class MimeMessages
{
    public static MimeMessage From(MailOptions options, OutgoingMail mail)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress(options.FromName, options.From));
        // The constructor, not Parse: the address was validated by Identifiers.Email and may hold Unicode.
        message.To.Add(new MailboxAddress(string.Empty, mail.To));
        message.Subject = mail.Subject;
        message.Body = new TextPart("plain") { Text = mail.TextBody };
        return message;
    }
}
