using System.Text.RegularExpressions;
using Custodian.Core.Identifiers;

namespace Custodian.Core.Features.Subjects;

/// <summary>
/// Guesses the kind of a searched identifier from its shape when the caller does not say: '@' → e-mail; six hex pairs
/// → MAC; dotted quad or IPv6 → IP; digits: 15 with a valid Luhn digit → IMEI, 18–20 starting 89 → ICCID, otherwise a
/// phone number (also with a leading '+'); anything else is a name. Pass the kind explicitly where the guess can be
/// wrong (a 15-digit phone number that happens to pass Luhn).
/// </summary>
internal static partial class SubjectKindDetection
{
    public static SubjectIdentifierKind Infer(string input)
    {
        var text = input.Trim();
        if (text.Contains('@', StringComparison.Ordinal))
        {
            return SubjectIdentifierKind.Email;
        }

        if (MacPattern().IsMatch(text))
        {
            return SubjectIdentifierKind.Mac;
        }

        if (Ipv4Pattern().IsMatch(text) || (text.Contains(':', StringComparison.Ordinal) && Ipv6Pattern().IsMatch(text)))
        {
            return SubjectIdentifierKind.Ip;
        }

        if (PhoneLikePattern().IsMatch(text))
        {
            var digits = new string([.. text.Where(char.IsAsciiDigit)]);
            if (!text.StartsWith('+'))
            {
                if (digits.Length == 15 && Luhn.IsValid(digits))
                {
                    return SubjectIdentifierKind.Imei;
                }

                if (digits.Length is >= 18 and <= 20 && digits.StartsWith("89", StringComparison.Ordinal))
                {
                    return SubjectIdentifierKind.Iccid;
                }
            }

            return SubjectIdentifierKind.Phone;
        }

        return SubjectIdentifierKind.Name;
    }

    [GeneratedRegex("^[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(\\1[0-9A-Fa-f]{2}){4}$|^[0-9A-Fa-f]{4}\\.[0-9A-Fa-f]{4}\\.[0-9A-Fa-f]{4}$|^[0-9A-Fa-f]{12}$", RegexOptions.CultureInvariant)]
    private static partial Regex MacPattern();

    [GeneratedRegex("^\\d{1,3}(\\.\\d{1,3}){3}$", RegexOptions.CultureInvariant)]
    private static partial Regex Ipv4Pattern();

    [GeneratedRegex("^[0-9A-Fa-f:.]+$", RegexOptions.CultureInvariant)]
    private static partial Regex Ipv6Pattern();

    [GeneratedRegex("^\\+?[0-9 ()./-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex PhoneLikePattern();
}
