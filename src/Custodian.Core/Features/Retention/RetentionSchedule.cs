using Custodian.Core.Features.Register;
using NodaTime;

namespace Custodian.Core.Features.Retention;

/// <summary>
/// How long after its anchor day a record is kept, in whole days (<see cref="RetentionCalendar"/>). Every schedule is
/// monotonic: a later anchor day never expires earlier. That is what makes <see cref="LastDueAnchorDay"/> exact.
/// </summary>
internal abstract record RetentionSchedule
{
    /// <summary>The day from whose first instant a record anchored on <paramref name="anchorDay"/> is expired.</summary>
    public abstract LocalDate ExpiryDay(LocalDate anchorDay);

    /// <summary>The expiry instant: the start of <see cref="ExpiryDay"/> in Europe/Amsterdam.</summary>
    public Instant Expiry(LocalDate anchorDay) => RetentionCalendar.StartOf(ExpiryDay(anchorDay));

    /// <summary>
    /// The latest anchor day whose records are expired on <paramref name="today"/> (at any instant of it):
    /// <c>anchorDay &lt;= LastDueAnchorDay(today)</c> exactly when <c>ExpiryDay(anchorDay) &lt;= today</c>.
    /// </summary>
    public abstract LocalDate LastDueAnchorDay(LocalDate today);

    /// <summary>The schedule of a fixed or service-end rule (the period, or the grace after the service's last day).</summary>
    public static RetentionSchedule For(RetentionRule rule, Period? clientSetting = null)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return rule switch
        {
            FixedRetention f => new PeriodSchedule(f.Period),
            UntilServiceEndRetention s => new PeriodSchedule(s.Grace),
            // No instruction from the organisation: the register's minimum (Organization.CustomerCallRecordingRetention
            // documents this). As processor the provider keeps client data only on the client's instruction (Art.
            // 28(3)(a)); without one there is no instruction to keep longer than the least the register allows.
            ClientDefinedRetention c => new ClampedSchedule(new PeriodSchedule(clientSetting ?? c.Min), new PeriodSchedule(c.Min), new PeriodSchedule(c.Max)),
            _ => throw new ArgumentOutOfRangeException(nameof(rule), rule.GetType().Name, "unknown retention rule"),
        };
    }
}

/// <summary>Kept through day <c>anchor + Period</c>; expired from the next day (<see cref="RetentionCalendar"/>).</summary>
internal sealed record PeriodSchedule : RetentionSchedule
{
    // Month clamping moves a result by at most 3 days; 64 is a generous bound that still catches a bug.
    private const int MaxCorrection = 64;

    public PeriodSchedule(Period period)
    {
        ArgumentNullException.ThrowIfNull(period);
        if (period.HasTimeComponent)
        {
            throw new ArgumentException($"A retention period counts whole days; {period} has a time part.", nameof(period));
        }

        if (period.Years < 0 || period.Months < 0 || period.Weeks < 0 || period.Days < 0)
        {
            throw new ArgumentException($"A retention period cannot be negative: {period}.", nameof(period));
        }

        Period = period;
    }

    public Period Period { get; }

    public override LocalDate ExpiryDay(LocalDate anchorDay) => anchorDay.Plus(Period).PlusDays(1);

    /// <summary>
    /// Subtracting the period is only a first guess (31 March − 1 month = 28 February, but 29, 30 and 31 January + 1
    /// month all end on 28 February too), so the guess is corrected one day at a time in both directions.
    /// </summary>
    public override LocalDate LastDueAnchorDay(LocalDate today)
    {
        var lastKeptDay = today.PlusDays(-1);
        var day = lastKeptDay.Minus(Period);
        for (var i = 0; i < MaxCorrection && day.Plus(Period) > lastKeptDay; i++)
        {
            day = day.PlusDays(-1);
        }

        for (var i = 0; i < MaxCorrection && day.PlusDays(1).Plus(Period) <= lastKeptDay; i++)
        {
            day = day.PlusDays(1);
        }

        if (day.Plus(Period) > lastKeptDay || day.PlusDays(1).Plus(Period) <= lastKeptDay)
        {
            throw new InvalidOperationException($"No exact cutoff for {Period} on {today} within {MaxCorrection} days of the first guess.");
        }

        return day;
    }
}

/// <summary>
/// A client's setting held within the register's bounds, day by day: the expiry is the setting's, but never before
/// the minimum's nor after the maximum's for the same anchor day. Clamping the expiry rather than the period matters
/// because periods of mixed units have no order of their own: P31D is longer than P1M from January but shorter from
/// February, and the organisation command accepts both as equal (<c>OrganizationCommands.Within</c>).
/// </summary>
internal sealed record ClampedSchedule(RetentionSchedule Setting, RetentionSchedule Min, RetentionSchedule Max) : RetentionSchedule
{
    public override LocalDate ExpiryDay(LocalDate anchorDay)
    {
        var setting = Setting.ExpiryDay(anchorDay);
        var max = Max.ExpiryDay(anchorDay);
        var min = Min.ExpiryDay(anchorDay);
        var upper = setting < max ? setting : max;
        return upper > min ? upper : min;
    }

    /// <summary>expiry ≤ today ⇔ min ≤ today ∧ (setting ≤ today ∨ max ≤ today); each side is a prefix of anchor days.</summary>
    public override LocalDate LastDueAnchorDay(LocalDate today)
    {
        var setting = Setting.LastDueAnchorDay(today);
        var max = Max.LastDueAnchorDay(today);
        var min = Min.LastDueAnchorDay(today);
        var either = setting > max ? setting : max;
        return either < min ? either : min;
    }
}
