using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Custodian.Core.Features.Dashboard;

internal static class DashboardServiceCollectionExtensions
{
    /// <summary>
    /// The dashboard query. Needs what it composes: <c>AddCustodianRetention</c> (the overview), <c>AddCustodianAudit</c>
    /// (the audit status), the active <c>ProcessingRegister</c>, the database and a <c>TimeProvider</c>.
    /// </summary>
    public static IServiceCollection AddCustodianDashboard(this IServiceCollection services)
    {
        services.TryAddSingleton<DashboardQuery>();
        return services;
    }
}
