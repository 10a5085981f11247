using System.Text.RegularExpressions;

namespace Custodian.Core.Identifiers;

/// <summary>
/// Dutch postcode: four digits not starting with 0, an optional space, two letters; the letter pairs SA, SD and SS
/// are not issued. Case-insensitive input; canonical form <c>1234 AB</c>.
/// </summary>
internal static partial class DutchPostcode
{
    private const string Prefix = "identifier.postcode";

    public static IdentifierResult Normalize(string? input)
    {
        if (IdentifierText.Prepare(input, Prefix, "postcode", 20, out var trimmed) is { } error)
        {
            return IdentifierResult.Failure(error);
        }

        // ASCII first: upper-casing maps some non-ASCII letters (such as the dotless i) onto A-Z.
        if (!IdentifierText.IsAscii(trimmed))
        {
            return Invalid();
        }

        var upper = trimmed.ToUpperInvariant();
        var match = PostcodePattern().Match(upper);
        if (!match.Success)
        {
            return Invalid();
        }

        if (match.Groups["letters"].Value is "SA" or "SD" or "SS")
        {
            return IdentifierResult.Failure(
                $"{Prefix}.letters",
                "Dutch postcodes never end in SA, SD or SS; check the two letters.");
        }

        return IdentifierResult.Success($"{match.Groups["digits"].Value} {match.Groups["letters"].Value}");
    }

    private static IdentifierResult Invalid() => IdentifierResult.Failure(
        $"{Prefix}.format",
        "A Dutch postcode is four digits (not starting with 0) followed by two letters, such as 1234 AB; check the value.");

    // [0-9] rather than \d: \d also matches non-ASCII digits.
    [GeneratedRegex("^(?<digits>[1-9][0-9]{3}) ?(?<letters>[A-Z]{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex PostcodePattern();
}
