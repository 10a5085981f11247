using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Custodian.Core.Features.Requests.IdCopies;

internal static class IdCopiesServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IdCopyScreening"/> (with <paramref name="options"/> or the defaults) and <see cref="IdCopies"/>
    /// (which needs <c>AddCustodianBlobs</c> and <c>AddCustodianAudit</c>). Singletons.
    /// </summary>
    public static IServiceCollection AddCustodianIdCopies(this IServiceCollection services, IdCopyScreeningOptions? options = null)
    {
        services.TryAddSingleton(options ?? new IdCopyScreeningOptions());
        services.TryAddSingleton(sp => new IdCopyScreening(
            sp.GetRequiredService<IdCopyScreeningOptions>(), sp.GetService<ILogger<IdCopyScreening>>()));
        services.TryAddSingleton<IdCopies>();
        return services;
    }
}
