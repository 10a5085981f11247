using System.Globalization;

namespace Custodian.Core.Features.Dashboard;

/// <summary>
/// The texts of the age chart, from the page's resources (Dutch or English).
/// </summary>
/// <param name="Title">Chart title (<c>Gegevens per categorie en leeftijd</c>).</param>
/// <param name="Description">One sentence saying what the bars are; the values follow it automatically.</param>
/// <param name="AxisLabel">Under the axis (<c>Aandeel van de gegevens</c>).</param>
/// <param name="EmptyText">For a category without records.</param>
/// <param name="CategoryLabel">A register category id to its name (the register's localized name).</param>
/// <param name="BandLabel">An age band to its label, by <see cref="AgeBand.Key"/> (<c>m0_1</c>: <c>deze maand</c>).</param>
internal sealed record AgeChartLabels(
    string Title, string Description, string AxisLabel, string EmptyText, Func<string, string> CategoryLabel, Func<AgeBand, string> BandLabel);

/// <summary>The dashboard's "records per category and age" chart: <see cref="RecordAges"/> drawn by <see cref="StackedBarChartSvg"/>.</summary>
internal static class AgeChart
{
    /// <summary>The chart as inline SVG; one bar per register category (register order), one segment per age band.</summary>
    public static string Render(RecordAges ages, AgeChartLabels labels, string idPrefix = "record-ages", CultureInfo? textCulture = null)
    {
        ArgumentNullException.ThrowIfNull(ages);
        ArgumentNullException.ThrowIfNull(labels);
        var chart = new StackedBarChart(
            labels.Title,
            labels.Description,
            labels.AxisLabel,
            [.. ages.Bands.Select(labels.BandLabel)],
            [.. ages.Categories.Select(c => new StackedBar(labels.CategoryLabel(c.Category), c.Counts))],
            labels.EmptyText);
        return StackedBarChartSvg.Render(chart, idPrefix, textCulture);
    }
}
