using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Custodian.Core.Features.Sms;

internal static class SmsServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ISmsSender"/> as the outbox when <see cref="SmsOptions.OutboxFolder"/> is set. A gateway is
    /// registered by the host (it needs <c>IHttpClientFactory</c>), before this call; this then adds only the options.
    /// </summary>
    public static IServiceCollection AddCustodianSms(this IServiceCollection services, SmsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.OutboxFolder is null && options.GatewayUrl is null)
        {
            throw new ArgumentException("SMS needs a gateway URL or an outbox folder.", nameof(options));
        }

        services.TryAddSingleton(options);
        if (options.OutboxFolder is not null)
        {
            services.TryAddSingleton<ISmsSender>(sp => new OutboxSmsSender(options, sp.GetRequiredService<TimeProvider>()));
        }

        return services;
    }
}
