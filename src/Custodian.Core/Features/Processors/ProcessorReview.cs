using Custodian.Core.Features.Register;
using NodaTime;

namespace Custodian.Core.Features.Processors;

/// <summary>A warning about one processor that depends on the day it is checked (PRC-1, PRC-3, PRC-4).</summary>
/// <param name="ProcessorId">The processor's id in the register.</param>
/// <param name="Code">A <see cref="RegisterCodes"/> code.</param>
/// <param name="Message">English, names the date and what to do.</param>
/// <param name="Line">The processor's line in the register file (0 when unknown).</param>
internal sealed record ProcessorWarning(string ProcessorId, string Code, string Message, int Line);

/// <summary>
/// The date-dependent checks of the processor register. The loader cannot make them (it has no clock and a register
/// must not become invalid overnight), so <c>register check</c> and the back office run them with today's date:
/// a review due within the horizon or past, a processor without review date or agreement, an EU–US DPF certification
/// check or a transfer impact assessment older than a year. Missing mechanisms outside the EEA and adequacy for a
/// country not on the list are the loader's errors already (the register does not load with them).
/// </summary>
internal static class ProcessorReview
{
    /// <summary>The default look-ahead for "review due soon".</summary>
    public static readonly Period DefaultHorizon = Period.FromDays(30);

    /// <summary>How old a DPF check or TIA may get before it is redone.</summary>
    public static readonly Period MaxEvidenceAge = Period.FromYears(1);

    public static IReadOnlyList<ProcessorWarning> Check(ProcessingRegister register, LocalDate today, Period horizon)
    {
        ArgumentNullException.ThrowIfNull(register);
        ArgumentNullException.ThrowIfNull(horizon);
        var warnings = new List<ProcessorWarning>();
        var soon = today.Plus(horizon);
        var staleBefore = today.Minus(MaxEvidenceAge);
        foreach (var p in register.Processors)
        {
            var d = p.Details;
            void Warn(string code, string message) => warnings.Add(new ProcessorWarning(p.Id, code, message, d.Line));
            if (d.NextReviewDue is not { } due)
            {
                Warn(RegisterCodes.ProcessorReviewMissing, $"processor `{p.Id}` has no `next_review` date; plan its next review (PRC-1).");
            }
            else if (due < today)
            {
                Warn(RegisterCodes.ProcessorReviewDue, $"the review of processor `{p.Id}` was due on {due}; review it and update `last_reviewed` and `next_review`.");
            }
            else if (due <= soon)
            {
                Warn(RegisterCodes.ProcessorReviewDue, $"the review of processor `{p.Id}` is due on {due}, within {horizon.Days} days.");
            }

            if (d.Agreement is null)
            {
                Warn(RegisterCodes.ProcessorAgreementMissing, $"processor `{p.Id}` names no `agreement` (reference and signed date): GDPR 28(3) requires a contract.");
            }

            if (p.TransferMechanism is { Type: TransferMechanismType.EuUsDpf, CertificationChecked: { } checkedOn } && checkedOn < staleBefore)
            {
                Warn(RegisterCodes.DpfCheckStale, $"the DPF certification of processor `{p.Id}` was last checked on {checkedOn}, more than a year ago; check the DPF list again (PRC-3).");
            }

            if (p.TransferMechanism is { TransferImpactAssessment: { } tia } && tia < staleBefore)
            {
                Warn(RegisterCodes.TiaStale, $"the transfer impact assessment of processor `{p.Id}` dates from {tia}, more than a year ago; redo it (PRC-4).");
            }
        }

        return warnings;
    }
}
