using System.Globalization;
using System.Xml.Linq;
using Custodian.Core.Features.Dashboard;
using Xunit;

namespace Custodian.Core.Tests.Dashboard;

public sealed class StackedBarChartSvgTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static StackedBarChart Chart() => new(
        "Gegevens <per> categorie & leeftijd",
        "Aandeel per leeftijd.",
        "Aandeel van de gegevens",
        ["deze maand", "1–2 maanden", "geen"],
        [
            new StackedBar("Belgegevens", [1234567, 3, 0]),
            new StackedBar("Contactpersoon", [0, 0, 2]),
            new StackedBar("Leeg", [0, 0, 0]),
        ],
        "geen gegevens");

    [Fact]
    public void Render_Chart_IsAccessibleImageWithTitleAndDescription()
    {
        var doc = XDocument.Parse(StackedBarChartSvg.Render(Chart(), "ages"));
        var root = doc.Root!;

        Assert.Equal(Svg + "svg", root.Name);
        Assert.Equal("img", (string?)root.Attribute("role"));
        Assert.Equal("ages-title ages-desc", (string?)root.Attribute("aria-labelledby"));
        Assert.Equal("Gegevens <per> categorie & leeftijd", root.Element(Svg + "title")!.Value);
        Assert.Equal("ages-title", (string?)root.Element(Svg + "title")!.Attribute("id"));
        var desc = root.Element(Svg + "desc")!;
        Assert.Equal("ages-desc", (string?)desc.Attribute("id"));
        // Every value is in the description as text: nothing is told by colour alone.
        Assert.Equal(
            "Aandeel per leeftijd. Belgegevens: 1234570 (deze maand 1234567; 1–2 maanden 3). Contactpersoon: 2 (geen 2). Leeg: 0.",
            desc.Value.Replace(",", "", StringComparison.Ordinal));
    }

    [Fact]
    public void Render_Bars_OneSegmentPerNonZeroValueWithItsOwnTitle()
    {
        var doc = XDocument.Parse(StackedBarChartSvg.Render(Chart(), "ages"));
        var bars = doc.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "bar").ToList();

        Assert.Equal(["1234570", "2", "0"], bars.Select(b => (string?)b.Attribute("data-total")));
        var first = bars[0].Elements(Svg + "rect").ToList();
        Assert.Equal(["0", "1"], first.Select(r => (string?)r.Attribute("data-series")));
        Assert.Equal(["1234567", "3"], first.Select(r => (string?)r.Attribute("data-value")));
        Assert.Equal("Belgegevens, deze maand: 1,234,567", first[0].Element(Svg + "title")!.Value);
        // Shares: the widths add up to the plot width.
        var widths = first.Select(r => double.Parse((string)r.Attribute("width")!, CultureInfo.InvariantCulture)).ToList();
        var full = double.Parse((string)bars[1].Elements(Svg + "rect").Single().Attribute("width")!, CultureInfo.InvariantCulture);
        Assert.Equal(full, widths.Sum(), 1);
        Assert.Empty(bars[2].Elements(Svg + "rect"));
        Assert.Contains(bars[2].Elements(Svg + "text"), t => t.Value == "geen gegevens");
        // The legend names every series.
        var legend = doc.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "legend");
        Assert.Equal(["deze maand", "1–2 maanden", "geen"], legend.Elements(Svg + "text").Select(t => t.Value));
    }

    [Fact]
    public void Render_SameInputTwiceAndUnderAnotherCulture_SameBytesInvariantAttributes()
    {
        var invariant = StackedBarChartSvg.Render(Chart(), "ages");
        var previous = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("nl-NL");
            Assert.Equal(invariant, StackedBarChartSvg.Render(Chart(), "ages"));
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }

        // Dutch numbers in text, invariant numbers in attributes.
        var dutch = XDocument.Parse(StackedBarChartSvg.Render(Chart(), "ages", new CultureInfo("nl-NL")));
        var rect = dutch.Descendants(Svg + "rect").First(r => r.Attribute("data-value") is not null);
        var numeric = dutch.Descendants().Attributes().Where(a => a.Name.LocalName is "x" or "y" or "width" or "height" or "x1" or "x2" or "stroke-width").ToList();
        Assert.NotEmpty(numeric);
        Assert.All(numeric, a => Assert.Matches(@"^\d+(\.\d+)?%?$", a.Value));
        Assert.Contains(numeric, a => a.Value.Contains('.', StringComparison.Ordinal));
        Assert.Equal("Belgegevens, deze maand: 1.234.567", rect.Element(Svg + "title")!.Value);
        Assert.DoesNotContain(dutch.Descendants().Attributes(), a => a.Name == "id" && !a.Value.StartsWith("ages-", StringComparison.Ordinal));
    }

    [Fact]
    public void TextOn_EveryPaletteColour_ContrastAtLeastAA()
    {
        foreach (var colour in StackedBarChartSvg.Palette)
        {
            Assert.True(StackedBarChartSvg.ContrastRatio(colour, StackedBarChartSvg.TextOn(colour)) >= 4.5, colour);
        }

        Assert.Equal(21, StackedBarChartSvg.ContrastRatio("#000000", "#FFFFFF"), 3);
    }

    [Fact]
    public void AgeChart_Labels_ComeFromTheCaller()
    {
        var ages = new RecordAges(new NodaTime.YearMonth(2025, 2), RecordAges.StandardBands,
            [new CategoryAges("usage.call_detail_records", [1, 2, 3, 4, 5, 6, 7])]);

        var doc = XDocument.Parse(AgeChart.Render(ages, new AgeChartLabels("T", "D", "A", "E", c => "cat:" + c, b => "band:" + b.Key), "x"));

        var legend = doc.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "legend");
        Assert.Equal(RecordAges.StandardBands.Select(b => "band:" + b.Key), legend.Elements(Svg + "text").Select(t => t.Value));
        Assert.Contains(doc.Descendants(Svg + "text"), t => t.Value == "cat:usage.call_detail_records");
        Assert.Equal("28", (string?)doc.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "bar").Attribute("data-total"));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    [InlineData(5, 2)]
    [InlineData(6, 3)]
    [InlineData(11, 3)]
    [InlineData(12, 4)]
    [InlineData(35, 4)]
    [InlineData(36, 5)]
    [InlineData(400, 5)]
    [InlineData(-1, 6)]
    public void BandOf_MonthsAgo_FallsInItsBand(int monthsAgo, int band) => Assert.Equal(band, RecordAges.BandOf(monthsAgo));
}
