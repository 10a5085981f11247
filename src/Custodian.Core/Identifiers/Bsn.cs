using System.Text.RegularExpressions;

namespace Custodian.Core.Identifiers;

/// <summary>Where a BSN candidate sits in a text. Deliberately without the digits, so it can be logged.</summary>
internal readonly record struct BsnMatch(int Index, int Length);

/// <summary>
/// Detects Dutch citizen service numbers (BSN) so they can be refused or redacted. <b>A BSN is never stored</b>:
/// the product has no legal basis to process it (UAVG art. 46), so there is deliberately no normalisation for it
/// and no <see cref="IdentifierKind"/>; use this class only to reject input that contains one or to blank it out.
/// </summary>
/// <remarks>
/// The test is the 11-proef: 9 digits d1…d9 with 9·d1 + 8·d2 + … + 2·d8 − d9 ≡ 0 (mod 11), not all zero. Passing it
/// does not mean the number was issued, and about 1 in 11 random 9-digit numbers passes, so scanning text yields false
/// positives; for redaction that is the safe side.
/// </remarks>
internal static partial class Bsn
{
    /// <summary>What <see cref="Redact(string)"/> puts in place of a candidate.</summary>
    public const string RedactionMarker = "[BSN]";

    /// <summary>
    /// True for 9 ASCII digits (or 8, read with a leading 0) that pass the 11-proef. Surrounding whitespace is
    /// ignored; separators are not (use <see cref="FindCandidates"/> on free text).
    /// </summary>
    public static bool IsValid(string? value)
    {
        var s = value?.Trim();
        if (s is null || s.Length is not (8 or 9) || !s.All(char.IsAsciiDigit))
        {
            return false;
        }

        return PassesElevenTest(s.Length == 8 ? "0" + s : s);
    }

    /// <summary>
    /// The places in <paramref name="text"/> holding a number that passes the 11-proef, written as 9 digits
    /// (<c>123456782</c>), in the notation of Dutch identity documents (<c>1234.56.782</c>) or in groups of three
    /// separated by spaces, dots or hyphens (<c>123 456 782</c>).
    /// </summary>
    /// <remarks>
    /// A candidate is never part of a longer run of digits, nor of a longer grouped number (<c>123 456 782 111</c>).
    /// Letters next to it do not matter, because the old Dutch VAT numbers of sole traders embed the BSN
    /// (<c>NL123456782B01</c>). Eight-digit forms and non-ASCII digits are not scanned: 8-digit runs (dates, order
    /// numbers) would bury the real hits in false positives.
    /// </remarks>
    public static IReadOnlyList<BsnMatch> FindCandidates(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var found = new List<BsnMatch>();
        foreach (Match m in CandidatePattern().Matches(text))
        {
            var digits = string.Concat(m.Value.Where(char.IsAsciiDigit));
            if (PassesElevenTest(digits))
            {
                found.Add(new BsnMatch(m.Index, m.Length));
            }
        }

        return found;
    }

    /// <summary>Replaces every <see cref="FindCandidates"/> hit with <see cref="RedactionMarker"/>.</summary>
    public static string Redact(string text) => Redact(text, RedactionMarker);

    /// <summary>Replaces every <see cref="FindCandidates"/> hit with <paramref name="replacement"/>.</summary>
    public static string Redact(string text, string replacement)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(replacement);
        var matches = FindCandidates(text);
        if (matches.Count == 0)
        {
            return text;
        }

        var sb = new System.Text.StringBuilder(text.Length);
        var position = 0;
        foreach (var m in matches)
        {
            sb.Append(text, position, m.Index - position).Append(replacement);
            position = m.Index + m.Length;
        }

        return sb.Append(text, position, text.Length - position).ToString();
    }

    private static bool PassesElevenTest(string nineDigits)
    {
        if (IdentifierText.IsAllZero(nineDigits))
        {
            return false;
        }

        var sum = 0;
        for (var i = 0; i < 8; i++)
        {
            sum += (9 - i) * (nineDigits[i] - '0');
        }

        sum -= nineDigits[8] - '0';
        return sum % 11 == 0;
    }

    // One alternative per written form; each refuses to start or end inside a longer digit run or grouped number.
    [GeneratedRegex(
        """
        (?<![0-9])
        (?:
            [0-9]{9}(?![0-9])
          | (?<![0-9]\.)[0-9]{4}\.[0-9]{2}\.[0-9]{3}(?![0-9]|\.[0-9])
          | (?<![0-9][ ])[0-9]{3}[ ][0-9]{3}[ ][0-9]{3}(?![0-9]|[ ][0-9])
          | (?<![0-9]\.)[0-9]{3}\.[0-9]{3}\.[0-9]{3}(?![0-9]|\.[0-9])
          | (?<![0-9]-)[0-9]{3}-[0-9]{3}-[0-9]{3}(?![0-9]|-[0-9])
        )
        """,
        RegexOptions.IgnorePatternWhitespace | RegexOptions.CultureInvariant)]
    private static partial Regex CandidatePattern();
}
