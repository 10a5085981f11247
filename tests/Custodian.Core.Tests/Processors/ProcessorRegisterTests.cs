using Custodian.Core.Features.Processors;
using Custodian.Core.Features.Register;
using Custodian.Core.Tests.Register;
using NodaTime;
using Xunit;

namespace Custodian.Core.Tests.Processors;

/// <summary>The processor register's new facts and the date-dependent warnings of <c>register check</c>.</summary>
public sealed class ProcessorRegisterTests
{
    private static readonly LocalDate Today = new(2026, 11, 29);

    private static ProcessingRegister Mutated(string oldText, string newText)
    {
        var text = RegisterFiles.ShippedRegisterText;
        Assert.Contains(oldText, text, StringComparison.Ordinal);
        var result = RegisterLoader.Load(text.Replace(oldText, newText, StringComparison.Ordinal), "register.yaml");
        Assert.False(result.HasErrors, string.Join("\n", result.Errors));
        return result.Register!;
    }

    [Fact]
    public void Load_ShippedRegister_ReadsAgreementParentReviewAndSubProcessorTerms()
    {
        var register = RegisterLoader.LoadFile(RegisterFiles.ShippedRegisterPath).Register!;
        var recording = register.Processors.Single(p => p.Id == "call_recording_uk");
        Assert.Equal("hosting_nl", recording.Details.ParentId);
        Assert.Equal(new ProcessorAgreement("EXAMPLE-SUB-DPA-RECORDING", new LocalDate(2025, 2, 1)), recording.Details.Agreement);
        Assert.Equal(new LocalDate(2027, 2, 1), recording.Details.NextReviewDue);
        Assert.Equal((SubProcessorAuthorisation.General, 30), (register.SubProcessorChanges!.Authorisation, register.SubProcessorChanges.ObjectionWindowDays));
    }

    [Fact]
    public void Check_ShippedRegisterNovember2026_WarnsDueReviewAndStaleDpfCheckOnly()
    {
        var register = RegisterLoader.LoadFile(RegisterFiles.ShippedRegisterPath).Register!;
        var warnings = ProcessorReview.Check(register, Today, ProcessorReview.DefaultHorizon);
        Assert.Equal(
            [("support_desk_saas", RegisterCodes.ProcessorReviewDue), ("support_desk_saas", RegisterCodes.DpfCheckStale)],
            warnings.Select(w => (w.ProcessorId, w.Code)));
        Assert.All(warnings, w => Assert.True(w.Line > 0));
    }

    [Fact]
    public void Check_ReviewWithinHorizonAndOldTia_WarnsBoth()
    {
        var register = Mutated(
            "    transfer_mechanism: { type: adequacy }\n",
            "    transfer_mechanism: { type: scc, module: p2p, transfer_impact_assessment: 2025-06-01 }\n");
        var soon = Mutated("    next_review: 2027-02-01\n", "    next_review: 2026-12-10\n");
        Assert.Contains(ProcessorReview.Check(register, Today, ProcessorReview.DefaultHorizon), w => w is { ProcessorId: "call_recording_uk", Code: RegisterCodes.TiaStale });
        Assert.Contains(ProcessorReview.Check(soon, Today, Period.FromDays(30)), w => w is { ProcessorId: "call_recording_uk", Code: RegisterCodes.ProcessorReviewDue });
        Assert.DoesNotContain(ProcessorReview.Check(soon, Today, Period.FromDays(5)), w => w is { ProcessorId: "call_recording_uk", Code: RegisterCodes.ProcessorReviewDue });
    }

    [Fact]
    public void Load_BadMechanismsAndParent_ErrorsAtTheirLines()
    {
        var text = RegisterFiles.ShippedRegisterText;
        string[] codes(string oldText, string newText) =>
            [.. RegisterLoader.Load(text.Replace(oldText, newText, StringComparison.Ordinal), "r.yaml").Errors.Select(e => e.Code)];

        Assert.Contains(RegisterCodes.InvalidValue, codes("    transfer_mechanism: { type: adequacy }\n", "    transfer_mechanism: { type: scc, module: x9, transfer_impact_assessment: 2026-01-01 }\n"));
        Assert.Contains(RegisterCodes.MissingKey, codes("    transfer_mechanism: { type: adequacy }\n", "    transfer_mechanism: { type: derogation }\n"));
        Assert.Contains(RegisterCodes.UndefinedReference, codes("    sub_processor_of: hosting_nl\n", "    sub_processor_of: nobody\n"));
        Assert.Contains(RegisterCodes.AdequacyNotListed, codes("    country: GB\n", "    country: CN\n"));
        Assert.Contains(RegisterCodes.TransferMechanismRequired, codes("    transfer_mechanism: { type: adequacy }\n", string.Empty));
    }

    [Fact]
    public void Load_PendingChangeWithShortDeadline_WarnsObjectionWindow()
    {
        var result = RegisterLoader.Load(RegisterFiles.ShippedRegisterText.Replace(
            "  pending: []\n",
            "  pending:\n    - { processor: call_recording_uk, change: add, announced: 2026-11-01, objection_deadline: 2026-11-15 }\n",
            StringComparison.Ordinal), "r.yaml");
        Assert.False(result.HasErrors);
        Assert.Contains(result.Warnings, w => w.Code == RegisterCodes.ObjectionWindowShort);
        Assert.Equal("call_recording_uk", Assert.Single(result.Register!.SubProcessorChanges!.Pending).ProcessorId);
    }

    [Fact]
    public void CheckFile_WithToday_AddsDatedWarningsAsDiagnostics()
    {
        var result = RegisterCheck.File(RegisterFiles.ShippedRegisterPath, Today, ProcessorReview.DefaultHorizon);
        Assert.True(result.IsValid);
        Assert.Contains(result.Diagnostics, d => d.Code == RegisterCodes.DpfCheckStale && d.Severity == DiagnosticSeverity.Warning);
    }
}
