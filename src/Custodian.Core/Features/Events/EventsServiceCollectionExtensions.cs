using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Custodian.Core.Features.Events;

internal static class EventsServiceCollectionExtensions
{
    /// <summary>
    /// Registers the bulk import (<see cref="EventImporter"/>) and its batch overview and abandon. Needs the database (<c>AddCustodianDatabase</c>), the
    /// audit trail (<c>AddCustodianAudit</c>) and a <see cref="TimeProvider"/>.
    /// </summary>
    public static IServiceCollection AddCustodianEvents(this IServiceCollection services, Action<ImportOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = ImportOptions.FromEnvironment();
        configure?.Invoke(options);
        services.TryAddSingleton(options);
        services.TryAddTransient<EventImporter>();
        services.TryAddTransient<ImportBatchList>();
        services.TryAddTransient<ImportBatchAbandon>();
        return services;
    }
}
