using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Core.Common;

/// <summary>
/// Stores an <see cref="Instant"/> as a UTC <see cref="DateTime"/> (TEXT on SQLite, timestamptz on PostgreSQL),
/// so comparisons and ORDER BY translate to SQL on both engines (style.md §4.6).
/// </summary>
/// <remarks>
/// The value is truncated to whole microseconds on the way in: PostgreSQL keeps microseconds and SQLite would keep
/// 100 ns ticks, and a value must read back the same on both engines.
/// </remarks>
internal sealed class InstantToUtcDateTimeConverter() : ValueConverter<Instant, DateTime>(
    i => ToUtcDateTime(i),
    d => Instant.FromDateTimeUtc(DateTime.SpecifyKind(d, DateTimeKind.Utc)))
{
    private static DateTime ToUtcDateTime(Instant instant)
    {
        var dt = instant.ToDateTimeUtc();
        var extraTicks = dt.Ticks % TimeSpan.TicksPerMicrosecond;
        return extraTicks == 0 ? dt : dt.AddTicks(-extraTicks);
    }
}

/// <summary>Stores a <see cref="LocalDate"/> as a date: <c>date</c> on PostgreSQL, ISO <c>yyyy-MM-dd</c> text on SQLite.</summary>
internal sealed class LocalDateToDateOnlyConverter() : ValueConverter<LocalDate, DateOnly>(
    d => d.ToDateOnly(),
    d => LocalDate.FromDateOnly(d));

/// <summary>
/// Stores a <see cref="Period"/> as ISO-8601 text (<c>P6M</c>, <c>P1M15D</c>) with <see cref="PeriodPattern.Roundtrip"/>,
/// which keeps the units as written: <c>P12M</c> stays twelve months and is not normalised to <c>P1Y</c>.
/// </summary>
internal sealed class PeriodToIsoStringConverter() : ValueConverter<Period, string>(
    p => PeriodPattern.Roundtrip.Format(p),
    s => PeriodPattern.Roundtrip.Parse(s).Value);
