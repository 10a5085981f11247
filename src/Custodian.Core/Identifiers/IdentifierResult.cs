using System.Diagnostics.CodeAnalysis;

namespace Custodian.Core.Identifiers;

/// <summary>
/// Why a value was rejected. <see cref="Code"/> is stable (dotted, e.g. <c>identifier.imei.checksum</c>) so the API,
/// the UI and importers can key on it; <see cref="Message"/> is English prose naming the rule and how to fix the input.
/// </summary>
/// <remarks>Messages never repeat the rejected value: identifiers are personal data and errors end up in logs.</remarks>
internal sealed record IdentifierError(string Code, string Message);

/// <summary>
/// Something a caller may want to tell the user although the value was accepted, e.g. that an IMEISV was converted
/// to an IMEI or that an ICCID's check digit was not verified.
/// </summary>
internal sealed record IdentifierNotice(string Code, string Message);

/// <summary>
/// Outcome of validating and normalising one identifier: either the canonical <see cref="Value"/> or an
/// <see cref="Error"/>. Check <see cref="IsValid"/> first; the nullability attributes make the compiler enforce that.
/// </summary>
internal sealed record IdentifierResult
{
    private IdentifierResult(string? value, IdentifierError? error, IdentifierNotice? notice)
    {
        Value = value;
        Error = error;
        Notice = notice;
    }

    /// <summary>The canonical form to store and compare; set when <see cref="IsValid"/> is true.</summary>
    public string? Value { get; }

    /// <summary>Set when <see cref="IsValid"/> is false.</summary>
    public IdentifierError? Error { get; }

    /// <summary>Optional remark on an accepted value (never set on a failure).</summary>
    public IdentifierNotice? Notice { get; }

    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsValid => Error is null;

    public static IdentifierResult Success(string value, IdentifierNotice? notice = null)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new IdentifierResult(value, null, notice);
    }

    public static IdentifierResult Failure(string code, string message) =>
        new(null, new IdentifierError(code, message), null);

    public static IdentifierResult Failure(IdentifierError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new IdentifierResult(null, error, null);
    }

    // The generated record ToString would print the value, and results get logged; identifiers are personal data.
    public override string ToString() =>
        IsValid ? "IdentifierResult { IsValid = True }" : $"IdentifierResult {{ IsValid = False, Code = {Error.Code} }}";
}
