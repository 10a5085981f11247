using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Custodian.Core.Features.Retention;

internal static class RetentionServiceCollectionExtensions
{
    /// <summary>The retention planner and overview (need the active <c>ProcessingRegister</c>, the database and a <c>TimeProvider</c>).</summary>
    public static IServiceCollection AddCustodianRetention(this IServiceCollection services)
    {
        services.TryAddSingleton<RetentionPlanner>();
        services.TryAddSingleton<RetentionOverviewBuilder>();
        return services;
    }
}
