using Custodian.Core.Common;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Custodian.Core.Features.Audit;

internal static class AuditServiceCollectionExtensions
{
    /// <summary>
    /// Registers the audit trail: <see cref="IAuditTrail"/> (append), <see cref="AuditHasher"/> (keyed identifier hashes),
    /// <see cref="AuditCheckpoints"/> (signed checkpoints, export), <see cref="ReadAuditBatcher"/> (group commit of read
    /// audits; needs the context factory when first resolved), <see cref="AuditVerifier"/>, and the audit page's
    /// <see cref="AuditSearch"/> and <see cref="AuditOperations"/> (these two need <c>IDbContextFactory&lt;CustodianDbContext&gt;</c>). Needs a
    /// <see cref="MasterKey"/> and a <see cref="TimeProvider"/> in the container (the host registers both); all services
    /// are singletons and take the <see cref="Persistence.CustodianDbContext"/> per call.
    /// </summary>
    public static IServiceCollection AddCustodianAudit(this IServiceCollection services, Action<AuditOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new AuditOptions();
        configure?.Invoke(options);
        services.TryAddSingleton(options);
        services.TryAddSingleton(sp => new CheckpointSigner(sp.GetRequiredService<MasterKey>(), sp.GetRequiredService<AuditOptions>().Origin));
        services.TryAddSingleton(sp => new AuditHasher(sp.GetRequiredService<MasterKey>()));
        services.TryAddSingleton<AuditCheckpoints>();
        services.TryAddSingleton<IAuditTrail, AuditTrail>();
        services.TryAddSingleton(sp => new ReadAuditBatcher(
            sp.GetRequiredService<IDbContextFactory<CustodianDbContext>>(),
            sp.GetRequiredService<IAuditTrail>(),
            sp.GetService<ILogger<ReadAuditBatcher>>()));
        services.TryAddSingleton<AuditVerifier>();
        services.TryAddSingleton<AuditOperations>();
        services.TryAddSingleton<AuditSearch>();
        return services;
    }
}
