using System.Globalization;

namespace Custodian.Core.Identifiers;

/// <summary>Per-source settings for ICCID validation.</summary>
/// <param name="VerifyCheckDigit">
/// Luhn-check the last digit (the default). Turn off only for a source known to deliver ICCIDs without the check digit:
/// the length rule (18–20 digits) still applies, so such values are stored as delivered.
/// </param>
internal sealed record IccidOptions(bool VerifyCheckDigit = true)
{
    public static IccidOptions Default { get; } = new();
}

/// <summary>
/// ICCID (ITU-T E.118 SIM card number): <c>89</c> (telecom) + country code (NL = 31) + issuer + account number +
/// Luhn check digit; 18–20 digits in practice (19 or 20 printed on cards, some datasets omit the check digit).
/// </summary>
internal static class Iccid
{
    private const string Prefix = "identifier.iccid";
    private const string Name = "ICCID";

    /// <summary>Notice code set when the check digit was not verified because of <see cref="IccidOptions.VerifyCheckDigit"/>.</summary>
    public const string CheckDigitNotVerifiedCode = "identifier.iccid.check_digit_not_verified";

    public static IdentifierResult Normalize(string? input) => Normalize(input, IccidOptions.Default);

    /// <summary>Canonical form: the ASCII digits only (spaces and hyphens in the input are ignored).</summary>
    public static IdentifierResult Normalize(string? input, IccidOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (IdentifierText.PrepareDigits(input, Prefix, Name, 50, out var digits) is { } error)
        {
            return IdentifierResult.Failure(error);
        }

        if (digits.Length is < 18 or > 20)
        {
            return IdentifierResult.Failure(
                $"{Prefix}.length",
                string.Create(CultureInfo.InvariantCulture,
                    $"An ICCID has 18 to 20 digits (usually 19 or 20); this value has {digits.Length}. Copy the full number printed on the SIM card."));
        }

        if (!digits.StartsWith("89", StringComparison.Ordinal))
        {
            return IdentifierResult.Failure(
                $"{Prefix}.prefix",
                "An ICCID starts with 89 (the telecom industry identifier; Dutch SIMs start with 8931); check that this is the SIM card number and not another number on the card.");
        }

        if (!options.VerifyCheckDigit)
        {
            return IdentifierResult.Success(digits, new IdentifierNotice(
                CheckDigitNotVerifiedCode,
                "The ICCID's check digit was not verified because this source delivers ICCIDs without one."));
        }

        if (!Luhn.IsValid(digits))
        {
            return IdentifierResult.Failure(
                $"{Prefix}.checksum",
                "The ICCID's last digit does not match the Luhn check digit of the preceding digits; the number was probably mistyped or truncated. Copy it again from the SIM card.");
        }

        return IdentifierResult.Success(digits);
    }
}
