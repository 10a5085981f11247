using NodaTime;

namespace Custodian.Core.Features.Breaches;

internal enum BreachClockKind
{
    /// <summary>Regulation (EU) 611/2013 Art. 2(2): notify the AP within 24 hours of detection, where feasible (Tw 11.3a).</summary>
    Telecom24h,

    /// <summary>GDPR 33(1): notify the AP within 72 hours of becoming aware, where feasible.</summary>
    Gdpr72h,

    /// <summary>
    /// Regulation (EU) 611/2013 Art. 2(3): when the initial notice lacked the full Annex I content, the complete notice
    /// follows within three days of the initial one. Starts only once an initial notice was made.
    /// </summary>
    Complete3d,
}

internal enum BreachClockState
{
    /// <summary>Not reported and the deadline still ahead.</summary>
    Running,

    /// <summary>Reported on or before the deadline.</summary>
    Met,

    /// <summary>Reported, but after the deadline (the notice must give reasons).</summary>
    Late,

    /// <summary>Not reported and the deadline passed.</summary>
    Overdue,

    /// <summary>Documented as not to be notified (unlikely to result in a risk): the clock does not apply.</summary>
    NotRequired,
}

/// <param name="Kind">Which rule.</param>
/// <param name="StartsAt">Detection (24 h), awareness (72 h) or the initial notice (complete notice, 3 days).</param>
/// <param name="Deadline">StartsAt plus the period.</param>
/// <param name="State">At the moment the clock was read.</param>
/// <param name="Remaining">Deadline minus now: negative when overdue; null once reported or not required.</param>
internal sealed record BreachClock(BreachClockKind Kind, Instant StartsAt, Instant Deadline, BreachClockState State, Duration? Remaining)
{
    public bool IsMissed => State is BreachClockState.Late or BreachClockState.Overdue;
}

/// <summary>
/// Both notification clocks of a breach. They are independent: detection and awareness can differ (a security alert
/// at night, the confirmation that personal data is involved the next morning), and the telecom clock is the stricter
/// one whenever they start together. Only the initial notice stops a clock; the information may follow in phases (33(4)).
/// </summary>
internal static class BreachClocks
{
    public static readonly Duration TelecomPeriod = Duration.FromHours(24);
    public static readonly Duration GdprPeriod = Duration.FromHours(72);

    /// <summary>611/2013 Art. 2(3): "within three days" of the initial notice, counted as 72 hours like the GDPR clock.</summary>
    public static readonly Duration CompletePeriod = Duration.FromDays(3);

    public static BreachClock Telecom(Breach breach, Instant now)
    {
        ArgumentNullException.ThrowIfNull(breach);
        return Read(BreachClockKind.Telecom24h, breach.DetectedAt, TelecomPeriod, breach, now);
    }

    public static BreachClock Gdpr(Breach breach, Instant now)
    {
        ArgumentNullException.ThrowIfNull(breach);
        return Read(BreachClockKind.Gdpr72h, breach.AwareAt, GdprPeriod, breach, now);
    }

    /// <summary>
    /// The complete-notice clock (611/2013 Art. 2(3)): null while there is no initial notice (nothing to complete yet).
    /// Stopped by the complete notice. It is not one of the clocks that require late reasons: those are about the
    /// initial notice (GDPR 33(1)); a late complete notice shows as late on the page and the dashboard.
    /// </summary>
    public static BreachClock? Complete(Breach breach, Instant now)
    {
        ArgumentNullException.ThrowIfNull(breach);
        if (breach.InitialReportAt is not { } initial)
        {
            return null;
        }

        var deadline = initial + CompletePeriod;
        if (breach.CompleteReportAt is { } complete)
        {
            return new(BreachClockKind.Complete3d, initial, deadline, complete <= deadline ? BreachClockState.Met : BreachClockState.Late, null);
        }

        return new(BreachClockKind.Complete3d, initial, deadline, now <= deadline ? BreachClockState.Running : BreachClockState.Overdue, deadline - now);
    }

    public static IReadOnlyList<BreachClock> Both(Breach breach, Instant now) => [Telecom(breach, now), Gdpr(breach, now)];

    /// <summary>Whether the initial notice (or, while there is none, the situation at <paramref name="now"/>) misses a clock, so late reasons are required.</summary>
    public static bool LateReasonsRequired(Breach breach, Instant now) => Both(breach, now).Any(c => c.IsMissed);

    private static BreachClock Read(BreachClockKind kind, Instant start, Duration period, Breach breach, Instant now)
    {
        var deadline = start + period;
        if (breach.InitialReportAt is { } reported)
        {
            return new(kind, start, deadline, reported <= deadline ? BreachClockState.Met : BreachClockState.Late, null);
        }

        if (breach.NotNotifiedReason is not null)
        {
            return new(kind, start, deadline, BreachClockState.NotRequired, null);
        }

        return new(kind, start, deadline, now <= deadline ? BreachClockState.Running : BreachClockState.Overdue, deadline - now);
    }
}
