using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Custodian.Core.Features.Disclosures;

internal static class DisclosuresServiceCollectionExtensions
{
    /// <summary>
    /// The order register. Needs what it builds on: the store and holds (<c>AddCustodianStore</c>, retention), blobs,
    /// the register and the audit trail.
    /// </summary>
    public static IServiceCollection AddCustodianDisclosures(this IServiceCollection services, DisclosuresOptions? options = null)
    {
        services.TryAddSingleton(options ?? new DisclosuresOptions());
        services.TryAddScoped<AuthorityOrders>();
        services.TryAddScoped<DisclosureStatistics>();
        return services;
    }
}
