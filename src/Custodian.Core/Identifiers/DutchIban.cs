using System.Globalization;
using System.Text.RegularExpressions;

namespace Custodian.Core.Identifiers;

/// <summary>
/// Dutch IBAN (ISO 13616): <c>NL</c> + 2 check digits + 4-letter bank code + 10-digit account number, 18 characters,
/// mod-97 check = 1. Spaces and lower case are accepted; canonical form is compact upper case.
/// </summary>
internal static partial class DutchIban
{
    private const string Prefix = "identifier.iban";

    public static IdentifierResult Normalize(string? input)
    {
        if (IdentifierText.Prepare(input, Prefix, "IBAN", 50, out var trimmed) is { } error)
        {
            return IdentifierResult.Failure(error);
        }

        var compact = trimmed.Replace(" ", string.Empty, StringComparison.Ordinal);
        if (!compact.All(char.IsAsciiLetterOrDigit))
        {
            return IdentifierResult.Failure(
                $"{Prefix}.characters",
                "An IBAN may only contain the letters A-Z and the digits 0-9, optionally grouped with spaces; remove any other characters.");
        }

        compact = compact.ToUpperInvariant();
        if (!compact.StartsWith("NL", StringComparison.Ordinal))
        {
            return IdentifierResult.Failure(
                $"{Prefix}.country",
                "Only Dutch IBANs are accepted here; a Dutch IBAN starts with NL.");
        }

        if (compact.Length != 18)
        {
            return IdentifierResult.Failure(
                $"{Prefix}.length",
                string.Create(CultureInfo.InvariantCulture,
                    $"A Dutch IBAN has 18 characters (NL, 2 check digits, 4-letter bank code, 10 digits); this value has {compact.Length}. Check for a missing or extra character."));
        }

        if (!DutchLayout().IsMatch(compact))
        {
            return IdentifierResult.Failure(
                $"{Prefix}.format",
                "A Dutch IBAN is NL, 2 check digits, a 4-letter bank code and a 10-digit account number, such as NL91 ABNA 0417 1643 00; check the value.");
        }

        if (Mod97(compact) != 1)
        {
            return IdentifierResult.Failure(
                $"{Prefix}.checksum",
                "The IBAN's check digits do not match the rest of the number; it was probably mistyped. Copy it again from a bank statement.");
        }

        return IdentifierResult.Success(compact);
    }

    /// <summary>Groups of four for display: <c>NL91 ABNA 0417 1643 00</c>. Accepts any valid input form.</summary>
    /// <exception cref="ArgumentException">The value is not a valid Dutch IBAN.</exception>
    public static string FormatForDisplay(string iban)
    {
        var result = Normalize(iban);
        if (!result.IsValid)
        {
            throw new ArgumentException($"Not a valid Dutch IBAN ({result.Error.Code}).", nameof(iban));
        }

        return string.Join(' ', result.Value.Chunk(4).Select(c => new string(c)));
    }

    /// <summary>ISO 7064 mod 97-10 over the rearranged IBAN, digit by digit so no big integers are needed.</summary>
    private static int Mod97(string iban)
    {
        var remainder = 0;
        foreach (var c in iban[4..] + iban[..4])
        {
            if (char.IsAsciiDigit(c))
            {
                remainder = ((remainder * 10) + (c - '0')) % 97;
            }
            else
            {
                // A = 10 … Z = 35: two decimal digits.
                remainder = ((remainder * 100) + (c - 'A' + 10)) % 97;
            }
        }

        return remainder;
    }

    [GeneratedRegex("^NL[0-9]{2}[A-Z]{4}[0-9]{10}$", RegexOptions.CultureInvariant)]
    private static partial Regex DutchLayout();
}
