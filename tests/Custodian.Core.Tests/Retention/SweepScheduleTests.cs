using Custodian.Core.Features.Retention;
using NodaTime;
using Xunit;

namespace Custodian.Core.Tests.Retention;

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
