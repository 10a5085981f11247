using Custodian.Core.Identifiers;
using Xunit;

namespace Custodian.Core.Tests.Identifiers;

public class DutchIbanTests
{
    // domain.md §12 "IBAN (NL)": valid vectors.
    [Theory]
    [InlineData("NL91ABNA0417164300")]
    [InlineData("NL02ABNA0123456789")]
    public void Normalize_DomainValidVectors_ReturnsCompact(string input) =>
        IdentifierAssert.Valid(DutchIban.Normalize(input), input);

    // domain.md §12: invalid vectors.
    [Theory]
    [InlineData("NL91ABNA0417164301", "identifier.iban.checksum")]
    [InlineData("NL91ABNA041716430", "identifier.iban.length")]
    public void Normalize_DomainInvalidVectors_ReturnsError(string input, string code) =>
        IdentifierAssert.Invalid(DutchIban.Normalize(input), code);

    [Theory]
    [InlineData("NL91 ABNA 0417 1643 00")]
    [InlineData("nl91abna0417164300")]
    [InlineData("nl91 abna 0417 1643 00")]
    [InlineData("  NL91ABNA0417164300  ")]
    [InlineData("NL 91ABNA 041716 4300")]
    public void Normalize_SpacesAndLowerCase_ReturnsCompactUpperCase(string input) =>
        IdentifierAssert.Valid(DutchIban.Normalize(input), "NL91ABNA0417164300");

    [Theory]
    [InlineData("NL91-ABNA-0417-1643-00", "identifier.iban.characters")]
    [InlineData("NL91ABNA0417164300.", "identifier.iban.characters")]
    [InlineData("NL91ABNA041716430０", "identifier.iban.characters")] // full-width zero
    [InlineData("NL91ABNA041716430٠", "identifier.iban.characters")] // Arabic-Indic zero
    [InlineData("NL91\u00a0ABNA0417164300", "identifier.iban.characters")]
    [InlineData("DE89370400440532013000", "identifier.iban.country")] // valid German IBAN
    [InlineData("BE71096123456769", "identifier.iban.country")]
    [InlineData("0417164300", "identifier.iban.country")] // old account number
    [InlineData("NL91ABNA04171643001", "identifier.iban.length")]
    [InlineData("NL9AABNA0417164300", "identifier.iban.format")]
    [InlineData("NL91AB1A0417164300", "identifier.iban.format")]
    [InlineData("NL91ABNA041716430A", "identifier.iban.format")]
    [InlineData("NL00ABNA0417164300", "identifier.iban.checksum")]
    [InlineData("NL19ABNA0417164300", "identifier.iban.checksum")] // transposed check digits
    [InlineData("NL91ABNA0417163400", "identifier.iban.checksum")] // transposed account digits
    public void Normalize_InvalidForms_ReturnsError(string input, string code) =>
        IdentifierAssert.Invalid(DutchIban.Normalize(input), code);

    [Theory]
    [InlineData("NL91ABNA0417164300", "NL91 ABNA 0417 1643 00")]
    [InlineData("nl02 abna 0123 4567 89", "NL02 ABNA 0123 4567 89")]
    public void FormatForDisplay_ValidIban_GroupsOfFour(string input, string expected) =>
        Assert.Equal(expected, DutchIban.FormatForDisplay(input));

    [Fact]
    public void FormatForDisplay_InvalidIban_Throws() =>
        Assert.Throws<ArgumentException>(() => DutchIban.FormatForDisplay("NL91ABNA0417164301"));
}
