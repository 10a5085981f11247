using System.Globalization;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Core.Features.Retention;

/// <summary>
/// When <c>serve</c> sweeps: daily at a local time in Europe/Amsterdam (default 03:30, a quiet hour that no DST change
/// skips or repeats). On a day whose clock change skips the time the sweep runs just after the gap; on a day that repeats
/// it, at its first occurrence.
/// </summary>
internal sealed record SweepSchedule(LocalTime At)
{
    public static readonly SweepSchedule Default = new(new LocalTime(3, 30));

    /// <summary>The setting's text: <c>HH:mm</c>, or <c>off</c> (no scheduled sweeps; run <c>custodian retention run</c> from cron instead).</summary>
    /// <returns>The schedule, or null for <c>off</c>; <paramref name="error"/> says what is wrong with anything else.</returns>
    public static SweepSchedule? Parse(string? text, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return Default;
        }

        if (string.Equals(text.Trim(), "off", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var parsed = LocalTimePattern.CreateWithInvariantCulture("HH:mm").Parse(text.Trim());
        if (!parsed.Success)
        {
            error = string.Create(CultureInfo.InvariantCulture,
                $"settings.sweep_at: \"{text}\" is not a time of day as HH:mm (24-hour clock, Europe/Amsterdam), nor \"off\".");
            return null;
        }

        return new SweepSchedule(parsed.Value);
    }

    /// <summary>The first scheduled moment strictly after <paramref name="after"/>.</summary>
    public Instant NextAfter(Instant after)
    {
        var zone = RetentionCalendar.Zone;
        var date = after.InZone(zone).Date;
        for (var i = 0; ; i++)
        {
            var candidate = date.PlusDays(i).At(At).InZoneLeniently(zone).ToInstant();
            if (candidate > after)
            {
                return candidate;
            }
        }
    }

    /// <summary>The last scheduled moment at or before <paramref name="at"/>.</summary>
    public Instant PreviousAtOrBefore(Instant at)
    {
        var zone = RetentionCalendar.Zone;
        var date = at.InZone(zone).Date;
        for (var i = 0; ; i--)
        {
            var candidate = date.PlusDays(i).At(At).InZoneLeniently(zone).ToInstant();
            if (candidate <= at)
            {
                return candidate;
            }
        }
    }

    public override string ToString() => At.ToString("HH:mm", CultureInfo.InvariantCulture) + " Europe/Amsterdam";
}
