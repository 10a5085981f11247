using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Custodian.Core.Persistence;

internal static class PersistenceServiceCollectionExtensions
{
    /// <summary>
    /// Registers the database for <paramref name="target"/>: the <see cref="IDatabaseProvider"/> (singleton, disposed with
    /// the container), <see cref="IDbContextFactory{TContext}"/> for jobs plus a scoped <see cref="CustodianDbContext"/> for
    /// requests, and <see cref="DatabaseMigrator"/>. The migrations assembly is chosen by name; the host references both.
    /// </summary>
    public static IServiceCollection AddCustodianDatabase(this IServiceCollection services, DatabaseTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        services.TryAddSingleton(target);
        services.TryAddSingleton(_ => DatabaseProviders.Create(target));
        services.AddDbContextFactory<CustodianDbContext>((sp, options) => sp.GetRequiredService<IDatabaseProvider>().Configure(options));
        services.TryAddScoped<DatabaseMigrator>();
        return services;
    }
}
