using Custodian.Core.Features.Retention;
using NodaTime;
using Xunit;

namespace Custodian.Core.Tests.Retention;

public sealed class RetentionCutoffTests
{
    private static readonly Period[] Periods =
    [
        Period.Zero, Period.FromDays(1), Period.FromDays(90), Period.FromWeeks(1), Period.FromMonths(1), Period.FromMonths(6),
        Period.FromYears(1), Period.FromYears(3), Period.FromYears(10), Period.FromDays(31),
        new PeriodBuilder { Years = 1, Months = 2, Days = 3 }.Build(), new PeriodBuilder { Months = 1, Days = 1 }.Build(),
    ];

    private static IEnumerable<RetentionSchedule> Schedules()
    {
        foreach (var p in Periods)
        {
            yield return new PeriodSchedule(p);
        }

        yield return new ClampedSchedule(new PeriodSchedule(Period.FromDays(31)), new PeriodSchedule(Period.Zero), new PeriodSchedule(Period.FromMonths(1)));
        yield return new ClampedSchedule(new PeriodSchedule(Period.FromMonths(1)), new PeriodSchedule(Period.FromDays(30)), new PeriodSchedule(Period.FromDays(31)));
        yield return new ClampedSchedule(new PeriodSchedule(Period.FromYears(11)), new PeriodSchedule(Period.Zero), new PeriodSchedule(Period.FromYears(10)));
        yield return new ClampedSchedule(new PeriodSchedule(Period.Zero), new PeriodSchedule(Period.FromWeeks(1)), new PeriodSchedule(Period.FromMonths(1)));
    }

    /// <summary>Instants biased to the hard places: month ends and starts, leap days, DST change days, local midnights.</summary>
    private static Instant RandomInstant(Random random)
    {
        var zone = RetentionCalendar.Zone;
        var year = random.Next(1995, 2045);
        LocalDate date = random.Next(6) switch
        {
            0 => new LocalDate(year, random.Next(1, 13), 1).PlusMonths(1).PlusDays(-random.Next(1, 4)), // last days of a month
            1 => new LocalDate(year, random.Next(1, 13), 1), // first of a month
            2 => DateTime.IsLeapYear(year) ? new LocalDate(year, 2, 29) : new LocalDate(year, 2, 28),
            3 => LastSunday(year, random.Next(2) == 0 ? 3 : 10), // DST changes in Amsterdam
            _ => new LocalDate(year, 1, 1).PlusDays(random.Next(365)),
        };
        var start = date.AtStartOfDayInZone(zone).ToInstant();
        var end = date.PlusDays(1).AtStartOfDayInZone(zone).ToInstant();
        return random.Next(5) switch
        {
            0 => start,
            1 => end - Duration.Epsilon,
            2 => start + Duration.FromHours(random.Next(0, 4)) + Duration.FromMinutes(random.Next(60)), // around the DST hours
            _ => start + Duration.FromTicks((long)(random.NextDouble() * (end - start).BclCompatibleTicks)),
        };
    }

    private static LocalDate LastSunday(int year, int month)
    {
        var d = new LocalDate(year, month, 1).PlusMonths(1).PlusDays(-1);
        while (d.DayOfWeek != IsoDayOfWeek.Sunday)
        {
            d = d.PlusDays(-1);
        }

        return d;
    }

    [Fact]
    public void Cutoff_RandomAnchorsAndInstants_AnchorBeforeCutoffExactlyWhenExpired()
    {
        var random = new Random(20261128);
        var schedules = Schedules().ToList();
        for (var i = 0; i < 40_000; i++)
        {
            var schedule = schedules[i % schedules.Count];
            var anchor = RandomInstant(random);
            var expiry = schedule.Expiry(RetentionCalendar.DayOf(anchor));
            // Half the instants near the expiry itself, where an off-by-one shows.
            var at = random.Next(2) == 0 ? RandomInstant(random) : expiry + Duration.FromTicks(random.Next(-3, 3) * (random.Next(2) == 0 ? 1 : TimeSpan.TicksPerHour));
            var cutoff = RetentionCutoff.For(schedule, at);
            Assert.True(cutoff.IsDue(anchor) == (expiry <= at),
                $"{schedule}: anchor {anchor} (day {RetentionCalendar.DayOf(anchor)}), expiry {expiry}, at {at}, last due day {cutoff.LastDueAnchorDay}");
            Assert.Equal(cutoff.IsDue(RetentionCalendar.DayOf(anchor)), cutoff.IsDue(anchor));
        }
    }

    [Fact]
    public void Expiry_ConsecutiveInstants_NeverDecreases()
    {
        var random = new Random(7);
        foreach (var schedule in Schedules())
        {
            var t = new LocalDate(2023, 12, 1).AtStartOfDayInZone(RetentionCalendar.Zone).ToInstant();
            var previous = Instant.MinValue;
            while (t < new LocalDate(2025, 4, 1).AtStartOfDayInZone(RetentionCalendar.Zone).ToInstant())
            {
                var expiry = schedule.Expiry(RetentionCalendar.DayOf(t));
                Assert.True(expiry >= previous, $"{schedule} at {t}");
                Assert.True(expiry > t, $"{schedule} at {t}: expires before it was made");
                previous = expiry;
                t += Duration.FromMinutes(random.Next(1, 180));
            }
        }
    }

    [Fact]
    public void LastDueAnchorDay_MonthEnds_IsTheLatestDayThatExpired()
    {
        var sixMonths = new PeriodSchedule(Period.FromMonths(6));
        // On 1 March 2026 everything anchored through 31 August 2025 has expired (29-31 August + 6 months = 28 February).
        Assert.Equal(new LocalDate(2025, 8, 31), sixMonths.LastDueAnchorDay(new LocalDate(2026, 3, 1)));
        // On 28 February itself only through 27 August (27 August + 6 months = 27 February, kept through that day).
        Assert.Equal(new LocalDate(2025, 8, 27), sixMonths.LastDueAnchorDay(new LocalDate(2026, 2, 28)));
        // On 1 October (31 March + 6 months = 30 September): nothing anchored on 31 March is left, but 1 April is.
        Assert.Equal(new LocalDate(2025, 3, 31), sixMonths.LastDueAnchorDay(new LocalDate(2025, 10, 1)));
        Assert.Equal(new LocalDate(2025, 3, 29), sixMonths.LastDueAnchorDay(new LocalDate(2025, 9, 30)));
    }

    [Fact]
    public void AnchorBefore_IsTheStartOfTheDayAfterTheLastDueDay()
    {
        var cutoff = RetentionCutoff.For(new PeriodSchedule(Period.FromDays(90)), Instant.FromUtc(2025, 7, 1, 12, 0));
        Assert.Equal(new LocalDate(2025, 4, 1), cutoff.LastDueAnchorDay);
        Assert.Equal(Instant.FromUtc(2025, 4, 1, 22, 0), cutoff.AnchorBefore); // 2 April 00:00 CEST
        Assert.True(cutoff.IsDue(Instant.FromUtc(2025, 4, 1, 21, 59, 59)));
        Assert.False(cutoff.IsDue(Instant.FromUtc(2025, 4, 1, 22, 0)));
    }
}
