using Custodian.Core.Features.Breaches;
using NodaTime;
using Xunit;

namespace Custodian.Core.Tests.Breaches;

public sealed class BreachClocksTests
{
    private static readonly Instant Detected = Instant.FromUtc(2026, 3, 2, 8, 0);

    private static Breach Breach(Instant? reported = null, string? notNotified = null) => new()
    {
        DetectedAt = Detected,
        AwareAt = Detected + Duration.FromHours(10),
        InitialReportAt = reported,
        NotNotifiedReason = notNotified,
    };

    [Fact]
    public void Both_Running_TimeLeftFromDetectionAndAwareness()
    {
        var now = Detected + Duration.FromHours(20);
        var telecom = BreachClocks.Telecom(Breach(), now);
        var gdpr = BreachClocks.Gdpr(Breach(), now);
        Assert.Equal((BreachClockState.Running, Duration.FromHours(4)), (telecom.State, telecom.Remaining!.Value));
        Assert.Equal(Detected + Duration.FromHours(24), telecom.Deadline);
        Assert.Equal((BreachClockState.Running, Duration.FromHours(62)), (gdpr.State, gdpr.Remaining!.Value));
        Assert.False(BreachClocks.LateReasonsRequired(Breach(), now));
    }

    [Fact]
    public void Telecom_PastDetectionPlus24h_OverdueWhileGdprStillRuns()
    {
        var now = Detected + Duration.FromHours(30);
        var telecom = BreachClocks.Telecom(Breach(), now);
        Assert.Equal(BreachClockState.Overdue, telecom.State);
        Assert.Equal(-Duration.FromHours(6), telecom.Remaining);
        Assert.Equal(BreachClockState.Running, BreachClocks.Gdpr(Breach(), now).State);
        Assert.True(BreachClocks.LateReasonsRequired(Breach(), now));
    }

    [Fact]
    public void Both_ReportedAfter24hBefore72h_TelecomLateGdprMet()
    {
        var breach = Breach(reported: Detected + Duration.FromHours(25));
        var now = Detected + Duration.FromDays(10);
        Assert.Equal(BreachClockState.Late, BreachClocks.Telecom(breach, now).State);
        Assert.Equal(BreachClockState.Met, BreachClocks.Gdpr(breach, now).State);
        Assert.Null(BreachClocks.Gdpr(breach, now).Remaining);
        Assert.True(BreachClocks.LateReasonsRequired(breach, now));
    }

    [Fact]
    public void Both_ReportedExactlyAtDeadline_Met()
    {
        var breach = Breach(reported: Detected + Duration.FromHours(24));
        Assert.Equal(BreachClockState.Met, BreachClocks.Telecom(breach, Detected + Duration.FromDays(5)).State);
    }

    [Fact]
    public void Both_DocumentedAsNotNotified_NotRequired()
    {
        var breach = Breach(notNotified: "encrypted laptop, key not lost");
        var now = Detected + Duration.FromDays(5);
        Assert.All(BreachClocks.Both(breach, now), c => Assert.Equal(BreachClockState.NotRequired, c.State));
        Assert.False(BreachClocks.LateReasonsRequired(breach, now));
    }

    [Fact]
    public void Complete_NoInitialNotice_NoClock()
    {
        Assert.Null(BreachClocks.Complete(Breach(), Detected + Duration.FromDays(10)));
    }

    [Fact]
    public void Complete_InitialNoticeWithinThreeDays_RunningFromTheInitialNotice()
    {
        var initial = Detected + Duration.FromHours(20);
        var clock = BreachClocks.Complete(Breach(reported: initial), initial + Duration.FromDays(2))!;
        Assert.Equal((BreachClockKind.Complete3d, initial, initial + Duration.FromDays(3)), (clock.Kind, clock.StartsAt, clock.Deadline));
        Assert.Equal((BreachClockState.Running, Duration.FromDays(1)), (clock.State, clock.Remaining!.Value));
    }

    [Fact]
    public void Complete_NoCompleteNoticeAfterThreeDays_OverdueButNoLateReasonsForTheInitialClocks()
    {
        var initial = Detected + Duration.FromHours(20);
        var breach = Breach(reported: initial);
        var now = initial + Duration.FromDays(3) + Duration.FromHours(5);
        var clock = BreachClocks.Complete(breach, now)!;
        Assert.Equal((BreachClockState.Overdue, -Duration.FromHours(5)), (clock.State, clock.Remaining!.Value));
        Assert.True(clock.IsMissed);
        Assert.False(BreachClocks.LateReasonsRequired(breach, now));
    }

    [Fact]
    public void Complete_CompleteNoticeOnTheDeadline_Met()
    {
        var initial = Detected + Duration.FromHours(20);
        var breach = Breach(reported: initial);
        breach.CompleteReportAt = initial + Duration.FromDays(3);
        var clock = BreachClocks.Complete(breach, initial + Duration.FromDays(30))!;
        Assert.Equal(BreachClockState.Met, clock.State);
        Assert.Null(clock.Remaining);
    }

    [Fact]
    public void Complete_CompleteNoticeAfterThreeDays_Late()
    {
        var initial = Detected + Duration.FromHours(20);
        var breach = Breach(reported: initial);
        breach.CompleteReportAt = initial + Duration.FromDays(3) + Duration.FromMinutes(1);
        Assert.Equal(BreachClockState.Late, BreachClocks.Complete(breach, initial + Duration.FromDays(30))!.State);
    }
}
