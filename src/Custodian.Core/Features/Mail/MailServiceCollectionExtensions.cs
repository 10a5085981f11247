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
        services.AddCustodianMessageQueue();
        if (options.OutboxFolder is not null)
        {
            // One outbox for every message: a host that configured SMS itself registered it first (TryAdd keeps that).
            services.AddCustodianSms(new SmsOptions { OutboxFolder = options.OutboxFolder });
        }

        return services;
    }

    /// <summary>
    /// The outgoing message queue (<see cref="MessageQueue"/>, <see cref="MessageDispatcher"/>). Needs the database, the
    /// audit trail, a <see cref="Common.MasterKey"/>, a <see cref="TimeProvider"/> and the senders in the container.
    /// </summary>
    public static IServiceCollection AddCustodianMessageQueue(this IServiceCollection services, MessageQueueOptions? options = null)
    {
        services.TryAddSingleton(options ?? new MessageQueueOptions());
        services.TryAddSingleton(sp => new MessageSeal(sp.GetRequiredService<Common.MasterKey>()));
        services.TryAddSingleton(sp => new MessageQueue(sp.GetRequiredService<MessageSeal>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<MessageQueueOptions>()));
        services.TryAddSingleton(sp => new MessageDispatcher(
            sp.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<Persistence.CustodianDbContext>>(),
            sp.GetRequiredService<MessageQueue>(),
            sp.GetRequiredService<IMailSender>(),
            sp.GetService<ISmsSender>(),
            sp.GetRequiredService<Audit.IAuditTrail>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<MessageDispatcher>>()));
        return services;
    }
}
