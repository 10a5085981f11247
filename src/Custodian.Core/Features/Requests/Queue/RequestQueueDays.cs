using NodaTime;

namespace Custodian.Core.Features.Requests.Queue;

/// <summary>
/// Days to a request's deadline, counted in Dutch working days (<see cref="DutchPublicHolidays.IsWorkingDay"/>): staff
/// plan in working days, and a deadline that falls after a long weekend leaves fewer of them than the calendar says.
/// Pure: no clock.
/// </summary>
internal static class RequestQueueDays
{
    /// <summary>How far "due soon" reaches: this many working days after today.</summary>
    public const int SoonWorkingDays = 7;

    /// <summary>
    /// Working days from <paramref name="today"/> to <paramref name="due"/>: 0 when due today; positive, the working
    /// days after today up to and including the due day; negative when overdue, minus the working days after the due
    /// day up to and including today (due Friday, today Monday: -1).
    /// </summary>
    public static int WorkingDaysUntil(LocalDate today, LocalDate due)
    {
        if (due == today)
        {
            return 0;
        }

        var (from, to, sign) = due > today ? (today, due, 1) : (due, today, -1);
        var count = 0;
        for (var d = from.PlusDays(1); d <= to; d = d.PlusDays(1))
        {
            if (DutchPublicHolidays.IsWorkingDay(d))
            {
                count++;
            }
        }

        return sign * count;
    }

    /// <summary>The last due date that is "due soon": <see cref="SoonWorkingDays"/> working days after <paramref name="today"/>.</summary>
    public static LocalDate SoonUntil(LocalDate today)
    {
        var d = today;
        for (var i = 0; i < SoonWorkingDays; i++)
        {
            d = d.PlusDays(1);
            while (!DutchPublicHolidays.IsWorkingDay(d))
            {
                d = d.PlusDays(1);
            }
        }

        // Non-working days right after the last working day also fall before the 8th working day.
        while (!DutchPublicHolidays.IsWorkingDay(d.PlusDays(1)))
        {
            d = d.PlusDays(1);
        }

        return d;
    }
}
