using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Custodian.Core.Features.Consent;

internal static class ConsentServiceCollectionExtensions
{
    /// <summary>The consent ledger and the processing on consent. Needs the register, the audit trail and a <see cref="TimeProvider"/>.</summary>
    public static IServiceCollection AddCustodianConsent(this IServiceCollection services)
    {
        services.TryAddSingleton<ConsentLedger>();
        services.TryAddSingleton<AppUsageInsights>();
        return services;
    }
}
