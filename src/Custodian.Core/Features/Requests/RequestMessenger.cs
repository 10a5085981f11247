using Custodian.Core.Features.Mail;
using Custodian.Core.Features.Sms;

namespace Custodian.Core.Features.Requests;

/// <summary>
/// Sends a requester's message on the channel of the contact on file: e-mail to an address, SMS to a phone number
/// (issue 6 §2: "a channel already on file (e-mail or phone number)"). Request code builds every message as an
/// <see cref="OutgoingMail"/> carrying its short <see cref="OutgoingMail.SmsText"/>; this picks the channel from the
/// recipient, so callers stay channel-blind. A failed SMS surfaces as a <see cref="MailException"/> (wrapping the
/// <see cref="SmsException"/>), so the callers' one "message failed, keep the request, log without personal data"
/// path covers both.
/// </summary>
internal sealed class RequestMessenger(IMailSender mail, ISmsSender? sms, PortalLinks? links = null)
{
    /// <summary>
    /// Whether a contact is a phone number: canonical phone numbers are E.164 (<c>+31…</c>) and e-mail addresses always
    /// hold an '@' (a local part may itself start with '+', so the '+' alone does not decide).
    /// </summary>
    public static bool IsPhone(string contact) => !contact.Contains('@', StringComparison.Ordinal);

    public async Task SendAsync(OutgoingMail message, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(message);
        message = (links ?? PortalLinks.None).Apply(message);
        if (!IsPhone(message.To))
        {
            await mail.SendAsync(message, ct);
            return;
        }

        if (message.SmsText is null || message.Reference is null)
        {
            throw new InvalidOperationException("This message has no SMS form and cannot go to a phone number.");
        }

        if (sms is null)
        {
            throw new MailException("No SMS sender is configured.");
        }

        try
        {
            await sms.SendAsync(new OutgoingSms(message.To, message.SmsText, message.Reference), ct);
        }
        catch (SmsException e)
        {
            throw new MailException("Sending an SMS failed: " + e.Message, e);
        }
    }
}
