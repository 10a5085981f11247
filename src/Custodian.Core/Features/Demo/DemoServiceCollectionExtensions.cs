using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Custodian.Core.Features.Demo;

internal static class DemoServiceCollectionExtensions
{
    /// <summary>The demo seeder (scoped). Needs <c>AddCustodianStore</c> with documentation addresses allowed, and the audit trail.</summary>
    public static IServiceCollection AddCustodianDemo(this IServiceCollection services)
    {
        services.TryAddScoped<DemoSeeder>();
        services.TryAddScoped<Shielding.ShieldingRegister>();
        return services;
    }
}
