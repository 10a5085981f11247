using System.Globalization;
using NodaTime;

namespace Custodian.Configuration;

/// <summary>Durations in settings and flags: a whole number with a unit, <c>35d</c>, <c>12h</c>, <c>90m</c>.</summary>
internal static class DurationText
{
    public static bool TryParse(string? text, out Duration duration)
    {
        duration = Duration.Zero;
        var t = text?.Trim();
        if (string.IsNullOrEmpty(t) || t.Length < 2 ||
            !long.TryParse(t.AsSpan(0, t.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > 100_000)
        {
            return false;
        }

        Duration? d = t[^1] switch
        {
            'd' => Duration.FromDays(n),
            'h' => Duration.FromHours(n),
            'm' => Duration.FromMinutes(n),
            _ => null,
        };
        duration = d ?? Duration.Zero;
        return d is not null;
    }

    public static string Format(Duration d) =>
        d.SubsecondTicks == 0 && d.Seconds == 0 && d.Minutes == 0 && d.Hours == 0 ? string.Create(CultureInfo.InvariantCulture, $"{d.Days}d")
        : d.SubsecondTicks == 0 && d.Seconds == 0 && d.Minutes == 0 ? string.Create(CultureInfo.InvariantCulture, $"{(long)d.TotalHours}h")
        : string.Create(CultureInfo.InvariantCulture, $"{(long)d.TotalMinutes}m");

    /// <summary>A duration setting, or <paramref name="fallback"/> when unset; a bad or too short value is a <see cref="SettingsException"/>.</summary>
    public static Duration ParseSetting(string key, string? value, Duration fallback, Duration minimum)
    {
        if (value is null)
        {
            return fallback;
        }

        if (!TryParse(value, out var d))
        {
            throw new SettingsException($"error settings.bad_duration: setting \"{key}\" is \"{value}\"; give a whole number with a unit: d (days), h (hours) or m (minutes), e.g. 35d.");
        }

        return d >= minimum
            ? d
            : throw new SettingsException($"error settings.duration_too_short: setting \"{key}\" is {value}; it must be at least {Format(minimum)}.");
    }
}
