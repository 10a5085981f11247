using Custodian.Core.Identifiers;
using Xunit;

namespace Custodian.Core.Tests.Identifiers;

public class ImeiTests
{
    // domain.md §12 "IMEI / IMEISV": valid vectors.
    [Theory]
    [InlineData("260531793113837")]
    [InlineData("355762052793235")]
    [InlineData("490154203237518")]
    public void Normalize_DomainValidVectors_ReturnsDigits(string input)
    {
        var result = Imei.Normalize(input);

        IdentifierAssert.Valid(result, input);
        Assert.Null(result.Notice);
    }

    // domain.md §12: invalid vectors (wrong check digit; 14 and 17 digits).
    [Theory]
    [InlineData("355762052793236", "identifier.imei.checksum")]
    [InlineData("490154203237517", "identifier.imei.checksum")]
    [InlineData("49015420323751", "identifier.imei.length")]
    [InlineData("35576205279323", "identifier.imei.length")]
    [InlineData("49015420323751800", "identifier.imei.length")]
    [InlineData("35576205279323512", "identifier.imei.length")]
    public void Normalize_DomainInvalidVectors_ReturnsError(string input, string code) =>
        IdentifierAssert.Invalid(Imei.Normalize(input), code);

    [Theory]
    [InlineData("49-015420-323751-8", "490154203237518")]
    [InlineData("49 015420 323751 8", "490154203237518")]
    [InlineData(" 490154203237518 ", "490154203237518")]
    public void Normalize_WithSeparators_ReturnsDigitsOnly(string input, string expected) =>
        IdentifierAssert.Valid(Imei.Normalize(input), expected);

    [Theory]
    [InlineData("4901542032375101", "490154203237518")] // SVN 01
    [InlineData("4901542032375199", "490154203237518")] // SVN 99
    [InlineData("35-576205-279323-05", "355762052793235")]
    [InlineData("2605317931138300", "260531793113837")]
    public void Normalize_Imeisv_ConvertsToImeiWithNotice(string input, string expected)
    {
        var result = Imei.Normalize(input);

        IdentifierAssert.Valid(result, expected);
        Assert.Equal(Imei.ConvertedFromImeisvCode, result.Notice?.Code);
    }

    [Theory]
    [InlineData("49015420323751B")]
    [InlineData("490154203237518.")]
    [InlineData("49/015420/323751/8")]
    [InlineData("٤٩٠١٥٤٢٠٣٢٣٧٥١٨")] // Arabic-Indic digits
    [InlineData("４９０１５４２０３２３７５１８")] // full-width digits
    [InlineData("IMEI 490154203237518")]
    public void Normalize_NonDigitCharacters_ReturnsCharacters(string input) =>
        IdentifierAssert.Invalid(Imei.Normalize(input), "identifier.imei.characters");

    [Theory]
    [InlineData("000000000000000")]
    [InlineData("0000000000000000")]
    public void Normalize_AllZero_ReturnsAllZero(string input) =>
        IdentifierAssert.Invalid(Imei.Normalize(input), "identifier.imei.all_zero");

    [Theory]
    [InlineData("26053179311383", '7')]
    [InlineData("35576205279323", '5')]
    [InlineData("49015420323751", '8')]
    public void ComputeCheckDigit_DomainVectors_MatchesLastDigit(string tacAndSerial, char expected) =>
        Assert.Equal(expected, Imei.ComputeCheckDigit(tacAndSerial));

    [Theory]
    [InlineData("4901542032375")]
    [InlineData("4901542032375a")]
    public void ComputeCheckDigit_NotFourteenDigits_Throws(string input) =>
        Assert.Throws<ArgumentException>(() => Imei.ComputeCheckDigit(input));
}
