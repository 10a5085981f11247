using Custodian.Core.Features.Register;
using NodaTime;

namespace Custodian.Core.Features.Processors;

/// <summary>One processor as the back office lists it, with its warnings of the day.</summary>
/// <param name="Processor">The register entry.</param>
/// <param name="Parent">The parent processor for a sub-processor, else null.</param>
/// <param name="InEea">Whether its country is in the EEA (then no transfer mechanism is needed).</param>
/// <param name="Warnings">The <see cref="ProcessorReview"/> warnings for it.</param>
internal sealed record ProcessorRow(Processor Processor, Processor? Parent, bool InEea, IReadOnlyList<ProcessorWarning> Warnings);

/// <summary>The processor page's data: every processor (parents before their sub-processors) and the sub-processor terms.</summary>
internal sealed record ProcessorOverview(LocalDate Today, Period Horizon, IReadOnlyList<ProcessorRow> Rows, SubProcessorChanges? SubProcessorChanges)
{
    public static ProcessorOverview Build(ProcessingRegister register, LocalDate today, Period horizon)
    {
        ArgumentNullException.ThrowIfNull(register);
        var warnings = ProcessorReview.Check(register, today, horizon).ToLookup(w => w.ProcessorId, StringComparer.Ordinal);
        var byId = register.Processors.ToDictionary(p => p.Id, StringComparer.Ordinal);
        var rows = register.Processors
            .OrderBy(p => p.Details.ParentId ?? p.Id, StringComparer.Ordinal).ThenBy(p => p.Details.ParentId is null ? 0 : 1).ThenBy(p => p.Id, StringComparer.Ordinal)
            .Select(p => new ProcessorRow(
                p,
                p.Details.ParentId is { } parent && byId.TryGetValue(parent, out var found) ? found : null,
                register.Countries.IsInEea(p.Country),
                [.. warnings[p.Id]]))
            .ToList();
        return new ProcessorOverview(today, horizon, rows, register.SubProcessorChanges);
    }
}
