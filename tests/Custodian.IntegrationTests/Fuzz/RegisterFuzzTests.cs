using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Custodian.Configuration;
using Custodian.Core.Features.Register;
using Xunit;

namespace Custodian.IntegrationTests.Fuzz;

/// <summary>
/// The register loader (<c>custodian register check</c>) on mutated registers, YAML bombs and noise: it always ends in
/// a register or in problems with a line, a column, a code and a message; never an exception, never more than ~1 s.
/// </summary>
public sealed partial class RegisterFuzzTests
{
    private static readonly string Shipped = File.ReadAllText(SettingsResolver.ShippedRegisterPath);

    [Fact]
    public void Load_MutatedRegister_EndsInRegisterOrLocatedProblems()
    {
        Fuzz.Check(
            "register.mutated",
            Mutate.TextOf([Shipped], yaml: true, separator: ' ', extra: Extreme),
            AssertWellFormed,
            ciRuns: 300,
            shrink: Fuzz.ShrinkText,
            show: Fuzz.Show);
    }

    [Fact]
    public void Load_BillionLaughs_IsRefusedFast()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var result = RegisterLoader.Load(BillionLaughs(levels: 30, width: 10), "fuzz.yaml");
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(2), $"took {started.Elapsed}");
        Assert.True(result.HasErrors);
        AssertWellFormed(BillionLaughs(levels: 30, width: 10));
    }

    [Fact]
    public void Load_UnclosedBraceWithoutFinalLineBreak_PointsInsideTheFile()
    {
        // Found by fuzzing: YamlDotNet reports the end of input on line 2 of a one-line file; editors cannot go there.
        var problem = Assert.Single(RegisterLoader.Load("{", "fuzz.yaml").Errors);
        Assert.Equal((1, 2, RegisterCodes.YamlSyntax), (problem.Line, problem.Column, problem.Code));
    }

    /// <summary>Documents no editor makes by accident: deep nesting, alias bombs, merge keys, huge scalars.</summary>
    private static string Extreme(System.Random random)
    {
        var depth = random.Next(10, 3_000);
        return random.Next(6) switch
        {
            0 => "version: 1\ncategories: " + new string('[', depth) + new string(']', random.Next(2) == 0 ? depth : 0) + "\n",
            1 => "categories:\n" + string.Concat(Enumerable.Range(1, Math.Min(depth, 400)).Select(i => new string(' ', 2 * i) + "a:\n")),
            2 => BillionLaughs(levels: random.Next(3, 40), width: random.Next(2, 12)),
            3 => Shipped + "\nx: &x {" + string.Concat(Enumerable.Range(0, 50).Select(i => $"k{i}: v, ")) + "}\ny:\n  <<: *x\n  <<: *x\n",
            4 => "version: " + new string('9', random.Next(10, 100_000)) + "\n",
            _ => new string('{', depth) + new string('-', random.Next(0, 10)),
        };
    }

    /// <summary>Each level is a list of <paramref name="width"/> aliases of the level below: width^levels nodes if expanded.</summary>
    private static string BillionLaughs(int levels, int width)
    {
        var yaml = new StringBuilder("version: 1\nl0: &l0 [\"lol\"]\n");
        for (var level = 1; level < levels; level++)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"l{level}: &l{level} [").Append(string.Join(", ", Enumerable.Repeat($"*l{level - 1}", width))).Append("]\n");
        }

        yaml.Append(CultureInfo.InvariantCulture, $"categories: *l{levels - 1}\nprocessing: *l{levels - 1}\ncontrollers: *l{levels - 1}\n");
        return yaml.ToString();
    }

    private static void AssertWellFormed(string yaml)
    {
        var result = RegisterLoader.Load(yaml, "fuzz.yaml");
        if (result.HasErrors)
        {
            Assert.Null(result.Register);
        }
        else
        {
            Assert.NotNull(result.Register);
        }

        var lines = LineBreak().Count(yaml) + 1;
        foreach (var d in result.Diagnostics)
        {
            Assert.Equal("fuzz.yaml", d.File);
            Assert.InRange(d.Line, 1, lines);
            Assert.True(d.Column >= 1, d.ToString());
            Assert.Matches(Code(), d.Code);
            Assert.False(string.IsNullOrWhiteSpace(d.Message), d.ToString());
        }
    }

    [GeneratedRegex("\r\n|\r|\n|\u0085|\u2028|\u2029")]
    private static partial Regex LineBreak();

    [GeneratedRegex("^register\\.[a-z_]+$")]
    private static partial Regex Code();
}
