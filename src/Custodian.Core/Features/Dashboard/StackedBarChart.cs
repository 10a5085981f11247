using System.Globalization;
using System.Text;

namespace Custodian.Core.Features.Dashboard;

/// <summary>One horizontal bar: its label and one value per series (same order as <see cref="StackedBarChart.Series"/>).</summary>
internal sealed record StackedBar(string Label, IReadOnlyList<long> Values);

/// <summary>
/// A horizontal 100 %-stacked bar chart: each bar shows how its total divides over the series, and its total is written
/// beside it. Shares rather than absolute lengths because the bars' totals differ by orders of magnitude (millions of
/// call records beside three contact persons); the totals are in text.
/// </summary>
/// <param name="Title">Shown above the chart and as the SVG's <c>&lt;title&gt;</c> (the accessible name).</param>
/// <param name="Description">The SVG's <c>&lt;desc&gt;</c>: what the chart shows; every value follows it as text.</param>
/// <param name="AxisLabel">Under the axis (<c>Share of records</c>).</param>
/// <param name="Series">The series' names, shown in the legend.</param>
/// <param name="Bars">The bars, top to bottom.</param>
/// <param name="EmptyText">Written in place of a bar without any value (<c>no records</c>).</param>
internal sealed record StackedBarChart(string Title, string Description, string AxisLabel, IReadOnlyList<string> Series, IReadOnlyList<StackedBar> Bars, string EmptyText);

/// <summary>
/// Renders a <see cref="StackedBarChart"/> as an inline SVG string, without any library: deterministic (same input, same
/// bytes; ids come from the caller's <c>idPrefix</c>), culture-invariant numbers in attributes, every text from the caller.
/// Accessibility: <c>role="img"</c> with <c>aria-labelledby</c> pointing at <c>&lt;title&gt;</c> and <c>&lt;desc&gt;</c>;
/// the description lists every value as text; each segment has its own <c>&lt;title&gt;</c> and, where wide enough, its
/// count written on it; the legend names each colour, and segments are separated by white gaps, so nothing is told
/// by colour alone. Colours are the Okabe–Ito palette (distinguishable with colour-vision deficiencies); text on
/// segments is black or white, whichever contrasts more with the fill (at least 4.5:1 for every palette colour).
/// </summary>
internal static class StackedBarChartSvg
{
    /// <summary>Okabe–Ito, without its black and yellow (used for text and too light for a bar on white).</summary>
    public static readonly IReadOnlyList<string> Palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999", "#F0E442"];

    private const int Width = 760;
    private const int BarHeight = 22;
    private const int BarGap = 10;
    private const int TitleHeight = 34;
    private const int AxisHeight = 44;
    private const int LegendRowHeight = 22;
    private const int TotalColumn = 90;
    private const double CharWidth = 6.6; // 12px sans-serif, generous: labels must not be cut

    /// <param name="chart">What to draw.</param>
    /// <param name="idPrefix">Prefix of the ids in the SVG (unique within the page): <c>ages</c> gives <c>ages-title</c>, <c>ages-desc</c>.</param>
    /// <param name="textCulture">Culture of the numbers written as text (labels, totals); attributes are always invariant. Default: invariant.</param>
    public static string Render(StackedBarChart chart, string idPrefix, CultureInfo? textCulture = null)
    {
        ArgumentNullException.ThrowIfNull(chart);
        ArgumentException.ThrowIfNullOrWhiteSpace(idPrefix);
        var culture = textCulture ?? CultureInfo.InvariantCulture;
        var labelWidth = (int)Math.Clamp(Math.Ceiling(chart.Bars.Select(b => b.Label.Length).DefaultIfEmpty(0).Max() * CharWidth) + 12, 60, 300);
        var plotLeft = labelWidth;
        var plotWidth = Width - plotLeft - TotalColumn;
        var barsTop = TitleHeight;
        var barsHeight = chart.Bars.Count * (BarHeight + BarGap);
        var axisTop = barsTop + barsHeight;
        var legendTop = axisTop + AxisHeight;
        var legendColumns = 3;
        var legendRows = (chart.Series.Count + legendColumns - 1) / legendColumns;
        var height = legendTop + (legendRows * LegendRowHeight) + 8;

        var svg = new StringBuilder();
        svg.Append(Inv($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" role=\"img\" "));
        svg.Append(CultureInfo.InvariantCulture, $"aria-labelledby=\"{Escape(idPrefix)}-title {Escape(idPrefix)}-desc\" font-family=\"sans-serif\" font-size=\"12\">");
        svg.Append(CultureInfo.InvariantCulture, $"<title id=\"{Escape(idPrefix)}-title\">{Escape(chart.Title)}</title>");
        svg.Append(CultureInfo.InvariantCulture, $"<desc id=\"{Escape(idPrefix)}-desc\">{Escape(Describe(chart, culture))}</desc>");
        svg.Append("<rect width=\"100%\" height=\"100%\" fill=\"#FFFFFF\"/>");
        svg.Append(Inv($"<text x=\"0\" y=\"20\" font-size=\"15\" font-weight=\"bold\" fill=\"#000000\" aria-hidden=\"true\">{Escape(chart.Title)}</text>"));

        // Grid and axis: 0, 25, 50, 75, 100 %.
        svg.Append("<g class=\"axis\" aria-hidden=\"true\">");
        for (var p = 0; p <= 100; p += 25)
        {
            var x = plotLeft + (plotWidth * p / 100.0);
            svg.Append(Inv($"<line x1=\"{x:0.##}\" y1=\"{barsTop - 4}\" x2=\"{x:0.##}\" y2=\"{axisTop}\" stroke=\"#767676\" stroke-width=\"{(p == 0 ? 1 : 0.5)}\"/>"));
            svg.Append(Inv($"<text x=\"{x:0.##}\" y=\"{axisTop + 16}\" text-anchor=\"middle\" fill=\"#000000\">{Escape(p.ToString(culture))} %</text>"));
        }

        svg.Append(Inv($"<text x=\"{plotLeft + (plotWidth / 2.0):0.##}\" y=\"{axisTop + 34}\" text-anchor=\"middle\" fill=\"#000000\">{Escape(chart.AxisLabel)}</text>"));
        svg.Append("</g>");

        svg.Append("<g class=\"bars\">");
        for (var b = 0; b < chart.Bars.Count; b++)
        {
            var bar = chart.Bars[b];
            var y = barsTop + (b * (BarHeight + BarGap));
            var total = bar.Values.Sum();
            svg.Append(Inv($"<g class=\"bar\" data-total=\"{total}\">"));
            svg.Append(Inv($"<text x=\"{plotLeft - 8}\" y=\"{y + 15}\" text-anchor=\"end\" fill=\"#000000\">{Escape(bar.Label)}</text>"));
            if (total == 0)
            {
                svg.Append(Inv($"<text x=\"{plotLeft + 4}\" y=\"{y + 15}\" fill=\"#595959\">{Escape(chart.EmptyText)}</text>"));
            }
            else
            {
                var x = (double)plotLeft;
                for (var s = 0; s < bar.Values.Count && s < chart.Series.Count; s++)
                {
                    var value = bar.Values[s];
                    if (value <= 0)
                    {
                        continue;
                    }

                    var w = plotWidth * (double)value / total;
                    var fill = Palette[s % Palette.Count];
                    svg.Append(Inv($"<rect x=\"{x:0.##}\" y=\"{y}\" width=\"{w:0.##}\" height=\"{BarHeight}\" fill=\"{fill}\" stroke=\"#FFFFFF\" stroke-width=\"1\" data-series=\"{s}\" data-value=\"{value}\">"));
                    svg.Append(CultureInfo.InvariantCulture, $"<title>{Escape(bar.Label)}, {Escape(chart.Series[s])}: {Escape(value.ToString("N0", culture))}</title></rect>");
                    var text = value.ToString("N0", culture);
                    if (w >= (text.Length * CharWidth) + 6)
                    {
                        svg.Append(Inv($"<text x=\"{x + (w / 2):0.##}\" y=\"{y + 15}\" text-anchor=\"middle\" fill=\"{TextOn(fill)}\" aria-hidden=\"true\">{Escape(text)}</text>"));
                    }

                    x += w;
                }
            }

            svg.Append(Inv($"<text x=\"{plotLeft + plotWidth + 8}\" y=\"{y + 15}\" fill=\"#000000\" font-weight=\"bold\">{Escape(total.ToString("N0", culture))}</text>"));
            svg.Append("</g>");
        }

        svg.Append("</g>");

        svg.Append("<g class=\"legend\" aria-hidden=\"true\">");
        var columnWidth = (Width - plotLeft) / legendColumns;
        for (var s = 0; s < chart.Series.Count; s++)
        {
            var lx = plotLeft + ((s % legendColumns) * columnWidth);
            var ly = legendTop + ((s / legendColumns) * LegendRowHeight);
            svg.Append(Inv($"<rect x=\"{lx}\" y=\"{ly}\" width=\"14\" height=\"14\" fill=\"{Palette[s % Palette.Count]}\" stroke=\"#000000\" stroke-width=\"0.5\"/>"));
            svg.Append(Inv($"<text x=\"{lx + 20}\" y=\"{ly + 11}\" fill=\"#000000\">{Escape(chart.Series[s])}</text>"));
        }

        svg.Append("</g></svg>");
        return svg.ToString();
    }

    /// <summary>The chart as sentences: the description, then per bar its total and its non-zero values.</summary>
    private static string Describe(StackedBarChart chart, CultureInfo culture)
    {
        var text = new StringBuilder(chart.Description);
        foreach (var bar in chart.Bars)
        {
            text.Append(' ').Append(bar.Label).Append(": ").Append(bar.Values.Sum().ToString("N0", culture));
            var parts = bar.Values.Select((v, i) => (v, i)).Where(p => p.v > 0 && p.i < chart.Series.Count)
                .Select(p => chart.Series[p.i] + " " + p.v.ToString("N0", culture)).ToList();
            if (parts.Count > 0)
            {
                text.Append(" (").Append(string.Join("; ", parts)).Append(')');
            }

            text.Append('.');
        }

        return text.ToString();
    }

    /// <summary>Black or white, whichever has the higher WCAG contrast ratio against <paramref name="hex"/>.</summary>
    internal static string TextOn(string hex) => ContrastRatio(hex, "#000000") >= ContrastRatio(hex, "#FFFFFF") ? "#000000" : "#FFFFFF";

    /// <summary>WCAG 2 contrast ratio of two <c>#RRGGBB</c> colours (1..21).</summary>
    internal static double ContrastRatio(string a, string b)
    {
        var (la, lb) = (Luminance(a), Luminance(b));
        return (Math.Max(la, lb) + 0.05) / (Math.Min(la, lb) + 0.05);
    }

    private static double Luminance(string hex)
    {
        double Channel(int offset)
        {
            var c = int.Parse(hex.AsSpan(offset, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture) / 255.0;
            return c <= 0.04045 ? c / 12.92 : Math.Pow((c + 0.055) / 1.055, 2.4);
        }

        return (0.2126 * Channel(1)) + (0.7152 * Channel(3)) + (0.0722 * Channel(5));
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static string Escape(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            switch (c)
            {
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '"': sb.Append("&quot;"); break;
                case '\'': sb.Append("&#39;"); break;
                default:
                    // Characters XML 1.0 does not allow are dropped rather than written as invalid markup.
                    if (c >= 0x20 || c is '\t' or '\n' or '\r')
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.ToString();
    }
}
