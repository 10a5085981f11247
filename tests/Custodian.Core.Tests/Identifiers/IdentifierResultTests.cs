using Custodian.Core.Identifiers;
using Xunit;

namespace Custodian.Core.Tests.Identifiers;

public class IdentifierResultTests
{
    [Fact]
    public void ToString_ValidResult_DoesNotRevealValue()
    {
        var result = IdentifierResult.Success("+31612345678");

        Assert.DoesNotContain("612345678", result.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_InvalidResult_ShowsCodeOnly()
    {
        var result = Imei.Normalize("490154203237517");

        Assert.Equal("IdentifierResult { IsValid = False, Code = identifier.imei.checksum }", result.ToString());
    }

    [Theory]
    [InlineData("123456789012345")]
    [InlineData("+31 6 12345678")]
    [InlineData("NL91 ABNA 0417 1643 01")]
    [InlineData("8931440400000000003")]
    public void ErrorMessage_AnyFailure_DoesNotEchoInput(string input)
    {
        foreach (IdentifierKind kind in Enum.GetValues<IdentifierKind>())
        {
            var result = Identifier.Normalize(kind, input);
            if (!result.IsValid)
            {
                var digits = new string(input.Where(char.IsAsciiDigit).ToArray());
                Assert.DoesNotContain(digits, result.Error.Message, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Success_NullValue_Throws() => Assert.Throws<ArgumentNullException>(() => IdentifierResult.Success(null!));
}

public class IdentifierDispatchTests
{
    [Theory]
    [InlineData(nameof(IdentifierKind.PhoneNumber), "088-3082636", "+31883082636")]
    [InlineData(nameof(IdentifierKind.Email), "Jan@Example.COM", "Jan@example.com")]
    [InlineData(nameof(IdentifierKind.Imei), "490154203237518", "490154203237518")]
    [InlineData(nameof(IdentifierKind.Iccid), "8931440400000000008", "8931440400000000008")]
    [InlineData(nameof(IdentifierKind.MacAddress), "00-1a-2b-3c-4d-5e", "00:1A:2B:3C:4D:5E")]
    [InlineData(nameof(IdentifierKind.IpAddress), "192.0.2.1", "192.0.2.1")]
    [InlineData(nameof(IdentifierKind.PublicIpAddress), "2001:4860:4860::8888", "2001:4860:4860::8888")]
    [InlineData(nameof(IdentifierKind.DutchPostcode), "1011aa", "1011 AA")]
    [InlineData(nameof(IdentifierKind.DutchIban), "nl91 abna 0417 1643 00", "NL91ABNA0417164300")]
    public void Normalize_EachKind_DelegatesToItsRules(string kind, string input, string expected) =>
        IdentifierAssert.Valid(Identifier.Normalize(Enum.Parse<IdentifierKind>(kind), input), expected);

    [Theory]
    [InlineData(nameof(IdentifierKind.PhoneNumber), "identifier.phone")]
    [InlineData(nameof(IdentifierKind.Email), "identifier.email")]
    [InlineData(nameof(IdentifierKind.Imei), "identifier.imei")]
    [InlineData(nameof(IdentifierKind.Iccid), "identifier.iccid")]
    [InlineData(nameof(IdentifierKind.MacAddress), "identifier.mac")]
    [InlineData(nameof(IdentifierKind.IpAddress), "identifier.ip")]
    [InlineData(nameof(IdentifierKind.PublicIpAddress), "identifier.ip")]
    [InlineData(nameof(IdentifierKind.DutchPostcode), "identifier.postcode")]
    [InlineData(nameof(IdentifierKind.DutchIban), "identifier.iban")]
    public void Normalize_NullEmptyOrBlank_ReturnsEmptyCode(string kindName, string codePrefix)
    {
        var kind = Enum.Parse<IdentifierKind>(kindName);
        foreach (var input in new[] { null, "", "   ", "\t\n", "\u00a0" })
        {
            IdentifierAssert.Invalid(Identifier.Normalize(kind, input), codePrefix + ".empty");
        }
    }

    [Theory]
    [InlineData(nameof(IdentifierKind.PhoneNumber), "identifier.phone.too_long")]
    [InlineData(nameof(IdentifierKind.Email), "identifier.email.too_long")]
    [InlineData(nameof(IdentifierKind.Imei), "identifier.imei.too_long")]
    [InlineData(nameof(IdentifierKind.Iccid), "identifier.iccid.too_long")]
    [InlineData(nameof(IdentifierKind.MacAddress), "identifier.mac.too_long")]
    [InlineData(nameof(IdentifierKind.IpAddress), "identifier.ip.too_long")]
    [InlineData(nameof(IdentifierKind.PublicIpAddress), "identifier.ip.too_long")]
    [InlineData(nameof(IdentifierKind.DutchPostcode), "identifier.postcode.too_long")]
    [InlineData(nameof(IdentifierKind.DutchIban), "identifier.iban.too_long")]
    public void Normalize_VeryLongInput_ReturnsTooLong(string kindName, string code)
    {
        var kind = Enum.Parse<IdentifierKind>(kindName);
        IdentifierAssert.Invalid(Identifier.Normalize(kind, new string('1', 1_000_000)), code);
        IdentifierAssert.Invalid(Identifier.Normalize(kind, "1" + new string(' ', 10_000)), code);
    }

    [Fact]
    public void Normalize_UndefinedKind_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Identifier.Normalize((IdentifierKind)999, "x"));
}
