using System.Globalization;

namespace Custodian.Core.Identifiers;

/// <summary>
/// IMEI (3GPP TS 23.003): 15 digits = TAC (8) + serial (6) + Luhn check digit. An IMEISV (16 digits = TAC + serial +
/// 2-digit software version, no check digit) is accepted and converted to the IMEI of the same device.
/// </summary>
internal static class Imei
{
    private const string Prefix = "identifier.imei";
    private const string Name = "IMEI";

    /// <summary>Notice code set on the result when a 16-digit IMEISV was converted.</summary>
    public const string ConvertedFromImeisvCode = "identifier.imei.converted_from_imeisv";

    /// <summary>Canonical form: 15 ASCII digits. Spaces and hyphens in the input are ignored.</summary>
    public static IdentifierResult Normalize(string? input)
    {
        if (IdentifierText.PrepareDigits(input, Prefix, Name, 40, out var digits) is { } error)
        {
            return IdentifierResult.Failure(error);
        }

        if (digits.Length is not (15 or 16))
        {
            return IdentifierResult.Failure(
                $"{Prefix}.length",
                string.Create(CultureInfo.InvariantCulture,
                    $"An IMEI has 15 digits (or 16 for an IMEISV); this value has {digits.Length}. Check for a missing or extra digit."));
        }

        if (IdentifierText.IsAllZero(digits))
        {
            return IdentifierResult.Failure($"{Prefix}.all_zero", "An IMEI of all zeros is a placeholder, not a device; enter the device's real IMEI.");
        }

        if (digits.Length == 16)
        {
            // IMEISV: TAC + SNR + SVN. The SVN identifies the software release, not the device, so the device's IMEI
            // is the first 14 digits plus a freshly computed check digit.
            var imei = string.Concat(digits.AsSpan(0, 14), [Luhn.ComputeCheckDigit(digits.AsSpan(0, 14))]);
            return IdentifierResult.Success(imei, new IdentifierNotice(
                ConvertedFromImeisvCode,
                "The value is a 16-digit IMEISV; it was converted to the device's 15-digit IMEI by dropping the software version and computing the check digit."));
        }

        if (!Luhn.IsValid(digits))
        {
            return IdentifierResult.Failure(
                $"{Prefix}.checksum",
                "The IMEI's last digit does not match the Luhn check digit of the first 14 digits; the IMEI was probably mistyped. Copy it again from the device (*#06#) or the box.");
        }

        return IdentifierResult.Success(digits);
    }

    /// <summary>The Luhn check digit for the 14-digit TAC + serial number.</summary>
    public static char ComputeCheckDigit(string tacAndSerial)
    {
        ArgumentNullException.ThrowIfNull(tacAndSerial);
        if (tacAndSerial.Length != 14 || !tacAndSerial.All(char.IsAsciiDigit))
        {
            throw new ArgumentException("Expected 14 ASCII digits (TAC + serial number).", nameof(tacAndSerial));
        }

        return Luhn.ComputeCheckDigit(tacAndSerial);
    }
}
