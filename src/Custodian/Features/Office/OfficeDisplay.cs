using System.Globalization;
using Custodian.Core.Features.Register;
using Custodian.Hosting;
using Microsoft.Extensions.Localization;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Features.Office;

/// <summary>
/// How the back office writes times, numbers, durations and retention rules: times in Amsterdam (the people reading
/// them work there), numbers in the reader's culture, words from <c>OfficeResource</c>.
/// </summary>
internal static class OfficeDisplay
{
    private static readonly DateTimeZone Amsterdam = DateTimeZoneProviders.Tzdb["Europe/Amsterdam"];
    private static readonly LocalDateTimePattern TimePattern = LocalDateTimePattern.CreateWithInvariantCulture("yyyy-MM-dd HH:mm");

    /// <summary>An instant as Amsterdam wall time (<c>2025-02-28 13:00</c>); empty for null.</summary>
    public static string Time(Instant? instant) => instant is { } i ? TimePattern.Format(i.InZone(Amsterdam).LocalDateTime) : "";

    /// <summary>An ISO-8601 instant (as the receipts carry them) as Amsterdam wall time.</summary>
    public static string Time(string? iso) =>
        iso is not null && InstantPattern.ExtendedIso.Parse(iso) is { Success: true } parsed ? Time(parsed.Value) : iso ?? "";

    /// <summary>The ISO-8601 form for a <c>datetime</c> attribute.</summary>
    public static string Machine(Instant instant) => InstantPattern.ExtendedIso.Format(instant);

    public static string Number(long value) => value.ToString("N0", CultureInfo.CurrentCulture);

    public static string Number(long? value) => value is { } v ? Number(v) : "";

    /// <summary>A lateness in seconds as minutes, hours or days, whichever reads best; empty for null.</summary>
    public static string Duration(long? seconds, IStringLocalizer texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        return seconds switch
        {
            null => "",
            < 3600 => texts["DurationMinutes", Number((seconds.Value + 59) / 60)],
            < 2 * 86400 => texts["DurationHours", Number((seconds.Value + 3599) / 3600)],
            _ => texts["DurationDays", Number((seconds.Value + 86399) / 86400)],
        };
    }

    /// <summary>A register retention rule in the reader's language.</summary>
    public static string Rule(ProcessingRegister register, RetentionRule rule, IStringLocalizer texts)
    {
        ArgumentNullException.ThrowIfNull(register);
        ArgumentNullException.ThrowIfNull(texts);
        var words = new StatementVocabulary(Languages.IsEnglish(CultureInfo.CurrentUICulture) ? StatementLanguage.English : StatementLanguage.Dutch, register.Statement.Controller);
        return rule switch
        {
            FixedRetention f => texts["Rule_fixed_" + Core.Features.Retention.RetentionRuleText.Anchor(f.From), words.PeriodText(f.Period)],
            UntilServiceEndRetention u when u.Grace.Normalize().Equals(Period.Zero) => texts["Rule_service_end"],
            UntilServiceEndRetention u => texts["Rule_service_end_grace", words.PeriodText(u.Grace)],
            ClientDefinedRetention c => texts["Rule_client", words.PeriodText(c.Min), words.PeriodText(c.Max)],
            _ => throw new ArgumentOutOfRangeException(nameof(rule), rule.GetType().Name, "unknown retention rule"),
        };
    }

    /// <summary>A register category's description in the reader's language.</summary>
    public static string Category(ProcessingRegister register, string id)
    {
        ArgumentNullException.ThrowIfNull(register);
        var category = register.Categories.FirstOrDefault(c => c.Id == id);
        return category is null ? id : category.Description.Get(Languages.IsEnglish(CultureInfo.CurrentUICulture) ? StatementLanguage.English : StatementLanguage.Dutch);
    }
}
