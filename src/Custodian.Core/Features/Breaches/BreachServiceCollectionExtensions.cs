using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Custodian.Core.Features.Breaches;

internal static class BreachServiceCollectionExtensions
{
    /// <summary>
    /// The breach register's commands and queries (scoped: they use the request's <c>CustodianDbContext</c>). Needs the
    /// store's <c>StoreTransactions</c> and audit trail, the active <c>ProcessingRegister</c> and a <c>TimeProvider</c>.
    /// </summary>
    public static IServiceCollection AddCustodianBreaches(this IServiceCollection services)
    {
        services.TryAddScoped<BreachCommands>();
        services.TryAddScoped<BreachQueries>();
        return services;
    }
}
