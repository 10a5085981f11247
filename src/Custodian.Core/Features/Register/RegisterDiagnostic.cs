using System.Globalization;

namespace Custodian.Core.Features.Register;

internal enum DiagnosticSeverity
{
    Error,
    Warning,
}

/// <summary>One problem in a register file, at a 1-based line and column, in the compiler-style format editors link.</summary>
internal sealed record RegisterDiagnostic(string File, int Line, int Column, DiagnosticSeverity Severity, string Code, string Message)
{
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{File}:{Line}:{Column}: {(Severity == DiagnosticSeverity.Error ? "error" : "warning")} {Code}: {Message}");
}

/// <summary>The stable codes of <see cref="RegisterDiagnostic"/>. Tools and tests key on these, so never rename one.</summary>
internal static class RegisterCodes
{
    public const string FileNotFound = "register.file_not_found";
    public const string YamlSyntax = "register.yaml_syntax";
    public const string UnknownKey = "register.unknown_key";
    public const string MissingKey = "register.missing_key";
    public const string InvalidType = "register.invalid_type";
    public const string InvalidValue = "register.invalid_value";
    public const string InvalidId = "register.invalid_id";
    public const string InvalidDate = "register.invalid_date";
    public const string InvalidPeriod = "register.invalid_period";
    public const string DuplicateId = "register.duplicate_id";
    public const string UndefinedReference = "register.undefined_reference";
    public const string StatuteRequired = "register.statute_required";
    public const string InterestRequired = "register.interest_required";
    public const string ReferenceNotAllowed = "register.reference_not_allowed";
    public const string TransferMechanismRequired = "register.transfer_mechanism_required";
    public const string AdequacyNotListed = "register.adequacy_not_listed";
    public const string TransferMechanismInvalid = "register.transfer_mechanism_invalid";
    public const string PortabilityNotAllowed = "register.portability_not_allowed";
    public const string PortabilityRequired = "register.portability_required";
    public const string AutomatedDecisionMaking = "register.automated_decision_making";
    public const string ClientRetentionBoundsRequired = "register.client_retention_bounds_required";
    public const string RetentionBoundsOrder = "register.retention_bounds_order";
    public const string RetentionKeyNotAllowed = "register.retention_key_not_allowed";
    public const string RightMissing = "register.right_missing";
    public const string LegalReview = "register.legal_review";

    // Processors and transfers (issue 7 §4).
    public const string TransferMechanismIncomplete = "register.transfer_mechanism_incomplete";
    public const string ObjectionWindowShort = "register.objection_window_short";
    public const string ProcessorReviewDue = "register.processor_review_due";
    public const string ProcessorReviewMissing = "register.processor_review_missing";
    public const string ProcessorAgreementMissing = "register.processor_agreement_missing";
    public const string DpfCheckStale = "register.dpf_check_stale";
    public const string TiaStale = "register.tia_stale";
}

internal sealed record RegisterLoadResult(ProcessingRegister? Register, IReadOnlyList<RegisterDiagnostic> Diagnostics)
{
    public bool HasErrors => Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);

    public IEnumerable<RegisterDiagnostic> Errors => Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error);

    public IEnumerable<RegisterDiagnostic> Warnings => Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Warning);
}
