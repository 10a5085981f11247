using Custodian.Core.Features.Breaches;
using Microsoft.Extensions.Localization;
using NodaTime;

namespace Custodian.Features.Breaches;

/// <summary>How the pages say a clock's state and time left (the dashboard and the breach pages say it the same way).</summary>
internal static class BreachDisplay
{
    private static readonly DateTimeZone Amsterdam = DateTimeZoneProviders.Tzdb["Europe/Amsterdam"];

    public static string ClockName(BreachClock clock, IStringLocalizer texts) => texts[clock.Kind switch
    {
        BreachClockKind.Telecom24h => "Breaches.Clock.Telecom",
        BreachClockKind.Complete3d => "Breaches.Clock.Complete",
        _ => "Breaches.Clock.Gdpr",
    }];

    /// <summary>"11 h 20 min left", "overdue by 2 h 5 min", "met", "late", "not required".</summary>
    public static string ClockText(BreachClock clock, IStringLocalizer texts) => clock.State switch
    {
        BreachClockState.Running => texts["Breaches.Clock.Left", Span(clock.Remaining!.Value)],
        BreachClockState.Overdue => texts["Breaches.Clock.OverdueBy", Span(-clock.Remaining!.Value)],
        BreachClockState.Met => texts["Breaches.Clock.Met"],
        BreachClockState.Late => texts["Breaches.Clock.Late"],
        _ => texts["Breaches.Clock.NotRequired"],
    };

    /// <summary>A CSS class for the row: <c>overdue</c> for missed clocks (the office style sheet marks them).</summary>
    public static string? ClockClass(BreachClock clock) => clock.IsMissed ? "overdue" : null;

    /// <summary>"2 d 3 h 5 min", whole minutes (rounded down).</summary>
    public static string Span(Duration d)
    {
        var minutes = (long)Math.Floor(d.TotalMinutes);
        var days = minutes / (24 * 60);
        var hours = minutes / 60 % 24;
        var rest = minutes % 60;
        return days > 0
            ? FormattableString.Invariant($"{days} d {hours} h {rest} min")
            : FormattableString.Invariant($"{hours} h {rest} min");
    }

    /// <summary>A <c>datetime-local</c> field's value, read as Amsterdam time (the staff's clock on the wall).</summary>
    public static Instant? FromLocal(DateTime? local) => local is { } l
        ? LocalDateTime.FromDateTime(l).InZoneLeniently(Amsterdam).ToInstant()
        : null;

    public static string ToLocal(Instant? instant) => instant is { } i
        ? i.InZone(Amsterdam).LocalDateTime.ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture)
        : string.Empty;
}
