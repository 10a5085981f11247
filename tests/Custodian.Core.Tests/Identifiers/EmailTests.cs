using Custodian.Core.Identifiers;
using Xunit;

namespace Custodian.Core.Tests.Identifiers;

public class EmailTests
{
    [Theory]
    [InlineData("jan.jansen@example.com", "jan.jansen@example.com")]
    [InlineData("  Jan.Jansen@Example.COM ", "Jan.Jansen@example.com")] // local part kept, domain lower-cased
    [InlineData("privacy+dsr@sub.domain.example", "privacy+dsr@sub.domain.example")]
    [InlineData("o'brien@example.ie", "o'brien@example.ie")]
    [InlineData("a@b.example", "a@b.example")]
    [InlineData("user_name-1@my-company.example", "user_name-1@my-company.example")]
    [InlineData("info@Bücher.example", "info@bücher.example")]
    [InlineData("info@xn--bcher-kva.example", "info@bücher.example")] // punycode and Unicode store the same
    [InlineData("josé@example.com", "josé@example.com")]
    public void Normalize_ValidAddresses_ReturnsCanonical(string input, string expected) =>
        IdentifierAssert.Valid(Email.Normalize(input), expected);

    [Theory]
    [InlineData("jan.example.com", "identifier.email.at_sign")]
    [InlineData("jan@@example.com", "identifier.email.at_sign")]
    [InlineData("jan@ex@ample.com", "identifier.email.at_sign")]
    [InlineData("Jan Jansen <jan@example.com>", "identifier.email.whitespace")]
    [InlineData("<jan@example.com>", "identifier.email.local_part")]
    [InlineData("jan jansen@example.com", "identifier.email.whitespace")]
    [InlineData("jan@exam ple.com", "identifier.email.whitespace")]
    [InlineData("jan\u00a0@example.com", "identifier.email.whitespace")]
    [InlineData("\"jan jansen\"@example.com", "identifier.email.whitespace")]
    [InlineData("\"jan\"@example.com", "identifier.email.local_part")]
    [InlineData("@example.com", "identifier.email.local_part")]
    [InlineData(".jan@example.com", "identifier.email.local_part")]
    [InlineData("jan.@example.com", "identifier.email.local_part")]
    [InlineData("jan..jansen@example.com", "identifier.email.local_part")]
    [InlineData("jan(comment)@example.com", "identifier.email.local_part")]
    [InlineData("jan,piet@example.com", "identifier.email.local_part")]
    [InlineData("jan€@example.com", "identifier.email.local_part")]
    [InlineData("jan@", "identifier.email.domain")]
    [InlineData("jan@localhost", "identifier.email.domain")]
    [InlineData("jan@example", "identifier.email.domain")]
    [InlineData("jan@example..com", "identifier.email.domain")]
    [InlineData("jan@.example.com", "identifier.email.domain")]
    [InlineData("jan@example.com.", "identifier.email.domain")]
    [InlineData("jan@exa_mple.com", "identifier.email.domain")]
    [InlineData("jan@-example.com", "identifier.email.domain")]
    [InlineData("jan@[192.0.2.1]", "identifier.email.domain")]
    [InlineData("jan@192.0.2.1", "identifier.email.domain")]
    [InlineData("jan@example.c$m", "identifier.email.domain")]
    public void Normalize_InvalidAddresses_ReturnsError(string input, string code) =>
        IdentifierAssert.Invalid(Email.Normalize(input), code);

    [Fact]
    public void Normalize_LocalPartOver64_ReturnsLocalPart() =>
        IdentifierAssert.Invalid(Email.Normalize(new string('a', 65) + "@example.com"), "identifier.email.local_part");

    [Fact]
    public void Normalize_LocalPartOf64_IsAccepted() =>
        Assert.True(Email.Normalize(new string('a', 64) + "@example.com").IsValid);

    [Fact]
    public void Normalize_DomainLabelOver63_ReturnsDomain() =>
        IdentifierAssert.Invalid(Email.Normalize("jan@" + new string('a', 64) + ".example"), "identifier.email.domain");

    [Fact]
    public void Normalize_AddressOver254_ReturnsTooLong() =>
        IdentifierAssert.Invalid(Email.Normalize("jan@" + string.Join('.', Enumerable.Repeat(new string('a', 60), 5)) + ".example"), "identifier.email.too_long");
}
