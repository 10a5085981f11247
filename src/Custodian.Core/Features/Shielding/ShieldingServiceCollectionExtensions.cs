using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Custodian.Core.Features.Shielding;

internal static class ShieldingServiceCollectionExtensions
{
    /// <summary>The shielding register and the itemised-bill renderer (scoped). Needs <c>AddCustodianStore</c> and <c>AddCustodianAudit</c>.</summary>
    public static IServiceCollection AddCustodianShielding(this IServiceCollection services)
    {
        services.TryAddScoped<ShieldingRegister>();
        services.TryAddScoped<ItemisedBillBuilder>();
        return services;
    }
}
