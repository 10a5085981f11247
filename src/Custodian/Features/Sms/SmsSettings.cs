using Custodian.Configuration;
using Custodian.Core.Features.Sms;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Custodian.Features.Sms;

internal static class SmsSettings
{
    /// <summary>How long one gateway POST may take.</summary>
    public static readonly TimeSpan GatewayTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// SMS from the settings: <c>serve --dev</c>, or no gateway set, writes each message as a .sms.json file to
    /// <c>&lt;data&gt;/outbox</c> (beside the mail); otherwise the HTTP gateway.
    /// </summary>
    public static SmsOptions Configure(CustodianSettings settings, bool dev)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return dev || settings.SmsGatewayUrl is null
            ? new SmsOptions { OutboxFolder = Path.Combine(settings.DataFolder, "outbox") }
            : new SmsOptions { GatewayUrl = settings.SmsGatewayUrl, GatewayToken = settings.SmsGatewayToken, Timeout = GatewayTimeout };
    }

    /// <summary>Registers the SMS sender: the gateway (a named HttpClient with the timeout) or the outbox.</summary>
    public static IServiceCollection AddCustodianSmsSender(this IServiceCollection services, SmsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.GatewayUrl is not null)
        {
            services.AddHttpClient(HttpSmsGateway.ClientName, c => c.Timeout = options.Timeout);
            services.TryAddSingleton<ISmsSender>(sp => new HttpSmsGateway(sp.GetRequiredService<IHttpClientFactory>(), options));
        }

        return services.AddCustodianSms(options);
    }
}
