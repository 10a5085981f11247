using System.Globalization;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Store;
using Custodian.Hosting;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Features.Office;

/// <summary>Display helpers shared by the back-office pages: register texts in the reader's language, times and days.</summary>
internal static class OfficeFormat
{
    /// <summary>The register's language of the current request's UI culture.</summary>
    public static StatementLanguage Language => Languages.IsEnglish(CultureInfo.CurrentUICulture) ? StatementLanguage.English : StatementLanguage.Dutch;

    public static string Text(LocalizedText? text) => text?.Get(Language) ?? string.Empty;

    /// <summary>An instant as Amsterdam wall time (the zone retention days are counted in), ISO order.</summary>
    public static string Time(Instant? instant) => OfficeDisplay.Time(instant);

    public static string Day(LocalDate day) => LocalDatePattern.Iso.Format(day);

    public static string Day(LocalDate? day) => day is { } d ? Day(d) : string.Empty;

    public static string Month(YearMonth month) => month.ToString("uuuu-MM", CultureInfo.InvariantCulture);

    /// <summary>The field errors of a failed store command, by field (a command's other failures have none).</summary>
    public static Dictionary<string, List<FieldError>> ErrorsByField(StoreError? error) =>
        error is ValidationError v
            ? v.Errors.GroupBy(e => e.Field, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal)
            : [];
}

/// <summary>The reader's text for a command's field error: <c>Error_&lt;code&gt;</c> in OfficeResource, a generic one otherwise.</summary>
internal static class OfficeErrors
{
    public static string Text(Microsoft.Extensions.Localization.IStringLocalizer texts, FieldError error, params object[] arguments)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(error);
        var specific = texts["Error_" + error.Code, arguments];
        if (!specific.ResourceNotFound)
        {
            return specific.Value;
        }

        return error.Code.StartsWith("identifier.", StringComparison.Ordinal) ? texts["Error_identifier"].Value : texts["Error_invalid"].Value;
    }
}
