using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Custodian.Core.Features.Retention;

internal static class SweepServiceCollectionExtensions
{
    /// <summary>
    /// Registers the retention sweep. Needs the database, the audit trail, the register (<c>ProcessingRegister</c>) and
    /// the blob store (<c>AddCustodianBlobs</c>: the sweep deletes the contents of expired recordings and attachments).
    /// </summary>
    public static IServiceCollection AddCustodianRetentionSweep(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RetentionSweeper>();
        return services;
    }
}
