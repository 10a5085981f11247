using Custodian.Core.Identifiers;
using Xunit;

namespace Custodian.Core.Tests.Identifiers;

public class PhoneTests
{
    // domain.md §12 "E.164 and Dutch numbers": valid vectors.
    [Theory]
    [InlineData("+31883082636", "+31883082636")]
    [InlineData("+31612345678", "+31612345678")]
    [InlineData("+31201234567", "+31201234567")]
    public void Normalize_DomainValidVectors_ReturnsE164(string input, string expected) =>
        IdentifierAssert.Valid(Phone.Normalize(input), expected);

    // domain.md §12: invalid vectors.
    [Theory]
    [InlineData("+310883082636", "identifier.phone.trunk_prefix")]
    [InlineData("+3188308263", "identifier.phone.invalid")]
    [InlineData("+0031883082636", "identifier.phone.format")]
    [InlineData("+31 112", "identifier.phone.short_code")]
    public void Normalize_DomainInvalidVectors_ReturnsError(string input, string code) =>
        IdentifierAssert.Invalid(Phone.Normalize(input), code);

    [Theory]
    [InlineData("088-3082636", "+31883082636")] // the seed's company number, type UAN
    [InlineData("0883082636", "+31883082636")]
    [InlineData("06-12345678", "+31612345678")]
    [InlineData("06 1234 5678", "+31612345678")]
    [InlineData("020-1234567", "+31201234567")]
    [InlineData("(020) 123 45 67", "+31201234567")]
    [InlineData("020/1234567", "+31201234567")]
    [InlineData("020.123.4567", "+31201234567")]
    [InlineData("0031201234567", "+31201234567")]
    [InlineData("0031 6 12345678", "+31612345678")]
    [InlineData("+31 (0)20 123 4567", "+31201234567")]
    [InlineData("+31(0)883082636", "+31883082636")]
    [InlineData("0031 (0)6 12345678", "+31612345678")]
    [InlineData("+31 6 1234 5678", "+31612345678")]
    [InlineData("  +31612345678  ", "+31612345678")]
    [InlineData("\t0612345678\n", "+31612345678")]
    [InlineData("0800 1234567", "+318001234567")]
    [InlineData("0800-1234", "+318001234")]
    [InlineData("085 123 4567", "+31851234567")]
    [InlineData("+32 2 555 12 12", "+3225551212")]
    [InlineData("+1 650 253 0000", "+16502530000")]
    public void Normalize_CommonWrittenForms_ReturnsE164(string input, string expected) =>
        IdentifierAssert.Valid(Phone.Normalize(input), expected);

    [Theory]
    [InlineData("112")]
    [InlineData("113")]
    [InlineData("116000")]
    [InlineData("+31112")]
    [InlineData("14020")] // municipal number, not diallable from abroad
    public void Normalize_ShortCodes_ReturnsShortCode(string input) =>
        IdentifierAssert.Invalid(Phone.Normalize(input), "identifier.phone.short_code");

    [Theory]
    [InlineData("12345")]
    [InlineData("0612345")]
    [InlineData("061234567890")]
    [InlineData("020-123456")]
    [InlineData("+31 20 123 45678")]
    [InlineData("+32 2 123 45 67")] // Belgian prefix not in use
    [InlineData("+999 1234567")] // unassigned country code
    [InlineData("+")]
    [InlineData("()")]
    public void Normalize_InvalidNumbers_ReturnsInvalid(string input) =>
        IdentifierAssert.Invalid(Phone.Normalize(input), "identifier.phone.invalid");

    [Theory]
    [InlineData("0031 0883082636")]
    [InlineData("+31 0 6 12345678")]
    public void Normalize_TrunkZeroAfterCountryCode_ReturnsTrunkPrefix(string input) =>
        IdentifierAssert.Invalid(Phone.Normalize(input), "identifier.phone.trunk_prefix");

    [Theory]
    [InlineData("٠٦١٢٣٤٥٦٧٨")] // Arabic-Indic digits: libphonenumber would accept these
    [InlineData("۰۶۱۲۳۴۵۶۷۸")] // Extended Arabic-Indic
    [InlineData("０６１２３４５６７８")] // full-width
    [InlineData("＋31612345678")] // full-width plus
    [InlineData("0800-FLOWERS")] // vanity letters
    [InlineData("020 1234567 ext. 12")]
    [InlineData("020 1234567 x12")]
    [InlineData("06-12345678;")]
    [InlineData("06\u00a012345678")] // no-break space inside
    [InlineData("31+612345678")]
    [InlineData("tel:+31612345678")]
    public void Normalize_ForbiddenCharacters_ReturnsCharacters(string input) =>
        IdentifierAssert.Invalid(Phone.Normalize(input), "identifier.phone.characters");

    [Theory]
    [InlineData("+31883082636", "+31 88 308 2636")]
    [InlineData("0612345678", "+31 6 12345678")]
    [InlineData("020-1234567", "+31 20 123 4567")]
    public void FormatInternational_ValidNumber_ReturnsInternationalForm(string input, string expected) =>
        Assert.Equal(expected, Phone.FormatInternational(input));

    [Fact]
    public void FormatNational_DutchNumber_ReturnsNationalForm() =>
        Assert.Equal("088 308 2636", Phone.FormatNational("+31883082636"));

    [Fact]
    public void FormatInternational_InvalidNumber_Throws() =>
        Assert.Throws<ArgumentException>(() => Phone.FormatInternational("12345"));

    [Fact]
    public void Normalize_OtherDefaultRegion_ReadsNationalFormThere() =>
        IdentifierAssert.Valid(Phone.Normalize("02 555 12 12", "BE"), "+3225551212");

    [Fact]
    public void Normalize_UnknownRegion_Throws() =>
        Assert.Throws<ArgumentException>(() => Phone.Normalize("0612345678", "XX"));

    [Theory]
    [InlineData("+31883082636")]
    [InlineData("0612345678")]
    [InlineData("0031201234567")]
    public void Normalize_Result_MatchesE164Pattern(string input)
    {
        var result = Phone.Normalize(input);

        Assert.True(result.IsValid);
        Assert.Matches(@"^\+[1-9][0-9]{1,14}$", result.Value);
    }
}
