using Custodian.Core.Features.Register;
using NodaTime;

namespace Custodian.Core.Features.Retention;

/// <summary>
/// The expiry of one record from its rule and anchor (pure). Null means "not expiring": the anchor event has not
/// happened (a ticket still open, or reopened: <c>ClosedAt</c> back to null; a service still running).
/// </summary>
internal static class RetentionExpiry
{
    /// <summary>A record anchored on an instant: its own time (<c>record_time</c>), its ticket's closing, or its time under the client's setting.</summary>
    /// <param name="rule">The category's rule.</param>
    /// <param name="anchor">The anchor instant; null when the anchor event has not happened.</param>
    /// <param name="clientSetting">For <see cref="ClientDefinedRetention"/>: the organisation's setting (null: none; the register's minimum applies).</param>
    public static Instant? Of(RetentionRule rule, Instant? anchor, Period? clientSetting = null) =>
        anchor is { } a ? RetentionSchedule.For(rule, clientSetting).Expiry(RetentionCalendar.DayOf(a)) : null;

    /// <summary>
    /// A record of a service (<see cref="UntilServiceEndRetention"/>): the service's <c>EndDate</c> is its last day, so
    /// the service ends with the expiry of that day in Amsterdam, and the record is expired from the start of the day
    /// after <c>EndDate + grace</c>. Null while the service runs (no end date).
    /// </summary>
    public static Instant? OfServiceEnd(RetentionRule rule, LocalDate? endDate) =>
        endDate is { } d ? RetentionSchedule.For(rule).Expiry(d) : null;
}
