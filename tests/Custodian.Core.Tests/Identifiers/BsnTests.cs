using System.Reflection;
using Custodian.Core.Identifiers;
using Xunit;

namespace Custodian.Core.Tests.Identifiers;

public class BsnTests
{
    // domain.md §12 "BSN": valid vectors.
    [Theory]
    [InlineData("123456782")]
    [InlineData("111222333")]
    [InlineData("999999990")]
    [InlineData("012345672")]
    [InlineData("12345672")] // 8 digits, read as 012345672
    [InlineData(" 123456782 ")]
    public void IsValid_DomainValidVectors_True(string input) => Assert.True(Bsn.IsValid(input));

    // domain.md §12: invalid vectors, plus forms IsValid does not take.
    [Theory]
    [InlineData("123456789")] // sum 147, remainder 4
    [InlineData("000000000")]
    [InlineData("00000000")]
    [InlineData("12345678")]
    [InlineData("1234567")]
    [InlineData("1234567820")]
    [InlineData("1234.56.782")] // IsValid takes digits only; FindCandidates handles written forms
    [InlineData("123 456 782")]
    [InlineData("١٢٣٤٥٦٧٨٢")] // Arabic-Indic digits of 123456782
    [InlineData("１２３４５６７８２")] // full-width digits of 123456782
    [InlineData("")]
    [InlineData(null)]
    public void IsValid_DomainInvalidVectorsAndOtherForms_False(string? input) => Assert.False(Bsn.IsValid(input));

    [Theory]
    [InlineData("BSN: 123456782.", 5, 9)]
    [InlineData("123456782", 0, 9)]
    [InlineData("bsn 1234.56.782 staat op de kaart", 4, 11)]
    [InlineData("bsn 123 456 782 staat", 4, 11)]
    [InlineData("bsn 123.456.782", 4, 11)]
    [InlineData("bsn 123-456-782", 4, 11)]
    [InlineData("NL123456782B01", 2, 9)] // old sole-trader VAT number embeds the BSN
    [InlineData("(123456782)", 1, 9)]
    [InlineData("123 456 782.", 0, 11)]
    [InlineData("123456782 3 kinderen", 0, 9)] // a lone digit after a space does not hide a plain run
    public void FindCandidates_WrittenForms_FindsPosition(string text, int index, int length)
    {
        var match = Assert.Single(Bsn.FindCandidates(text));

        Assert.Equal(new BsnMatch(index, length), match);
    }

    [Theory]
    [InlineData("123456789")] // fails the 11-proef
    [InlineData("1234567820")] // part of a longer run
    [InlineData("0123456782")]
    [InlineData("12345678201")]
    [InlineData("12345672")] // 8-digit forms are not scanned
    [InlineData("000000000")]
    [InlineData("123 456 782 111")] // part of a longer grouped number
    [InlineData("111 123 456 782")]
    [InlineData("123.456.782.5")]
    [InlineData("1.1234.56.782")]
    [InlineData("123 456-782")] // mixed separators
    [InlineData("12 3456 782")]
    [InlineData("123  456  782")]
    [InlineData("١٢٣٤٥٦٧٨٢")]
    [InlineData("NL91ABNA0417164300")]
    [InlineData("")]
    public void FindCandidates_NonCandidates_FindsNothing(string text) => Assert.Empty(Bsn.FindCandidates(text));

    [Fact]
    public void FindCandidates_SeveralNumbers_ReturnsEachValidOneInOrder()
    {
        const string text = "a 111222333, b 123456789, c 999999990, d 1234.56.782";

        var matches = Bsn.FindCandidates(text);

        Assert.Equal([new BsnMatch(2, 9), new BsnMatch(28, 9), new BsnMatch(41, 11)], matches);
        Assert.Equal(["111222333", "999999990", "1234.56.782"], matches.Select(m => text.Substring(m.Index, m.Length)));
    }

    [Theory]
    [InlineData("BSN 123456782, tel 0612345678", "BSN [BSN], tel 0612345678")]
    [InlineData("123 456 782 en 111222333", "[BSN] en [BSN]")]
    [InlineData("geen nummer 123456789", "geen nummer 123456789")]
    [InlineData("", "")]
    public void Redact_Text_ReplacesCandidates(string text, string expected) => Assert.Equal(expected, Bsn.Redact(text));

    [Fact]
    public void Redact_CustomReplacement_IsUsed() =>
        Assert.Equal("x ********* y", Bsn.Redact("x 123456782 y", "*********"));

    [Fact]
    public void Redact_NoCandidates_ReturnsSameInstance()
    {
        const string text = "nothing to see";

        Assert.Same(text, Bsn.Redact(text));
    }

    [Fact]
    public void BsnMatch_ToString_DoesNotContainDigitsOfTheNumber() =>
        Assert.DoesNotContain("123456782", Bsn.FindCandidates("123456782")[0].ToString(), StringComparison.Ordinal);

    [Fact]
    public void Bsn_HasNoNormalizeAndNoIdentifierKind()
    {
        // A BSN is never stored: nothing may offer a canonical form to store.
        Assert.DoesNotContain(typeof(Bsn).GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static), m => m.Name.Contains("Normalize", StringComparison.Ordinal));
        Assert.DoesNotContain(Enum.GetNames<IdentifierKind>(), n => n.Contains("Bsn", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void FindCandidates_RandomNineDigitRuns_AboutOneInElevenPass()
    {
        var random = new Random(11);
        var hits = 0;
        const int Trials = 11_000;
        for (var i = 0; i < Trials; i++)
        {
            var digits = random.Next(100_000_000, 1_000_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
            hits += Bsn.FindCandidates(digits).Count;
        }

        Assert.InRange(hits, 800, 1200);
    }
}
