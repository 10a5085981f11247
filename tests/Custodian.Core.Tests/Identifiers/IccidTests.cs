using Custodian.Core.Identifiers;
using Xunit;

namespace Custodian.Core.Tests.Identifiers;

public class IccidTests
{
    // domain.md §12 "ICCID": valid vectors.
    [Theory]
    [InlineData("89450421180216254864")]
    [InlineData("8931440400000000008")]
    [InlineData("89314404000000000001")]
    public void Normalize_DomainValidVectors_ReturnsDigits(string input)
    {
        var result = Iccid.Normalize(input);

        IdentifierAssert.Valid(result, input);
        Assert.Null(result.Notice);
    }

    // domain.md §12: invalid vectors.
    [Theory]
    [InlineData("8931440400000000003", "identifier.iccid.checksum")]
    [InlineData("89314404000000000000", "identifier.iccid.checksum")]
    [InlineData("9931440400000000008", "identifier.iccid.prefix")]
    public void Normalize_DomainInvalidVectors_ReturnsError(string input, string code) =>
        IdentifierAssert.Invalid(Iccid.Normalize(input), code);

    [Theory]
    [InlineData("8931 4404 0000 0000 008", "8931440400000000008")]
    [InlineData("8931-4404-0000-0000-0001", "89314404000000000001")]
    [InlineData("893144040000000001", "893144040000000001")] // 18 digits, Luhn-valid
    public void Normalize_SeparatorsAndEighteenDigits_Accepted(string input, string expected) =>
        IdentifierAssert.Valid(Iccid.Normalize(input), expected);

    [Theory]
    [InlineData("89314404000000000")] // 17
    [InlineData("893144040000000000017")] // 21
    [InlineData("89")]
    public void Normalize_WrongLength_ReturnsLength(string input) =>
        IdentifierAssert.Invalid(Iccid.Normalize(input), "identifier.iccid.length");

    [Theory]
    [InlineData("8931440400000000008F")] // BCD filler from SIM dumps
    [InlineData("８９３１４４０４０００００００００００８")]
    [InlineData("89314404000000000.08")]
    public void Normalize_NonDigits_ReturnsCharacters(string input) =>
        IdentifierAssert.Invalid(Iccid.Normalize(input), "identifier.iccid.characters");

    [Theory]
    [InlineData("8931440400000000003")] // fails Luhn, but the source omits check digits
    [InlineData("893144040000000000")]
    [InlineData("89314404000000000000")]
    public void Normalize_CheckDigitNotVerified_AcceptsWithNotice(string input)
    {
        var result = Iccid.Normalize(input, new IccidOptions(VerifyCheckDigit: false));

        IdentifierAssert.Valid(result, input);
        Assert.Equal(Iccid.CheckDigitNotVerifiedCode, result.Notice?.Code);
    }

    [Fact]
    public void Normalize_CheckDigitNotVerified_StillChecksPrefixAndLength()
    {
        var options = new IccidOptions(VerifyCheckDigit: false);

        IdentifierAssert.Invalid(Iccid.Normalize("9931440400000000008", options), "identifier.iccid.prefix");
        IdentifierAssert.Invalid(Iccid.Normalize("89314404000000000", options), "identifier.iccid.length");
    }
}
