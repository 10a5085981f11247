using NodaTime;

namespace Custodian.Core.Features.Retention;

/// <summary>
/// The calendar retention is counted in: whole days in Europe/Amsterdam (tzdb), counted the way EU Regulation
/// 1182/71 counts periods (the same rule DSR-3 uses for deadlines).
/// </summary>
/// <remarks>
/// <para>Art. 3(1): the day of the event is not counted. Art. 3(2)(b)/(c): a period of days ends with the expiry of
/// its last day; a period of months or years ends with the expiry of the day with the same date in the last month, or
/// of that month's last day when the date does not exist (31 January + 1 month ends with 28 or 29 February). So a
/// record whose anchor falls on day <c>d</c> is kept through the whole of day <c>d + P</c> and expires at the first
/// instant of day <c>d + P + 1</c>, for every period <c>P</c>.</para>
/// <para>Art. 3(4) (a period ending on a weekend or public holiday runs on to the next working day) is deliberately
/// not applied: it exists to give someone time to act, while a retention period is a maximum for keeping data, and
/// stretching it would keep personal data longer than the statement promises.</para>
/// <para>Why whole days and not the anchor's time of day: a time-of-day rule is not monotonic in the anchor (30 January
/// 23:00 + 1 month = 28 February 23:00, later than 31 January 01:00 + 1 month = 28 February 01:00; and during the
/// autumn DST change the local clock runs backwards), so "everything anchored before a cutoff" would not be exactly
/// "everything expired". With whole days it is, which lets the sweep select by an indexed anchor column.</para>
/// <para>DST: the only instants this produces are starts of days, <see cref="StartOf"/>, which NodaTime resolves to
/// the first instant of the local date (in a zone whose midnight falls into a gap, the end of the gap). Amsterdam
/// changes at 02:00/03:00, so its midnights always exist and are unambiguous; any instant during a day, DST or not,
/// belongs to exactly one local date (<see cref="DayOf"/>), and local dates never run backwards.</para>
/// </remarks>
internal static class RetentionCalendar
{
    public static DateTimeZone Zone { get; } = DateTimeZoneProviders.Tzdb["Europe/Amsterdam"];

    /// <summary>The local date (Europe/Amsterdam) of an instant: the day an anchor falls on.</summary>
    public static LocalDate DayOf(Instant instant) => instant.InZone(Zone).Date;

    /// <summary>The first instant of a local date in Europe/Amsterdam.</summary>
    public static Instant StartOf(LocalDate day) => day.AtStartOfDayInZone(Zone).ToInstant();
}
