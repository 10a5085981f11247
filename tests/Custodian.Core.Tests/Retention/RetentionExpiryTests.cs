using Custodian.Core.Features.Register;
using Custodian.Core.Features.Retention;
using Custodian.Core.Tests.Register;
using NodaTime;
using NodaTime.Text;
using Xunit;

namespace Custodian.Core.Tests.Retention;

public sealed class RetentionExpiryTests
{
    private static readonly Lazy<ProcessingRegister> Shipped = new(() =>
        RegisterLoader.Load(RegisterFiles.ShippedRegisterText, RegisterFiles.ShippedRegisterPath).Register
        ?? throw new InvalidOperationException("the shipped register does not load"));

    private static RetentionRule Rule(string category) => Shipped.Value.Category(category).Retention;

    /// <summary>A local time in Amsterdam (unambiguous ones only), as an instant.</summary>
    private static Instant Amsterdam(string local) =>
        LocalDateTimePattern.GeneralIso.Parse(local).Value.InZoneStrictly(RetentionCalendar.Zone).ToInstant();

    private static Instant Utc(string text) => InstantPattern.General.Parse(text).Value;

    [Fact]
    public void ShippedRegister_EveryRule_HasASchedule()
    {
        foreach (var category in Shipped.Value.Categories)
        {
            var schedule = RetentionSchedule.For(category.Retention);
            Assert.True(schedule.ExpiryDay(new LocalDate(2025, 1, 31)) > new LocalDate(2025, 1, 31), category.Id);
        }
    }

    [Theory]
    [InlineData("general.support_call_recordings", "2025-01-01T10:00:00", "2025-04-02T00:00:00")] // + 90 days = 1 April, kept through it
    [InlineData("general.support_call_recordings", "2024-01-01T10:00:00", "2024-04-01T00:00:00")] // leap year: + 90 days = 31 March
    [InlineData("usage.call_detail_records", "2025-08-31T12:00:00", "2026-03-01T00:00:00")] // 31 August + 6 months = 28 February
    [InlineData("usage.call_detail_records", "2023-08-31T12:00:00", "2024-03-01T00:00:00")] // ... = 29 February in a leap year
    [InlineData("usage.call_detail_records", "2025-08-29T00:00:00", "2026-03-01T00:00:00")] // 29, 30, 31 August all end on 28 February
    [InlineData("usage.call_detail_records", "2025-09-01T00:00:00", "2026-03-02T00:00:00")]
    [InlineData("general.traffic_information", "2025-03-31T23:59:59", "2025-10-01T00:00:00")] // 31 March + 6 months = 30 September
    [InlineData("general.support_information", "2024-02-29T09:00:00", "2027-03-01T00:00:00")] // closed on a leap day: + 3 years = 28 February
    [InlineData("general.support_information", "2024-02-28T09:00:00", "2027-03-01T00:00:00")]
    [InlineData("general.support_information", "2024-03-01T09:00:00", "2027-03-02T00:00:00")]
    public void Of_InstantAnchor_ExpiresAtTheStartOfTheDayAfterAnchorPlusPeriod(string category, string anchor, string expiry) =>
        Assert.Equal(Amsterdam(expiry), RetentionExpiry.Of(Rule(category), Amsterdam(anchor)));

    [Fact]
    public void Of_AnchorJustBeforeAndAfterLocalMidnight_CountsTheAmsterdamDayNotTheUtcDay()
    {
        var rule = Rule("general.support_call_recordings");
        // 23:59 CET on 29 March 2025 is 22:59Z; 00:30 CET on 30 March is still 29 March in UTC.
        Assert.Equal(Amsterdam("2025-06-28T00:00:00"), RetentionExpiry.Of(rule, Utc("2025-03-29T22:59:00Z")));
        Assert.Equal(Amsterdam("2025-06-29T00:00:00"), RetentionExpiry.Of(rule, Utc("2025-03-29T23:30:00Z")));
    }

    [Fact]
    public void Of_AnchorsInTheRepeatedAutumnHour_BothBelongToTheSameDay()
    {
        var rule = Rule("general.support_call_recordings");
        var first = Utc("2025-10-26T00:30:00Z"); // 02:30 CEST
        var second = Utc("2025-10-26T01:30:00Z"); // 02:30 CET, an hour later
        Assert.Equal(RetentionExpiry.Of(rule, first), RetentionExpiry.Of(rule, second));
        Assert.Equal(Amsterdam("2026-01-25T00:00:00"), RetentionExpiry.Of(rule, second));
    }

    [Fact]
    public void Of_ExpiryOnTheSpringDstDay_IsThatDaysMidnight()
    {
        // 29 March 2026 is the spring change (02:00 -> 03:00); its midnight exists (CET, 23:00Z the day before).
        var rule = Rule("general.support_call_recordings");
        var expiry = RetentionExpiry.Of(rule, Amsterdam("2025-12-28T15:00:00"));
        Assert.Equal(Utc("2026-03-28T23:00:00Z"), expiry);
    }

    [Fact]
    public void Of_TicketNotClosedOrReopened_IsNotExpiring()
    {
        var rule = Rule("general.support_information");
        var closed = Amsterdam("2025-05-01T10:00:00");
        Assert.NotNull(RetentionExpiry.Of(rule, closed));
        // Reopening sets ClosedAt back to null: the ticket no longer expires until it is closed again, and then from the new closing.
        Assert.Null(RetentionExpiry.Of(rule, null));
        Assert.Equal(Amsterdam("2028-09-02T00:00:00"), RetentionExpiry.Of(rule, Amsterdam("2025-09-01T08:00:00")));
    }

    [Theory]
    [InlineData("internet.connection")]
    [InlineData("voip.devices_and_contacts")]
    [InlineData("mobile.sim_and_notifications")]
    [InlineData("alarm.keyholders")]
    [InlineData("general.contact_person")]
    [InlineData("general.delivery_address")]
    [InlineData("general.billing_name")]
    public void OfServiceEnd_ShippedRules_ExpireWhenTheLastDayOfTheServiceHasEnded(string category)
    {
        var rule = Assert.IsType<UntilServiceEndRetention>(Rule(category));
        Assert.Equal(Period.Zero, rule.Grace);
        Assert.Null(RetentionExpiry.OfServiceEnd(rule, null)); // running
        Assert.Equal(Utc("2025-06-30T22:00:00Z"), RetentionExpiry.OfServiceEnd(rule, new LocalDate(2025, 6, 30))); // 1 July 00:00 CEST
        Assert.Equal(Utc("2025-12-31T23:00:00Z"), RetentionExpiry.OfServiceEnd(rule, new LocalDate(2025, 12, 31)));
    }

    [Fact]
    public void OfServiceEnd_WithGrace_AddsTheGraceAfterTheLastDay()
    {
        var rule = new UntilServiceEndRetention(Period.FromMonths(1));
        Assert.Equal(Amsterdam("2025-03-01T00:00:00"), RetentionExpiry.OfServiceEnd(rule, new LocalDate(2025, 1, 31)));
        Assert.Equal(Amsterdam("2024-03-01T00:00:00"), RetentionExpiry.OfServiceEnd(rule, new LocalDate(2024, 1, 31)));
        Assert.Equal(Amsterdam("2024-03-02T00:00:00"), RetentionExpiry.OfServiceEnd(rule, new LocalDate(2024, 2, 1)));
    }

    [Fact]
    public void Of_ClientSetting_FollowsTheOrganisationsSettingAndItsChanges()
    {
        var rule = Assert.IsType<ClientDefinedRetention>(Rule("usage.customer_call_recordings"));
        var anchor = Amsterdam("2025-01-31T16:00:00");
        Assert.Equal(Amsterdam("2025-03-01T00:00:00"), RetentionExpiry.Of(rule, anchor, Period.FromMonths(1)));
        // The tenant lengthens its setting: the same recording now expires a year after its day.
        Assert.Equal(Amsterdam("2026-02-01T00:00:00"), RetentionExpiry.Of(rule, anchor, Period.FromYears(1)));
        // ... and shortens it: expiry moves back, possibly into the past (it goes at the next sweep).
        Assert.Equal(Amsterdam("2025-02-08T00:00:00"), RetentionExpiry.Of(rule, anchor, Period.FromWeeks(1)));
    }

    [Fact]
    public void Of_ClientSettingMissing_TheRegistersMinimumApplies()
    {
        var rule = Assert.IsType<ClientDefinedRetention>(Rule("usage.customer_call_recordings"));
        Assert.Equal(Period.Zero, rule.Min);
        // P0D: kept through the day of the call, gone from the next day.
        Assert.Equal(Amsterdam("2025-02-01T00:00:00"), RetentionExpiry.Of(rule, Amsterdam("2025-01-31T16:00:00"), clientSetting: null));
    }

    [Fact]
    public void Of_ClientSettingOutsideTheBounds_IsClampedPerAnchorDay()
    {
        var rule = Assert.IsType<ClientDefinedRetention>(Rule("usage.customer_call_recordings"));
        var anchor = Amsterdam("2025-01-31T16:00:00");
        Assert.Equal(RetentionExpiry.Of(rule, anchor, Period.FromYears(10)), RetentionExpiry.Of(rule, anchor, Period.FromYears(11)));

        // P31D passes the organisation check against a P1M maximum (they compare equal from January) but is longer
        // than a month from February: the expiry is held to the month.
        var bounded = new ClientDefinedRetention(Period.Zero, Period.FromMonths(1));
        Assert.Equal(Amsterdam("2025-03-02T00:00:00"), RetentionExpiry.Of(bounded, Amsterdam("2025-02-01T12:00:00"), Period.FromDays(31)));
        Assert.Equal(Amsterdam("2025-02-02T00:00:00"), RetentionExpiry.Of(bounded, Amsterdam("2025-01-01T12:00:00"), Period.FromDays(31)));
        var atLeastWeek = new ClientDefinedRetention(Period.FromWeeks(1), Period.FromMonths(1));
        Assert.Equal(Amsterdam("2025-02-09T00:00:00"), RetentionExpiry.Of(atLeastWeek, Amsterdam("2025-02-01T12:00:00"), Period.Zero));
    }

    [Fact]
    public void PeriodSchedule_TimePartOrNegative_IsRejected()
    {
        Assert.Throws<ArgumentException>(() => new PeriodSchedule(Period.FromHours(12)));
        Assert.Throws<ArgumentException>(() => new PeriodSchedule(Period.FromDays(-1)));
    }
}
