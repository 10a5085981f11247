using MailKit.Net.Smtp;
using MailKit.Security;

namespace Custodian.Core.Features.Mail;

/// <summary>Sends through an SMTP server (MailKit), one connection per message: request mail is rare.</summary>
internal sealed class SmtpMailSender(MailOptions options) : IMailSender
{
    public async Task SendAsync(OutgoingMail mail, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(mail);
        var host = options.SmtpHost ?? throw new InvalidOperationException("SmtpMailSender needs MailOptions.SmtpHost.");
        var message = MimeMessages.From(options, mail);
        using var client = new SmtpClient();
        try
        {
            var security = options.SmtpSecurity switch
            {
                SmtpSecurity.Tls => SecureSocketOptions.SslOnConnect,
                SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
                _ => SecureSocketOptions.None,
            };
            await client.ConnectAsync(host, options.SmtpPort, security, ct);
            if (!string.IsNullOrEmpty(options.SmtpUser))
            {
                await client.AuthenticateAsync(options.SmtpUser, options.SmtpPassword ?? string.Empty, ct);
            }

            await client.SendAsync(message, ct);
            await client.DisconnectAsync(quit: true, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // No address in the message: it is personal data.
            throw new MailException($"Sending mail through {host}:{options.SmtpPort} failed: {e.GetType().Name}.", e);
        }
    }
}
