using NodaTime;

namespace Custodian.Core.Features.Retention;

/// <summary>
/// How long an unverified data-subject request waits for its requester before it lapses (the sweep closes it with the
/// timeline event <c>lapsed</c>; its retention then runs from that closing).
/// </summary>
/// <remarks>
/// Default 30 days after the day of receipt, counted in whole Amsterdam days like retention: a request received on day
/// <c>d</c> lapses at the first sweep from the start of day <c>d + 31</c>. Why 30 days: the requester can ask for a
/// new code at any time during it (a code lives for minutes), and it is about the legal answer period (one month,
/// Art. 12(3)), after which an answer to an unverified request could not be given in time anyway; a fixed count of
/// days (not the due date) keeps lapsing independent of holidays and extensions. Configurable for an operator who
/// wants longer (register a <see cref="RequestHousekeepingOptions"/>).
/// </remarks>
internal sealed record RequestHousekeepingOptions(Period UnverifiedLapse)
{
    public static RequestHousekeepingOptions Default { get; } = new(Period.FromDays(30));
}

internal static class RequestHousekeeping
{
    /// <summary>Unverified requests received before this day have lapsed at <paramref name="at"/>.</summary>
    public static LocalDate LapseReceivedBefore(Instant at, Period lapse) => RetentionCalendar.DayOf(at).Minus(lapse);
}
