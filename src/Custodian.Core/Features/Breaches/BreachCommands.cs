using System.Globalization;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Store;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Core.Features.Breaches;

/// <summary>The facts of a breach as staff enter them (record and update take the same input).</summary>
internal sealed record BreachInput(
    string? Title,
    Instant DetectedAt,
    Instant AwareAt,
    string? Nature,
    IReadOnlyList<string> Categories,
    int? ApproximatePeople,
    int? ApproximateRecords,
    string? LikelyConsequences,
    string? MeasuresTaken,
    string? MeasuresProposed,
    bool SubjectsInformed,
    SubjectNoticeExemption SubjectsNotInformedBecause,
    string? ContactPoint,
    IReadOnlyList<Guid> OrganizationIds);

/// <summary>
/// The notification state: when the initial and complete notices went to the AP, or why the breach is not notified,
/// and the reasons for lateness. <see cref="Close"/> ends the breach's handling (it leaves the dashboard).
/// </summary>
internal sealed record BreachReportInput(
    Instant? InitialReportAt,
    Instant? CompleteReportAt,
    string? NotNotifiedReason,
    string? LateReasons,
    bool Close);

/// <summary>
/// Recording and updating breaches, each change in one transaction with its audit event (<c>breach.recorded</c>,
/// <c>breach.updated</c>, <c>breach.reported</c>, <c>breach.closed</c>). The audit details hold ids, times and counts,
/// never the texts (they are in the row; the trail is kept forever).
/// </summary>
internal sealed class BreachCommands(CustodianDbContext db, StoreTransactions transactions, TimeProvider time, ProcessingRegister register)
{
    private Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());

    public Task<StoreResult<Breach>> RecordAsync(BreachInput input, AuditActor actor, CancellationToken ct) => RecordAsync(input, actor, null, ct);

    /// <param name="input">The breach.</param>
    /// <param name="actor">Who records it.</param>
    /// <param name="beforeCommit">Runs in the record's transaction (the API stores its idempotent answer there).</param>
    /// <param name="ct">Cancellation.</param>
    public async Task<StoreResult<Breach>> RecordAsync(BreachInput input, AuditActor actor, Func<Breach, CancellationToken, Task>? beforeCommit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(actor);
        return await transactions.WriteAsync<Breach>(
            async c =>
            {
                var now = Now;
                var breach = new Breach { RecordedAt = now, Reference = await NextReferenceAsync(now, c) };
                var v = Apply(breach, input, now);
                if (!v.IsValid)
                {
                    return v.ToError();
                }

                db.Set<Breach>().Add(breach);
                return breach;
            },
            b => Audit("breach.recorded", actor, b),
            beforeCommit,
            ct);
    }

    public async Task<StoreResult<Breach>> UpdateAsync(Guid id, BreachInput input, AuditActor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(actor);
        return await transactions.WriteAsync<Breach>(
            async c =>
            {
                if (await db.Set<Breach>().FirstOrDefaultAsync(b => b.Id == id, c) is not { } breach)
                {
                    return StoreErrors.NotFound("breach");
                }

                var v = Apply(breach, input, Now);
                if (!v.IsValid)
                {
                    return v.ToError();
                }

                breach.Version++;
                return breach;
            },
            b => Audit("breach.updated", actor, b),
            null,
            ct);
    }

    /// <summary>
    /// Sets the notification times. Late reasons are required as soon as either clock is missed (a notice after 24 h
    /// from detection or 72 h from awareness, or none yet and the deadline passed): GDPR 33(1) wants them with the notice.
    /// </summary>
    public async Task<StoreResult<Breach>> ReportAsync(Guid id, BreachReportInput input, AuditActor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(actor);
        var action = input.Close ? "breach.closed" : "breach.reported";
        return await transactions.WriteAsync<Breach>(
            async c =>
            {
                if (await db.Set<Breach>().FirstOrDefaultAsync(b => b.Id == id, c) is not { } breach)
                {
                    return StoreErrors.NotFound("breach");
                }

                var now = Now;
                var v = new FieldValidator();
                if (input.InitialReportAt is { } initial && initial > now)
                {
                    v.Add("initialReportAt", "breaches.report_in_future", "The initial notice cannot be later than now.");
                }

                if (input.InitialReportAt is { } i0 && i0 < breach.DetectedAt)
                {
                    v.Add("initialReportAt", "breaches.report_before_detection", "The initial notice cannot precede detection.");
                }

                if (input.CompleteReportAt is { } complete)
                {
                    if (input.InitialReportAt is not { } i1 || complete < i1)
                    {
                        v.Add("completeReportAt", "breaches.complete_before_initial", "The complete notice follows the initial one.");
                    }
                    else if (complete > now)
                    {
                        v.Add("completeReportAt", "breaches.report_in_future", "The complete notice cannot be later than now.");
                    }
                }

                var notNotified = v.Text("notNotifiedReason", input.NotNotifiedReason, Breach.MaxTextLength, required: false);
                if (notNotified is not null && input.InitialReportAt is not null)
                {
                    v.Add("notNotifiedReason", "breaches.notified_and_not", "A breach reported to the AP has no reason for not notifying.");
                }

                var late = v.Text("lateReasons", input.LateReasons, Breach.MaxTextLength, required: false);
                if (!v.IsValid)
                {
                    return v.ToError();
                }

                breach.InitialReportAt = input.InitialReportAt;
                breach.CompleteReportAt = input.CompleteReportAt;
                breach.NotNotifiedReason = notNotified;
                breach.LateReasons = late;
                if (late is null && notNotified is null && BreachClocks.LateReasonsRequired(breach, now))
                {
                    v.Add("lateReasons", "breaches.late_reasons_required", "A notification clock is missed: give the reasons for the delay (GDPR 33(1)).");
                }

                if (input.Close && breach.InitialReportAt is null && notNotified is null)
                {
                    v.Add("close", "breaches.not_handled", "Close a breach once it is reported, or documented as not to be notified with the reason.");
                }

                if (!v.IsValid)
                {
                    return v.ToError();
                }

                if (input.Close)
                {
                    breach.ClosedAt ??= now;
                }

                breach.Version++;
                return breach;
            },
            b => Audit(action, actor, b),
            null,
            ct);
    }

    private FieldValidator Apply(Breach breach, BreachInput input, Instant now)
    {
        var v = new FieldValidator();
        var title = v.Text("title", input.Title, Breach.MaxShortTextLength);
        var nature = v.Text("nature", input.Nature, Breach.MaxTextLength);
        var consequences = v.Text("likelyConsequences", input.LikelyConsequences, Breach.MaxTextLength, required: false);
        var taken = v.Text("measuresTaken", input.MeasuresTaken, Breach.MaxTextLength, required: false);
        var proposed = v.Text("measuresProposed", input.MeasuresProposed, Breach.MaxTextLength, required: false);
        var contact = v.Text("contactPoint", input.ContactPoint, Breach.MaxShortTextLength);
        if (input.DetectedAt > now)
        {
            v.Add("detectedAt", "breaches.in_future", "Detection cannot be later than now.");
        }

        // Awareness (reasonable certainty that personal data is affected) follows detection of the incident.
        if (input.AwareAt < input.DetectedAt)
        {
            v.Add("awareAt", "breaches.aware_before_detected", "Awareness cannot precede detection.");
        }
        else if (input.AwareAt > now)
        {
            v.Add("awareAt", "breaches.in_future", "Awareness cannot be later than now.");
        }

        var categories = input.Categories.Select(c => c.Trim()).Where(c => c.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        if (categories.Count == 0)
        {
            v.Add("categories", "field.required", "Name at least one register category.");
        }

        foreach (var unknown in categories.Where(c => register.Categories.All(rc => rc.Id != c)))
        {
            v.Add("categories", "breaches.unknown_category", $"'{unknown}' is not a category of the register.");
        }

        if (input.ApproximatePeople is < 0 || input.ApproximateRecords is < 0)
        {
            v.Add("approximatePeople", "breaches.negative_count", "Counts cannot be negative.");
        }

        if (input.SubjectsInformed && input.SubjectsNotInformedBecause != SubjectNoticeExemption.None)
        {
            v.Add("subjectsNotInformedBecause", "breaches.informed_and_exempt", "People who are informed have no exemption from being informed.");
        }

        if (!v.IsValid)
        {
            return v;
        }

        breach.Title = title!;
        breach.DetectedAt = input.DetectedAt;
        breach.AwareAt = input.AwareAt;
        breach.Nature = nature!;
        breach.Categories = categories;
        breach.ApproximatePeople = input.ApproximatePeople;
        breach.ApproximateRecords = input.ApproximateRecords;
        breach.LikelyConsequences = consequences ?? string.Empty;
        breach.MeasuresTaken = taken ?? string.Empty;
        breach.MeasuresProposed = proposed ?? string.Empty;
        breach.SubjectsInformed = input.SubjectsInformed;
        breach.SubjectsNotInformedBecause = input.SubjectsNotInformedBecause;
        breach.ContactPoint = contact!;
        breach.OrganizationIds = [.. input.OrganizationIds.Distinct()];
        return v;
    }

    private async Task<string> NextReferenceAsync(Instant now, CancellationToken ct)
    {
        var year = now.InUtc().Year.ToString("D4", CultureInfo.InvariantCulture);
        var prefix = $"BR-{year}-";
        var count = await db.Set<Breach>().CountAsync(b => b.Reference.StartsWith(prefix), ct);
        return prefix + (count + 1).ToString("D4", CultureInfo.InvariantCulture);
    }

    private static AuditEntry Audit(string action, AuditActor actor, Breach b)
    {
        var details = new Dictionary<string, string>
        {
            ["reference"] = b.Reference,
            ["categories"] = string.Join(' ', b.Categories),
            ["detected_at"] = InstantPattern.ExtendedIso.Format(b.DetectedAt),
            ["aware_at"] = InstantPattern.ExtendedIso.Format(b.AwareAt),
            ["initial_report_at"] = b.InitialReportAt is { } i ? InstantPattern.ExtendedIso.Format(i) : "-",
            ["complete_report_at"] = b.CompleteReportAt is { } c ? InstantPattern.ExtendedIso.Format(c) : "-",
            ["notified"] = b.NotNotifiedReason is null ? "yes" : "no",
        };
        return new AuditEntry(action, actor, null, [new AuditObject("breach", b.Id.ToString())], Details: details);
    }
}
