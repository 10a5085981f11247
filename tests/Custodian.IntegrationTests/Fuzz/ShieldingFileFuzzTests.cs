using Custodian.Core.Features.Shielding;
using Xunit;

namespace Custodian.IntegrationTests.Fuzz;

/// <summary>The shielded-number list import (<see cref="ShieldingFile.Parse"/>): numbers or located errors, never an exception.</summary>
public sealed class ShieldingFileFuzzTests
{
    private const string Valid = "number\n+31883082636\n+31201234567\n+442079460001\n+32470123456\n";

    [Fact]
    public void Parse_MutatedList_NumbersOrLocatedErrors()
    {
        Fuzz.Check("shielding.list", Mutate.TextOf([Valid]), text =>
        {
            var (numbers, errors) = ShieldingFile.Parse("fuzz.csv", text);
            var lines = text.Split('\n').Length;
            if (errors.Count > 0)
            {
                Assert.Empty(numbers);
            }

            foreach (var e in errors)
            {
                Assert.Equal("fuzz.csv", e.File);
                Assert.InRange(e.Line, 0, lines);
                Assert.False(string.IsNullOrWhiteSpace(e.Field));
                Assert.Matches("^[a-z0-9_]+(\\.[a-z0-9_]+)+$", e.Code);
                Assert.False(string.IsNullOrWhiteSpace(e.Message));
            }

            foreach (var n in numbers)
            {
                Assert.Matches("^\\+[1-9][0-9]{6,14}$", n);
            }
        }, ciRuns: 400, shrink: Fuzz.ShrinkText, show: Fuzz.Show);
    }
}
