using System.Text.RegularExpressions;
using Custodian.Core.Identifiers;

namespace Custodian.Core.Features.Requests.IdCopies;

/// <summary>
/// Looks for a readable BSN in OCR text: every form <see cref="Bsn.FindCandidates"/> knows (9 digits, 1234.56.782,
/// 123 456 782), plus a number after a BSN label ("persoonsnummer", "pers. no.", "BSN", "burgerservicenummer") whose
/// digits OCR split or grouped irregularly. Only says whether there is one; the number itself is never returned, so it
/// cannot end up in a log, a message or the database.
/// </summary>
internal static partial class BsnScan
{
    public static bool ContainsBsn(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Bsn.FindCandidates(text).Count > 0)
        {
            return true;
        }

        foreach (Match m in LabelledNumber().Matches(text))
        {
            var digits = string.Concat(m.Groups["number"].Value.Where(char.IsAsciiDigit));
            if (digits.Length is 8 or 9 && Bsn.IsValid(digits))
            {
                return true;
            }
        }

        return false;
    }

    // The label, up to a few non-digit characters (":", " ", "."), then 8–9 digits with any single separators between them.
    [GeneratedRegex(
        """
        (?:persoonsnummer|pers\.?\s?(?:nmb|nr|no|nummer)\.?|bsn|burgerservicenummer|citizen\s+service\s+number)
        [^0-9\n]{0,4}
        (?<number>[0-9](?:[ .\-]?[0-9]){7,8})(?![0-9])
        """,
        RegexOptions.IgnoreCase | RegexOptions.IgnorePatternWhitespace | RegexOptions.CultureInvariant)]
    private static partial Regex LabelledNumber();
}
