using System.Globalization;
using System.Net.Mail;

namespace Custodian.Core.Identifiers;

/// <summary>
/// Pragmatic e-mail address checks for contact addresses: one <c>@</c>, no display name, no whitespace, no quoted
/// local parts or address literals, and a domain name with at least one dot (internationalised names allowed).
/// Canonical form keeps the local part as typed (the receiving server decides whether it is case-sensitive) and
/// writes the domain in lower case, in Unicode for internationalised names (<c>xn--bcher-kva.example</c> and
/// <c>Bücher.example</c> both become <c>bücher.example</c>) so the same mailbox is stored one way.
/// </summary>
/// <remarks>Deliberately not a full RFC 5322 parser; it refuses rare legal forms nobody gives as a contact address.</remarks>
internal static class Email
{
    private const string Prefix = "identifier.email";

    // RFC 5321 path limit minus the angle brackets; local part limit from RFC 5321 §4.5.3.1.1.
    private const int MaxLength = 254;
    private const int MaxLocalLength = 64;

    // RFC 5322 atext besides letters and digits.
    private const string AtextSymbols = "!#$%&'*+/=?^_`{|}~-";

    public static IdentifierResult Normalize(string? input)
    {
        if (IdentifierText.Prepare(input, Prefix, "e-mail address", MaxLength, out var trimmed) is { } error)
        {
            return IdentifierResult.Failure(error);
        }

        if (trimmed.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            return IdentifierResult.Failure(
                $"{Prefix}.whitespace",
                "An e-mail address cannot contain spaces or other whitespace; remove them (a name before the address is not accepted either).");
        }

        var at = trimmed.IndexOf('@', StringComparison.Ordinal);
        if (at < 0 || trimmed.IndexOf('@', at + 1) >= 0)
        {
            return IdentifierResult.Failure(
                $"{Prefix}.at_sign",
                "An e-mail address has exactly one @ between the mailbox name and the domain, such as name@example.com.");
        }

        var local = trimmed[..at];
        var domain = trimmed[(at + 1)..];

        if (local.Length is 0 or > MaxLocalLength
            || local.StartsWith('.') || local.EndsWith('.') || local.Contains("..", StringComparison.Ordinal)
            || !local.All(IsLocalPartChar))
        {
            return IdentifierResult.Failure(
                $"{Prefix}.local_part",
                "The part before the @ must be 1 to 64 characters of letters, digits and . ! # $ % & ' * + / = ? ^ _ ` { | } ~ -, without a leading, trailing or double dot, quotes or angle brackets.");
        }

        // A fresh mapper per call: IdnMapping instances are not documented as thread-safe.
        var idn = new IdnMapping { UseStd3AsciiRules = true, AllowUnassigned = false };
        string asciiDomain;
        try
        {
            // Lower-case first: IdnMapping leaves ASCII labels' case alone. With STD3 rules it also refuses
            // underscores, empty labels, labels over 63 characters and address literals like [192.0.2.1].
            asciiDomain = idn.GetAscii(domain.ToLowerInvariant());
        }
        catch (ArgumentException)
        {
            return InvalidDomain();
        }

        var labels = asciiDomain.Split('.');
        if (labels.Length < 2 || asciiDomain.Length > 253 || labels[^1].All(char.IsAsciiDigit))
        {
            return InvalidDomain();
        }

        // A second opinion from the framework, on the ASCII form; our rules are stricter, so this should always agree.
        if (!MailAddress.TryCreate($"{local}@{asciiDomain}", out var parsed)
            || parsed.DisplayName.Length != 0
            || !string.Equals(parsed.User, local, StringComparison.Ordinal)
            || !string.Equals(parsed.Host, asciiDomain, StringComparison.Ordinal))
        {
            return IdentifierResult.Failure($"{Prefix}.invalid", "This is not a valid e-mail address; check it for typing errors.");
        }

        return IdentifierResult.Success($"{local}@{idn.GetUnicode(asciiDomain)}");
    }

    private static bool IsLocalPartChar(char c) =>
        char.IsAsciiLetterOrDigit(c)
        || c == '.'
        || AtextSymbols.Contains(c, StringComparison.Ordinal)
        // Internationalised mailboxes (RFC 6531) exist; letters, digits and combining marks only, no symbols.
        || (c > '\u007f' && !char.IsSurrogate(c) && (char.IsLetterOrDigit(c) || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark));

    private static IdentifierResult InvalidDomain() => IdentifierResult.Failure(
        $"{Prefix}.domain",
        "The part after the @ must be a domain name with at least one dot, such as example.com, made of letters, digits and hyphens; IP addresses in brackets are not accepted.");
}
