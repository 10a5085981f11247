using Custodian.Core.Features.Requests.IdCopies;
using Xunit;

namespace Custodian.Core.Tests.Requests.IdCopies;

public sealed class BsnScanTests
{
    [Theory]
    [InlineData("123456782")] // domain.md §12 valid vectors
    [InlineData("111222333")]
    [InlineData("999999990")]
    [InlineData("012345672")]
    [InlineData("Persoonsnummer 123456782")]
    [InlineData("persoonsnummer: 1234.56.782")]
    [InlineData("BSN 123 456 782")]
    [InlineData("pers. no. 111.222.333")]
    [InlineData("Burgerservicenummer 12345672")] // 8 digits after a label: read with a leading 0
    [InlineData("BSN: 12 3456 782")] // OCR grouped the digits oddly, the label says what it is
    [InlineData("IDNLD1234567820<<<<<<<<<<<<<<<\nnaam 123456782")]
    public void ContainsBsn_ElevenProofNumber_IsFound(string text) => Assert.True(BsnScan.ContainsBsn(text));

    [Theory]
    [InlineData("123456789")] // §12 invalid: remainder 4
    [InlineData("000000000")]
    [InlineData("12345678")] // 8 digits without a label
    [InlineData("1234567820")] // valid BSN inside a longer digit run
    [InlineData("91234567820")]
    [InlineData("123 456 782 111")] // inside a longer grouped number
    [InlineData("Geboortedatum: 12-03-1985")]
    [InlineData("Documentnummer SPECI2014")]
    [InlineData("")]
    public void ContainsBsn_NoElevenProofNumber_IsNotFound(string text) => Assert.False(BsnScan.ContainsBsn(text));
}
