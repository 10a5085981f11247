using Custodian.Core.Features.Requests;
using NodaTime;
using NodaTime.Text;
using Xunit;

namespace Custodian.Core.Tests.Requests;

public sealed class RequestDeadlinesTests
{
    private static LocalDate D(string iso) => LocalDatePattern.Iso.Parse(iso).Value;

    /// <summary>domain.md §12 "DSR deadlines", then our own: leap years, Easter Monday, King's Day, year ends.</summary>
    [Theory]
    [InlineData("2025-01-31", "2025-02-28")] // §12: same date does not exist → last day (a Friday)
    [InlineData("2024-01-31", "2024-02-29")] // §12: leap year
    [InlineData("2025-03-15", "2025-04-15")] // §12
    [InlineData("2025-03-27", "2025-04-28")] // §12: 27 April 2025 is a Sunday (and King's Day moves to the 26th)
    [InlineData("2025-04-30", "2025-05-30")] // §12
    [InlineData("2023-01-29", "2023-02-28")] // not a leap year: 29 Feb does not exist
    [InlineData("2028-01-30", "2028-02-29")] // leap year clamp, a Tuesday
    [InlineData("2026-03-06", "2026-04-07")] // 6 April 2026 is Easter Monday → Tuesday
    [InlineData("2025-03-21", "2025-04-22")] // 21 April 2025 is Easter Monday → Tuesday
    [InlineData("2026-03-27", "2026-04-28")] // 27 April 2026 is King's Day (Monday) → Tuesday
    [InlineData("2027-03-27", "2027-04-28")] // 27 April 2027 is King's Day on a Tuesday → Wednesday
    [InlineData("2025-04-05", "2025-05-06")] // 5 May 2025 is Liberation Day (Monday) → Tuesday
    [InlineData("2025-11-25", "2025-12-29")] // 25 Dec Thu, 26 Dec Fri, 27–28 weekend → Monday 29 Dec
    [InlineData("2025-12-31", "2026-02-02")] // 31 Jan 2026 is a Saturday → Monday 2 Feb
    [InlineData("2025-12-01", "2026-01-02")] // New Year's Day → Friday 2 January
    [InlineData("2026-04-14", "2026-05-15")] // 14 May 2026 is Ascension Day → Friday
    [InlineData("2026-04-25", "2026-05-26")] // 25 May 2026 is Whit Monday → Tuesday
    public void DueOn_Vectors_MatchTheRule(string received, string due)
    {
        Assert.Equal(D(due), RequestDeadlines.DueOn(D(received)));
    }

    [Theory]
    [InlineData("2025-03-15", 2, "2025-06-16")] // §12: 15 June 2025 is a Sunday
    [InlineData("2025-03-15", 1, "2025-05-15")]
    [InlineData("2025-01-31", 2, "2025-04-30")] // one period of three months, not 28 Feb + 2 months
    [InlineData("2023-11-30", 2, "2024-02-29")] // leap-year clamp at the end of the extension
    public void ExtendedDueOn_Vectors_MatchTheRule(string received, int months, string due)
    {
        Assert.Equal(D(due), RequestDeadlines.ExtendedDueOn(D(received), months));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public void ExtendedDueOn_MoreThanTwoOrNoMonths_Throws(int months)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RequestDeadlines.ExtendedDueOn(D("2025-03-15"), months));
    }

    [Fact]
    public void CanExtendOn_WithinAndAfterTheFirstMonth_OnlyWithin()
    {
        var received = D("2025-03-27"); // due 2025-04-28 (the 27th is a Sunday)
        Assert.True(RequestDeadlines.CanExtendOn(received, D("2025-03-28")));
        Assert.True(RequestDeadlines.CanExtendOn(received, D("2025-04-28")));
        Assert.False(RequestDeadlines.CanExtendOn(received, D("2025-04-29")));
    }

    [Fact]
    public void ReceivedOn_LateEveningUtc_IsTheAmsterdamDate()
    {
        // 23:30 UTC on 31 March 2025 is 01:30 on 1 April in Amsterdam (summer time).
        Assert.Equal(D("2025-04-01"), RequestDeadlines.ReceivedOn(Instant.FromUtc(2025, 3, 31, 23, 30)));
        Assert.Equal(D("2025-01-31"), RequestDeadlines.ReceivedOn(Instant.FromUtc(2025, 1, 31, 22, 59)));
    }

    [Theory]
    [InlineData(2024, "2024-03-31")]
    [InlineData(2025, "2025-04-20")]
    [InlineData(2026, "2026-04-05")]
    [InlineData(2027, "2027-03-28")]
    [InlineData(2038, "2038-04-25")]
    [InlineData(2285, "2285-03-22")]
    public void EasterSunday_KnownYears_MatchesTheComputus(int year, string easter)
    {
        Assert.Equal(D(easter), DutchPublicHolidays.EasterSunday(year));
    }

    [Fact]
    public void KingsDay_OnASunday_MovesToSaturday26April()
    {
        // 27 April 2025 is a Sunday: King's Day is Saturday 26 April; the 27th is "only" a Sunday.
        Assert.True(DutchPublicHolidays.IsHoliday(D("2025-04-26")));
        Assert.False(DutchPublicHolidays.IsHoliday(D("2025-04-27")));
        Assert.True(DutchPublicHolidays.IsHoliday(D("2026-04-27")));
    }

    [Fact]
    public void Holidays_2025_AreTheStatutoryEight()
    {
        var expected = new[] { "2025-01-01", "2025-04-21", "2025-04-26", "2025-05-05", "2025-05-29", "2025-06-09", "2025-12-25", "2025-12-26" };
        Assert.Equal(expected.Select(D).Order(), DutchPublicHolidays.Of(2025).Order());
    }
}
