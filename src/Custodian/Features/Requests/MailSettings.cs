using Custodian.Configuration;
using Custodian.Core.Features.Mail;

namespace Custodian.Features.Requests;

internal static class MailSettings
{
    /// <summary>
    /// Mail from the settings: <c>serve --dev</c>, or no SMTP host set, writes each message as an .eml file to
    /// <c>&lt;data&gt;/outbox</c> (a newcomer reads the codes there); otherwise SMTP.
    /// </summary>
    public static MailOptions Configure(CustodianSettings settings, bool dev)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return dev || settings.SmtpHost is null
            ? new MailOptions { From = settings.MailFrom, OutboxFolder = Path.Combine(settings.DataFolder, "outbox") }
            : new MailOptions
            {
                From = settings.MailFrom,
                SmtpHost = settings.SmtpHost,
                SmtpPort = settings.SmtpPort,
                SmtpSecurity = settings.SmtpSecurity,
                SmtpUser = settings.SmtpUser,
                SmtpPassword = settings.SmtpPassword,
            };
    }
}
