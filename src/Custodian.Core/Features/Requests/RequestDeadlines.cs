using NodaTime;

namespace Custodian.Core.Features.Requests;

/// <summary>
/// The deadlines of a data-subject request (GDPR 12(3), domain.md DSR-2/DSR-3), counted as EU Regulation 1182/71:
/// the day of receipt is not counted; a period of months ends on the same date of the last month, or on that month's
/// last day when the date does not exist there; a period that ends on a Saturday, Sunday or public holiday
/// (<see cref="DutchPublicHolidays"/>) ends on the next working day. Pure: no clock, no database.
/// </summary>
internal static class RequestDeadlines
{
    public static readonly DateTimeZone Amsterdam = DateTimeZoneProviders.Tzdb["Europe/Amsterdam"];

    /// <summary>At most two further months (GDPR 12(3)).</summary>
    public const int MaxExtensionMonths = 2;

    /// <summary>The day of receipt: the Amsterdam date of the instant the request arrived.</summary>
    public static LocalDate ReceivedOn(Instant receivedAt) => receivedAt.InZone(Amsterdam).Date;

    /// <summary>One month after <paramref name="receivedOn"/>, moved to the next working day.</summary>
    public static LocalDate DueOn(LocalDate receivedOn) => EndOfMonths(receivedOn, 1);

    /// <summary>
    /// The due date after extending by <paramref name="months"/> (1 or 2) further months: counted from the day of
    /// receipt as one period of 1 + months months, so that the clamped month end of the first month does not shorten
    /// the extension (received 31 January, extended by two: 30 April, not 28 April).
    /// </summary>
    public static LocalDate ExtendedDueOn(LocalDate receivedOn, int months)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(months, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(months, MaxExtensionMonths);
        return EndOfMonths(receivedOn, 1 + months);
    }

    /// <summary>
    /// An extension is possible only while the first month runs: the requester must be told, with the reasons,
    /// within it (GDPR 12(3)). True up to and including the (working-day adjusted) first due date.
    /// </summary>
    public static bool CanExtendOn(LocalDate receivedOn, LocalDate today) => today <= DueOn(receivedOn);

    public static LocalDate NextWorkingDayFrom(LocalDate date)
    {
        while (!DutchPublicHolidays.IsWorkingDay(date))
        {
            date = date.PlusDays(1);
        }

        return date;
    }

    // NodaTime's PlusMonths keeps the day of month and clamps it to the month's last day: exactly the 1182/71 rule.
    private static LocalDate EndOfMonths(LocalDate receivedOn, int months) => NextWorkingDayFrom(receivedOn.PlusMonths(months));
}
