using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Custodian.Core.Features.Requests.Execution;

internal static class ExecutionServiceCollectionExtensions
{
    /// <summary>
    /// The executors of data-subject requests (singletons: each call takes its <c>CustodianDbContext</c>). Need the
    /// register, the audit trail, the blobs (<c>AddCustodianBlobs</c>), the store's options and a <see cref="TimeProvider"/>.
    /// </summary>
    public static IServiceCollection AddCustodianRequestExecution(this IServiceCollection services)
    {
        services.TryAddSingleton<RequestSplit>();
        services.TryAddSingleton<ErasureExecutor>();
        services.TryAddSingleton<RestrictionExecutor>();
        services.TryAddSingleton<ObjectionExecutor>();
        services.TryAddSingleton<Consent.ConsentLedger>();
        services.TryAddSingleton<ConsentWithdrawalExecutor>();
        services.TryAddSingleton<RectificationExecutor>();
        return services;
    }
}
