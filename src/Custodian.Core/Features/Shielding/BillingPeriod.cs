using System.Globalization;
using Custodian.Core.Features.Retention;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Core.Features.Shielding;

/// <summary>
/// A billing period: a calendar month in Europe/Amsterdam (the invoices' months, as <c>ErasureRules.BillingWindowEnd</c>
/// models them). Stored as the month's first day (<see cref="LocalDate"/>), which both engines map.
/// </summary>
internal static class BillingPeriod
{
    private static readonly YearMonthPattern Pattern = YearMonthPattern.CreateWithInvariantCulture("uuuu'-'MM");

    public static YearMonth Of(Instant instant) => RetentionCalendar.DayOf(instant).ToYearMonth();

    public static Instant Start(YearMonth period) => RetentionCalendar.StartOf(period.OnDayOfMonth(1));

    public static Instant End(YearMonth period) => Start(period.PlusMonths(1));

    public static LocalDate FirstDay(YearMonth period) => period.OnDayOfMonth(1);

    /// <summary><c>2026-10</c>; null when it is not one.</summary>
    public static YearMonth? Parse(string? text) =>
        text is not null && Pattern.Parse(text.Trim()) is { Success: true } r ? r.Value : null;

    public static string Format(YearMonth period) => Pattern.Format(period);

    public static string Format(LocalDate firstDay) => Format(firstDay.ToYearMonth());

    internal static string Invariant(int n) => n.ToString(CultureInfo.InvariantCulture);
}
