using Custodian.Core.Features.Retention;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Disclosures.Emergency;

/// <summary>
/// The 112 disclosure log's two uses: the yearly count for the transparency statistics (AUT-7) and its own retention.
/// </summary>
/// <remarks>
/// Retention: a row is kept through the calendar year of the disclosure and the first quarter of the next year
/// (deleted from 1 April of year + 1, Amsterdam). Why: the log exists for the yearly statistics, which are produced
/// early in the following year; after that it has no purpose of its own. The data itself is the 112 operator's
/// (AUT-5: the operator keeps it at most 2 months for the emergency, 6 months for misuse), and the provider keeps
/// only a keyed hash and record ids, so keeping the log longer than the report needs would serve nothing.
/// Every row is kept at least 3 months, beyond the operator's 2-month emergency window, so a question about a
/// recent disclosure can still be answered. The retention sweep's <c>requests.housekeeping</c> step calls
/// <see cref="PurgeAsync"/> at its cutoff (the log has no personal data, so no register category carries this rule).
/// </remarks>
internal static class EmergencyDisclosureLog
{
    /// <summary>The first instant from which a disclosure made at <paramref name="disclosedAt"/> is deleted.</summary>
    public static Instant KeptUntil(Instant disclosedAt)
    {
        var year = RetentionCalendar.DayOf(disclosedAt).Year;
        return RetentionCalendar.StartOf(new LocalDate(year + 1, 4, 1));
    }

    /// <summary>Rows disclosed before this instant are expired at <paramref name="now"/>.</summary>
    public static Instant Cutoff(Instant now)
    {
        var day = RetentionCalendar.DayOf(now);
        var firstKeptYear = day.Month >= 4 ? day.Year : day.Year - 1;
        return RetentionCalendar.StartOf(new LocalDate(firstKeptYear, 1, 1));
    }

    /// <summary>Deletes the expired rows; returns how many.</summary>
    public static Task<int> PurgeAsync(CustodianDbContext db, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var cutoff = Cutoff(now);
        return db.Set<EmergencyDisclosure>().Where(d => d.DisclosedAt < cutoff).ExecuteDeleteAsync(ct);
    }

    /// <summary>The number of 112 disclosures (look-ups that found a subscriber) in an Amsterdam calendar year.</summary>
    public static Task<int> CountAsync(CustodianDbContext db, int year, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var from = RetentionCalendar.StartOf(new LocalDate(year, 1, 1));
        var until = RetentionCalendar.StartOf(new LocalDate(year + 1, 1, 1));
        return db.Set<EmergencyDisclosure>().CountAsync(d => d.Found && d.DisclosedAt >= from && d.DisclosedAt < until, ct);
    }
}
