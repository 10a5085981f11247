using NodaTime;

namespace Custodian.Core.Features.Retention;

/// <summary>
/// What is expired at <see cref="At"/> under one schedule, as a bound on the anchor: because every schedule is
/// monotonic in the anchor day, "expired at <c>At</c>" is exactly "anchored on or before <see cref="LastDueAnchorDay"/>",
/// which a sweep or a plan can ask an indexed anchor column.
/// </summary>
/// <param name="At">The instant the cutoff is for (a sweep fixes it when it starts).</param>
/// <param name="LastDueAnchorDay">The latest anchor day (Europe/Amsterdam) whose records are expired at <see cref="At"/>.</param>
internal sealed record RetentionCutoff(Instant At, LocalDate LastDueAnchorDay)
{
    /// <summary>
    /// For instant anchors: a record is expired exactly when its anchor is strictly before this instant (the start of
    /// the day after <see cref="LastDueAnchorDay"/>). Half-open on purpose: it is exact whatever the storage precision
    /// (PostgreSQL microseconds, SQLite ticks), where an inclusive "last instant" would depend on it.
    /// </summary>
    public Instant AnchorBefore => RetentionCalendar.StartOf(LastDueAnchorDay.PlusDays(1));

    public bool IsDue(Instant anchor) => anchor < AnchorBefore;

    /// <summary>For date anchors (a service's last day): expired when the date is on or before <see cref="LastDueAnchorDay"/>.</summary>
    public bool IsDue(LocalDate anchorDay) => anchorDay <= LastDueAnchorDay;

    public static RetentionCutoff For(RetentionSchedule schedule, Instant at)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return new RetentionCutoff(at, schedule.LastDueAnchorDay(RetentionCalendar.DayOf(at)));
    }
}
