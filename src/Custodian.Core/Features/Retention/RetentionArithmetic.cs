using Custodian.Core.Features.Register;
using NodaTime;

namespace Custodian.Core.Features.Retention;

/// <summary>
/// Expiry of records under a fixed calendar period from their own time, counted on the calendar of Europe/Amsterdam
/// (31 January + 1 month = 28 or 29 February), and the cutoff that turns "expired at an instant" into a range condition
/// on the record's time.
/// </summary>
internal static class RetentionArithmetic
{
    public static readonly DateTimeZone Zone = DateTimeZoneProviders.Tzdb["Europe/Amsterdam"];

    /// <summary>
    /// When a record made at <paramref name="anchor"/> expires: its Amsterdam local date and time plus the period. A
    /// local result inside the spring-forward gap moves forward by the gap; in the autumn overlap the earlier instant is
    /// used (lenient resolution), so the record never lives less than its period.
    /// </summary>
    public static Instant Expiry(FixedRetention rule, Instant anchor)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return (anchor.InZone(Zone).LocalDateTime + rule.Period).InZoneLeniently(Zone).ToInstant();
    }

    /// <summary>
    /// The latest record time that has expired at <paramref name="at"/>: a record is expired exactly when its time is at
    /// or before the result. Exact because expiry never decreases as the anchor grows; found by bisection (at 100 ns
    /// resolution, then floored to the microsecond that stored times have) between bounds that month ends and time-zone changes cannot escape.
    /// </summary>
    public static Instant StartCutoff(FixedRetention rule, Instant at)
    {
        ArgumentNullException.ThrowIfNull(rule);

        // at - period on the local calendar, widened by three days on either side (month-end clamping moves the
        // answer by at most three days; a DST shift by an hour).
        var guess = (at.InZone(Zone).LocalDateTime - rule.Period).InZoneLeniently(Zone).ToInstant();
        var low = guess - Duration.FromDays(4);
        var high = guess + Duration.FromDays(4);
        if (Expiry(rule, low) > at)
        {
            throw new InvalidOperationException("retention cutoff search: lower bound already unexpired");
        }

        if (Expiry(rule, high) <= at)
        {
            throw new InvalidOperationException("retention cutoff search: upper bound already expired");
        }

        // Invariant: Expiry(low) <= at < Expiry(high).
        var lowTicks = low.ToUnixTimeTicks();
        var highTicks = high.ToUnixTimeTicks();
        while (highTicks - lowTicks > 1)
        {
            var mid = lowTicks + ((highTicks - lowTicks) / 2);
            if (Expiry(rule, Instant.FromUnixTimeTicks(mid)) <= at)
            {
                lowTicks = mid;
            }
            else
            {
                highTicks = mid;
            }
        }

        // Stored times have microsecond precision (PostgreSQL rounds a finer parameter, possibly upwards): floor to the
        // microsecond, which selects exactly the same stored records and can never round past the true cutoff.
        return Instant.FromUnixTimeTicks(lowTicks - (((lowTicks % 10) + 10) % 10));
    }
}
