using Custodian.Core.Identifiers;
using Xunit;

namespace Custodian.Core.Tests.Identifiers;

internal static class IdentifierAssert
{
    public static void Valid(IdentifierResult result, string expected)
    {
        Assert.True(result.IsValid, result.IsValid ? null : $"expected valid, got {result.Error.Code}: {result.Error.Message}");
        Assert.Equal(expected, result.Value);
        Assert.Null(result.Error);
    }

    public static IdentifierError Invalid(IdentifierResult result, string expectedCode)
    {
        Assert.False(result.IsValid, $"expected {expectedCode}, got valid value");
        Assert.Equal(expectedCode, result.Error.Code);
        Assert.False(string.IsNullOrWhiteSpace(result.Error.Message));
        Assert.Null(result.Value);
        Assert.Null(result.Notice);
        return result.Error;
    }
}
