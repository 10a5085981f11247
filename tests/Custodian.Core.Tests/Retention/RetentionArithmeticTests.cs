using Custodian.Core.Features.Register;
using Custodian.Core.Features.Retention;
using NodaTime;
using Xunit;

namespace Custodian.Core.Tests.Retention;

public sealed class RetentionArithmeticTests
{
    private static readonly FixedRetention SixMonths = new(Period.FromMonths(6), RetentionAnchor.RecordTime);
    private static readonly FixedRetention NinetyDays = new(Period.FromDays(90), RetentionAnchor.RecordTime);

    [Fact]
    public void Expiry_MonthEnd_ClampsToTheShorterMonth()
    {
        // 31 August 10:00 CEST + 6 months = 28 February 10:00 CET (2027 is no leap year).
        var anchor = Instant.FromUtc(2026, 8, 31, 8, 0);

        Assert.Equal(Instant.FromUtc(2027, 2, 28, 9, 0), RetentionArithmetic.Expiry(SixMonths, anchor));
    }

    [Fact]
    public void Expiry_IntoTheSpringForwardGap_MovesForwardNeverBack()
    {
        // 28 September 2026 02:30 CEST + 6 months = 28 March 2027 02:30, which does not exist (clocks go 02:00 -> 03:00).
        var anchor = Instant.FromUtc(2026, 9, 28, 0, 30);

        Assert.Equal(Instant.FromUtc(2027, 3, 28, 1, 30), RetentionArithmetic.Expiry(SixMonths, anchor));
    }

    [Fact]
    public void StartCutoff_AtAMonthEnd_IncludesEveryAnchorThatClampsOntoIt()
    {
        // At 28 February 2027 10:00 CET, records of 28-31 August 10:00 CEST have all expired (they all clamp to 28 Feb).
        var at = Instant.FromUtc(2027, 2, 28, 9, 0);

        var cutoff = RetentionArithmetic.StartCutoff(SixMonths, at);

        Assert.Equal(Instant.FromUtc(2026, 8, 31, 8, 0), cutoff);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void StartCutoff_ManyRandomInstants_SeparatesExpiredFromUnexpiredExactly(int seed)
    {
        var random = new Random(seed);
        foreach (var rule in new[] { SixMonths, NinetyDays, new FixedRetention(Period.FromYears(3), RetentionAnchor.RecordTime) })
        {
            for (var i = 0; i < 300; i++)
            {
                // Instants over several years, biased towards month ends and the DST switch nights.
                var day = new LocalDate(2024, 1, 1).PlusDays(random.Next(0, 4 * 366));
                if (random.Next(3) == 0)
                {
                    day = day.With(DateAdjusters.EndOfMonth);
                }

                var at = (day.At(new LocalTime(random.Next(24), random.Next(60), random.Next(60))).InZoneLeniently(RetentionArithmetic.Zone)).ToInstant()
                    + Duration.FromTicks(random.Next(10_000_000));
                var cutoff = RetentionArithmetic.StartCutoff(rule, at);

                Assert.True(RetentionArithmetic.Expiry(rule, cutoff) <= at, $"{rule.Period} at {at}: the cutoff itself must have expired");
                Assert.True(RetentionArithmetic.Expiry(rule, cutoff + Duration.FromTicks(10)) > at, $"{rule.Period} at {at}: a microsecond later must not have");
                Assert.Equal(0, cutoff.ToUnixTimeTicks() % 10);
            }
        }
    }
}

public sealed class SweepScheduleTests
{
    [Theory]
    [InlineData(null, "03:30")]
    [InlineData("", "03:30")]
    [InlineData("01:05", "01:05")]
    [InlineData(" 23:59 ", "23:59")]
    public void Parse_ValidTimes_GiveTheSchedule(string? text, string expected)
    {
        var schedule = SweepSchedule.Parse(text, out var error);

        Assert.Null(error);
        Assert.Equal(expected, schedule!.At.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Parse_Off_GivesNoScheduleAndNoError()
    {
        Assert.Null(SweepSchedule.Parse("OFF", out var error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData("3:30")]
    [InlineData("25:00")]
    [InlineData("nightly")]
    public void Parse_Nonsense_NamesTheSettingAndTheFormat(string text)
    {
        Assert.Null(SweepSchedule.Parse(text, out var error));
        Assert.StartsWith("settings.sweep_at:", error, StringComparison.Ordinal);
        Assert.Contains("HH:mm", error, StringComparison.Ordinal);
    }

    [Fact]
    public void NextAfter_IsTheNextLocalTimeInAmsterdam()
    {
        var schedule = SweepSchedule.Default;

        // 28 November 12:00 UTC -> 29 November 03:30 CET = 02:30 UTC; in summer 03:30 CEST = 01:30 UTC.
        Assert.Equal(Instant.FromUtc(2026, 11, 29, 2, 30), schedule.NextAfter(Instant.FromUtc(2026, 11, 28, 12, 0)));
        Assert.Equal(Instant.FromUtc(2026, 7, 2, 1, 30), schedule.NextAfter(Instant.FromUtc(2026, 7, 1, 1, 30)));
    }

    [Fact]
    public void NextAfter_TimeInTheSpringForwardGap_RunsRightAfterTheGap()
    {
        // 28 March 2027: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist that night.
        var schedule = new SweepSchedule(new LocalTime(2, 30));

        Assert.Equal(Instant.FromUtc(2027, 3, 28, 1, 30), schedule.NextAfter(Instant.FromUtc(2027, 3, 27, 12, 0)));
    }

    [Fact]
    public void PreviousAtOrBefore_IsTheLastScheduledMoment()
    {
        Assert.Equal(Instant.FromUtc(2026, 11, 28, 2, 30), SweepSchedule.Default.PreviousAtOrBefore(Instant.FromUtc(2026, 11, 28, 12, 0)));
        Assert.Equal(Instant.FromUtc(2026, 11, 28, 2, 30), SweepSchedule.Default.PreviousAtOrBefore(Instant.FromUtc(2026, 11, 28, 2, 30)));
    }
}
