using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Custodian.Core.Features.Disclosures.Emergency;

internal static class EmergencyServiceCollectionExtensions
{
    /// <summary>The 112 caller look-up (scoped). Needs the database, <c>AddCustodianAudit</c> and a <see cref="TimeProvider"/>.</summary>
    public static IServiceCollection AddCustodianEmergencyLookup(this IServiceCollection services)
    {
        services.TryAddScoped<EmergencyCallerLookup>();
        return services;
    }
}
