using Custodian.Configuration;
using Custodian.Core.Features.Audit;

namespace Custodian.Features.Audit;

/// <summary>Maps the resolved settings onto <see cref="AuditOptions"/>; every command that appends or verifies uses it, so all agree on the origin.</summary>
internal static class AuditSettings
{
    public static Action<AuditOptions> Configure(CustodianSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return o =>
        {
            o.Origin = settings.AuditOrigin;
            o.ExportDirectory = settings.AuditCheckpointExport;
        };
    }
}
