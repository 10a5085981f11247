using Custodian.Core.Features.Sms;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Custodian.Core.Features.Mail;

internal static class MailServiceCollectionExtensions
{
    /// <summary>Registers <see cref="IMailSender"/>: the outbox when <see cref="MailOptions.OutboxFolder"/> is set, else SMTP.</summary>
    public static IServiceCollection AddCustodianMail(this IServiceCollection services, MailOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.OutboxFolder is null && options.SmtpHost is null)
        {
            throw new ArgumentException("Mail needs an SMTP host or an outbox folder.", nameof(options));
        }

        services.TryAddSingleton(options);
        services.TryAddSingleton<IMailSender>(sp => options.OutboxFolder is not null
            ? new OutboxMailSender(options, sp.GetRequiredService<TimeProvider>())
            : new SmtpMailSender(options));
        if (options.OutboxFolder is not null)
        {
            // One outbox for every message: a host that configured SMS itself registered it first (TryAdd keeps that).
            services.AddCustodianSms(new SmsOptions { OutboxFolder = options.OutboxFolder });
        }

        return services;
    }
}
