using MailKit.Net.Smtp;

namespace Custodian.Core.Features.Mail;

/// <summary>
/// What a failed send may say in a log: the exception's type and, for an SMTP refusal, its status code. Never the
/// exception's message, which for a refused recipient quotes the address (personal data stays out of logs).
/// </summary>
internal static class MailFailure
{
    public static string Describe(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            SmtpCommandException smtp => $"{nameof(SmtpCommandException)} {(int)smtp.StatusCode} ({smtp.ErrorCode})",
            SmtpProtocolException => nameof(SmtpProtocolException),
            // An SMS failure's message is ours and says at most the gateway's status code (never the number or text).
            MailException { InnerException: Sms.SmsException sms } => "SmsException: " + sms.Message,
            _ => exception.GetType().Name,
        };
    }
}
