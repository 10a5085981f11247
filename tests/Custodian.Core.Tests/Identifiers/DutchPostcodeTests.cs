using Custodian.Core.Identifiers;
using Xunit;

namespace Custodian.Core.Tests.Identifiers;

public class DutchPostcodeTests
{
    // domain.md §12 "Dutch postcode": valid vectors.
    [Theory]
    [InlineData("5986 PB", "5986 PB")]
    [InlineData("1011AA", "1011 AA")]
    [InlineData("9999 XL", "9999 XL")]
    public void Normalize_DomainValidVectors_ReturnsCanonical(string input, string expected) =>
        IdentifierAssert.Valid(DutchPostcode.Normalize(input), expected);

    // domain.md §12: invalid vectors.
    [Theory]
    [InlineData("0986 PB", "identifier.postcode.format")]
    [InlineData("5986 SS", "identifier.postcode.letters")]
    [InlineData("5986 SA", "identifier.postcode.letters")]
    [InlineData("598 PB", "identifier.postcode.format")]
    [InlineData("5986 P8", "identifier.postcode.format")]
    public void Normalize_DomainInvalidVectors_ReturnsError(string input, string code) =>
        IdentifierAssert.Invalid(DutchPostcode.Normalize(input), code);

    [Theory]
    [InlineData("5986pb", "5986 PB")]
    [InlineData("5986 pb", "5986 PB")]
    [InlineData("5986 Pb", "5986 PB")]
    [InlineData("  5986 PB\t", "5986 PB")]
    [InlineData("1000 AA", "1000 AA")]
    [InlineData("5986 SB", "5986 SB")]
    [InlineData("5986 AS", "5986 AS")]
    public void Normalize_CaseAndWhitespace_ReturnsCanonical(string input, string expected) =>
        IdentifierAssert.Valid(DutchPostcode.Normalize(input), expected);

    [Theory]
    [InlineData("5986 SD", "identifier.postcode.letters")]
    [InlineData("5986sd", "identifier.postcode.letters")]
    [InlineData("5986  PB", "identifier.postcode.format")] // two spaces
    [InlineData("5986-PB", "identifier.postcode.format")]
    [InlineData("59 86 PB", "identifier.postcode.format")]
    [InlineData("59861 PB", "identifier.postcode.format")]
    [InlineData("5986 PBX", "identifier.postcode.format")]
    [InlineData("5986 P", "identifier.postcode.format")]
    [InlineData("PB 5986", "identifier.postcode.format")]
    [InlineData("５９８６ PB", "identifier.postcode.format")] // full-width digits
    [InlineData("٥٩٨٦ PB", "identifier.postcode.format")] // Arabic-Indic digits
    [InlineData("5986 ＰＢ", "identifier.postcode.format")] // full-width letters
    [InlineData("5986 ıB", "identifier.postcode.format")] // dotless i upper-cases to I
    [InlineData("5986 ÄB", "identifier.postcode.format")]
    [InlineData("5986 PB\n1234 AB", "identifier.postcode.format")]
    public void Normalize_InvalidForms_ReturnsError(string input, string code) =>
        IdentifierAssert.Invalid(DutchPostcode.Normalize(input), code);
}
