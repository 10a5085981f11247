using System.Text.RegularExpressions;
using PhoneNumbers;

namespace Custodian.Core.Identifiers;

/// <summary>
/// Phone numbers, stored in E.164 (<c>+31883082636</c>), parsed and validated by libphonenumber with NL as the
/// default region, so <c>088-3082636</c>, <c>06-12345678</c>, <c>0031 20 123 4567</c> and <c>+31 (0)20 123 4567</c>
/// all work.
/// </summary>
/// <remarks>
/// libphonenumber is lenient where we must not be (toolchain.md §6): <c>Parse</c> does not validate, it reads
/// Arabic-Indic and full-width digits, vanity letters (0800-FLOWERS) and extensions, and it silently drops a trunk 0
/// kept after the country code (<c>+310883082636</c>) and the 0 of <c>+0031</c>. We refuse all of those before or
/// after parsing, require <c>IsValidNumber</c>, and refuse short codes (112, 113, 116xxx) and numbers that cannot be
/// dialled from abroad (14xxx municipal numbers), since neither is an E.164 subscriber number.
/// </remarks>
internal static partial class Phone
{
    public const string DefaultRegion = "NL";

    private const string Prefix = "identifier.phone";

    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    public static IdentifierResult Normalize(string? input) => Normalize(input, DefaultRegion);

    /// <param name="input">The number as typed.</param>
    /// <param name="defaultRegion">ISO 3166 region for numbers written without a country code.</param>
    public static IdentifierResult Normalize(string? input, string defaultRegion)
    {
        ArgumentNullException.ThrowIfNull(defaultRegion);
        if (!Util.GetSupportedRegions().Contains(defaultRegion))
        {
            throw new ArgumentException("Unknown region code.", nameof(defaultRegion));
        }

        if (IdentifierText.Prepare(input, Prefix, "phone number", 40, out var trimmed) is { } error)
        {
            return IdentifierResult.Failure(error);
        }

        if (!AllowedCharacters().IsMatch(trimmed))
        {
            return IdentifierResult.Failure(
                $"{Prefix}.characters",
                "A phone number may only contain the digits 0-9, a leading +, spaces and the separators - . / ( ); letters, extensions and other characters are not accepted.");
        }

        var international = trimmed.StartsWith('+') || trimmed.StartsWith("00", StringComparison.Ordinal);
        if (international)
        {
            // "+31 (0)20 …" is a common way of writing an optional trunk prefix; drop it before parsing.
            trimmed = OptionalTrunkZero().Replace(trimmed, " ", 1);
        }

        var digits = new string(trimmed.Where(char.IsAsciiDigit).ToArray());
        if (trimmed.StartsWith('+') && digits.StartsWith('0'))
        {
            return IdentifierResult.Failure(
                $"{Prefix}.format",
                "After the + comes the country code, which never starts with 0 (write +31, not +0031); remove the zeros after the +.");
        }

        PhoneNumber number;
        try
        {
            number = Util.ParseAndKeepRawInput(trimmed, defaultRegion);
        }
        catch (NumberParseException)
        {
            return Invalid();
        }

        if (number.HasExtension)
        {
            return IdentifierResult.Failure($"{Prefix}.characters", "Phone number extensions are not accepted; enter the number without the extension.");
        }

        var nationalNumber = Util.GetNationalSignificantNumber(number);
        if (number.CountryCodeSource is PhoneNumber.Types.CountryCodeSource.FROM_NUMBER_WITH_PLUS_SIGN
                or PhoneNumber.Types.CountryCodeSource.FROM_NUMBER_WITH_IDD
            && !digits.EndsWith(number.CountryCode.ToString(System.Globalization.CultureInfo.InvariantCulture) + nationalNumber, StringComparison.Ordinal))
        {
            // libphonenumber removed digits between the country code and the number: a kept trunk prefix (+310…).
            return IdentifierResult.Failure(
                $"{Prefix}.trunk_prefix",
                "The number keeps the national trunk prefix 0 after the country code (such as +310…); drop that 0, as in +31 20 123 4567.");
        }

        if (!Util.IsValidNumber(number))
        {
            var region = Util.GetRegionCodeForCountryCode(number.CountryCode);
            // A national number typed with its trunk 0 (0612345) is a too-short number, not a short code.
            var shortCodeShape = international || !digits.StartsWith('0');
            if (shortCodeShape && nationalNumber.Length <= 6 && ShortNumberInfo.GetInstance().IsPossibleShortNumberForRegion(number, region))
            {
                return ShortCode();
            }

            return Invalid();
        }

        if (!Util.CanBeInternationallyDialled(number))
        {
            return ShortCode();
        }

        return IdentifierResult.Success(Util.Format(number, PhoneNumberFormat.E164));
    }

    /// <summary>International display form, e.g. <c>+31 88 308 2636</c>, for any accepted input form.</summary>
    /// <exception cref="ArgumentException">The value is not a valid phone number.</exception>
    public static string FormatInternational(string phoneNumber) =>
        Util.Format(ParseValid(phoneNumber), PhoneNumberFormat.INTERNATIONAL);

    /// <summary>National display form, e.g. <c>088 308 2636</c>, as the number's own country writes it.</summary>
    /// <exception cref="ArgumentException">The value is not a valid phone number.</exception>
    public static string FormatNational(string phoneNumber) =>
        Util.Format(ParseValid(phoneNumber), PhoneNumberFormat.NATIONAL);

    private static PhoneNumber ParseValid(string phoneNumber)
    {
        var result = Normalize(phoneNumber);
        if (!result.IsValid)
        {
            throw new ArgumentException($"Not a valid phone number ({result.Error.Code}).", nameof(phoneNumber));
        }

        return Util.Parse(result.Value, DefaultRegion);
    }

    private static IdentifierResult Invalid() => IdentifierResult.Failure(
        $"{Prefix}.invalid",
        "This is not a valid phone number: the length or the prefix does not exist for its country. Dutch numbers have 10 digits starting with 0 (such as 020 123 4567 or 06 12345678); numbers abroad need their country code (such as +32 …).");

    private static IdentifierResult ShortCode() => IdentifierResult.Failure(
        $"{Prefix}.short_code",
        "This is a short or service code (such as 112, 113, 116xxx or a 14xxx municipal number) that cannot be dialled from abroad, so it is not a subscriber number; enter a full phone number.");

    [GeneratedRegex(@"^\+?[0-9 ()./\-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex AllowedCharacters();

    [GeneratedRegex(@"\s*\(0\)\s*", RegexOptions.CultureInvariant)]
    private static partial Regex OptionalTrunkZero();
}
