using Custodian.Core.Features.Breaches;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Features.Breaches;

/// <summary>Wire names of the clocks, their states and the GDPR 34(3) exemptions (the API and <c>breach list --json</c> say them the same way).</summary>
internal static class BreachWire
{
    public static string Kind(BreachClockKind kind) => kind switch
    {
        BreachClockKind.Telecom24h => "telecom_24h",
        BreachClockKind.Gdpr72h => "gdpr_72h",
        BreachClockKind.Complete3d => "complete_3d",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static string State(BreachClockState state) => state switch
    {
        BreachClockState.Running => "running",
        BreachClockState.Met => "met",
        BreachClockState.Late => "late",
        BreachClockState.Overdue => "overdue",
        BreachClockState.NotRequired => "not_required",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static string Exemption(SubjectNoticeExemption e) => e switch
    {
        SubjectNoticeExemption.None => "none",
        SubjectNoticeExemption.Encrypted => "encrypted",
        SubjectNoticeExemption.Measures => "measures",
        SubjectNoticeExemption.Disproportionate => "disproportionate",
        _ => throw new ArgumentOutOfRangeException(nameof(e), e, null),
    };

    public static SubjectNoticeExemption? ParseExemption(string? text) => text switch
    {
        null or "" or "none" => SubjectNoticeExemption.None,
        "encrypted" => SubjectNoticeExemption.Encrypted,
        "measures" => SubjectNoticeExemption.Measures,
        "disproportionate" => SubjectNoticeExemption.Disproportionate,
        _ => null,
    };

    public static string Time(Instant instant) => InstantPattern.ExtendedIso.Format(instant);

    public static string? Time(Instant? instant) => instant is { } i ? Time(i) : null;
}

/// <param name="Kind"><c>telecom_24h</c> (611/2013, from detection), <c>gdpr_72h</c> (GDPR 33(1), from awareness) or <c>complete_3d</c> (611/2013 Art. 2(3), from the initial notice).</param>
/// <param name="StartsAt">When the clock started (ISO 8601, UTC).</param>
/// <param name="Deadline">When it runs out.</param>
/// <param name="State"><c>running</c>, <c>met</c>, <c>late</c>, <c>overdue</c> or <c>not_required</c>.</param>
/// <param name="RemainingSeconds">Seconds to the deadline (negative when overdue); null once reported or not required.</param>
internal sealed record BreachClockDto(string Kind, string StartsAt, string Deadline, string State, long? RemainingSeconds)
{
    public static BreachClockDto From(BreachClock c) => new(
        BreachWire.Kind(c.Kind), BreachWire.Time(c.StartsAt), BreachWire.Time(c.Deadline), BreachWire.State(c.State),
        c.Remaining is { } r ? (long)Math.Floor(r.TotalSeconds) : null);

    public static BreachClockDto? FromOptional(BreachClock? c) => c is null ? null : From(c);
}

/// <summary>A breach in a list with its clocks; <c>Complete</c> (the complete-notice clock) is null until an initial notice was made.</summary>
internal sealed record BreachSummaryDto(Guid Id, string Reference, string Title, string DetectedAt, bool Open, BreachClockDto Telecom, BreachClockDto Gdpr, BreachClockDto? Complete)
{
    public static BreachSummaryDto From(BreachSummary s) => new(
        s.Id, s.Reference, s.Title, BreachWire.Time(s.DetectedAt), s.Open,
        BreachClockDto.From(s.Telecom), BreachClockDto.From(s.Gdpr), BreachClockDto.FromOptional(s.Complete));
}

internal sealed record BreachListDto(IReadOnlyList<BreachSummaryDto> Breaches);

/// <summary>
/// A breach with its facts, notification state and clocks. <c>ControllersMissing</c>: a concerned category has the
/// client as controller but no organisation is named (GDPR 33(2)).
/// </summary>
internal sealed record BreachDto(
    Guid Id,
    string Reference,
    string Title,
    string DetectedAt,
    string AwareAt,
    string? InitialReportAt,
    string? CompleteReportAt,
    string? NotNotifiedReason,
    string? LateReasons,
    string Nature,
    IReadOnlyList<string> Categories,
    int? ApproximatePeople,
    int? ApproximateRecords,
    string LikelyConsequences,
    string MeasuresTaken,
    string MeasuresProposed,
    bool SubjectsInformed,
    string SubjectsNotInformedBecause,
    string ContactPoint,
    IReadOnlyList<Guid> OrganizationIds,
    bool Open,
    string? ClosedAt,
    BreachClockDto Telecom,
    BreachClockDto Gdpr,
    BreachClockDto? Complete,
    bool LateReasonsRequired,
    bool ControllersMissing)
{
    public static BreachDto From(BreachDetail d)
    {
        var b = d.Breach;
        return new(
            b.Id, b.Reference, b.Title, BreachWire.Time(b.DetectedAt), BreachWire.Time(b.AwareAt), BreachWire.Time(b.InitialReportAt),
            BreachWire.Time(b.CompleteReportAt), b.NotNotifiedReason, b.LateReasons, b.Nature, b.Categories, b.ApproximatePeople,
            b.ApproximateRecords, b.LikelyConsequences, b.MeasuresTaken, b.MeasuresProposed, b.SubjectsInformed,
            BreachWire.Exemption(b.SubjectsNotInformedBecause), b.ContactPoint, b.OrganizationIds, b.IsOpen, BreachWire.Time(b.ClosedAt),
            BreachClockDto.From(d.Telecom), BreachClockDto.From(d.Gdpr), BreachClockDto.FromOptional(d.Complete),
            d.LateReasonsRequired && b.LateReasons is null, d.ControllersMissing);
    }
}

/// <summary>
/// A breach as another system records it. Times are ISO 8601 instants (<c>2026-03-02T08:00:00Z</c>);
/// <c>SubjectsNotInformedBecause</c> is <c>none</c> (default), <c>encrypted</c>, <c>measures</c> or
/// <c>disproportionate</c> (GDPR 34(3)); <c>OrganizationIds</c> are the client organisations whose records are concerned.
/// </summary>
internal sealed record BreachRecordInput(
    string? Title,
    string? DetectedAt,
    string? AwareAt,
    string? Nature,
    IReadOnlyList<string>? Categories,
    int? ApproximatePeople,
    int? ApproximateRecords,
    string? LikelyConsequences,
    string? MeasuresTaken,
    string? MeasuresProposed,
    bool SubjectsInformed,
    string? SubjectsNotInformedBecause,
    string? ContactPoint,
    IReadOnlyList<Guid>? OrganizationIds);

/// <summary>
/// A change to the notification state. A field left out (null) keeps its stored value, so a system can send the
/// initial notice first and the complete one days later; <c>close</c> ends the breach's handling.
/// </summary>
internal sealed record BreachReportRequest(string? InitialReportAt, string? CompleteReportAt, string? NotNotifiedReason, string? LateReasons, bool Close);
