using NodaTime;

namespace Custodian.Core.Features.Requests;

/// <summary>
/// The general recognised holidays of the Algemene termijnenwet art. 3, for ending a deadline on a working day.
/// UNVERIFIED (domain.md §13 item 7): the list below was not checked against the statute text. It holds New Year's
/// Day, Easter Monday, Ascension Day, Whit Monday, Christmas Day and Boxing Day, King's Day (27 April, or 26 April
/// when the 27th is a Sunday; the rule since 2014) and Liberation Day (5 May, every year). Easter Sunday and Whit
/// Sunday are Sundays and so never working days anyway; Good Friday is not in the list.
/// </summary>
internal static class DutchPublicHolidays
{
    public static bool IsHoliday(LocalDate date) => Of(date.Year).Contains(date);

    /// <summary>A Saturday, a Sunday or one of the holidays is not a working day.</summary>
    public static bool IsWorkingDay(LocalDate date) =>
        date.DayOfWeek is not (IsoDayOfWeek.Saturday or IsoDayOfWeek.Sunday) && !IsHoliday(date);

    public static IReadOnlySet<LocalDate> Of(int year)
    {
        var easter = EasterSunday(year);
        var kingsDay = new LocalDate(year, 4, 27);
        if (kingsDay.DayOfWeek == IsoDayOfWeek.Sunday)
        {
            kingsDay = kingsDay.PlusDays(-1);
        }

        return new HashSet<LocalDate>
        {
            new(year, 1, 1),
            easter.PlusDays(1),
            kingsDay,
            new(year, 5, 5),
            easter.PlusDays(39),
            easter.PlusDays(50),
            new(year, 12, 25),
            new(year, 12, 26),
        };
    }

    /// <summary>Easter Sunday by the Gregorian computus (the anonymous algorithm of Meeus/Jones/Butcher).</summary>
    public static LocalDate EasterSunday(int year)
    {
        var a = year % 19;
        var b = year / 100;
        var c = year % 100;
        var d = b / 4;
        var e = b % 4;
        var f = (b + 8) / 25;
        var g = (b - f + 1) / 3;
        var h = ((19 * a) + b - d - g + 15) % 30;
        var i = c / 4;
        var k = c % 4;
        var l = (32 + (2 * e) + (2 * i) - h - k) % 7;
        var m = (a + (11 * h) + (22 * l)) / 451;
        var month = (h + l - (7 * m) + 114) / 31;
        var day = ((h + l - (7 * m) + 114) % 31) + 1;
        return new LocalDate(year, month, day);
    }
}
