using Microsoft.Extensions.DependencyInjection;

namespace Custodian.Core.Features.Retention;

internal static class RetentionServiceCollectionExtensions
{
    /// <summary>The retention planner (needs the active <c>ProcessingRegister</c> registered).</summary>
    public static IServiceCollection AddCustodianRetention(this IServiceCollection services)
    {
        services.AddSingleton<RetentionPlanner>();
        return services;
    }
}
