using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Persistence;
using NodaTime;

namespace Custodian.Core.Features.Consent;

/// <summary>The app's usage overview for one number: its outgoing calls of the last 30 days (count and billed minutes).</summary>
internal sealed record UsageInsight(string TextVersion, Instant From, Instant To, int Calls, long BilledSeconds);

/// <summary>
/// The processing on consent that Custodian itself performs (register purpose <c>app_usage_insights</c>, Tw 11.5(3)):
/// the app's usage overview, computed from the person's usage records when asked. It asks the ledger on every call and
/// refuses with 409 <c>consent.required</c> when no consent stands, so a withdrawal stops it from the next call on.
/// Nothing is stored: the overview rests on consent, the usage records it reads stay on contract, so a withdrawal
/// leaves nothing to erase (Art. 17(1)(b)). Each overview served is audited (a read of personal data), by purpose only.
/// </summary>
internal sealed class AppUsageInsights(TimeProvider time, ReadAuditBatcher reads)
{
    private static readonly Duration Window = Duration.FromDays(30);

    public async Task<StoreResult<UsageInsight>> GetAsync(CustodianDbContext db, StoreCaller caller, string? phone, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        var v = new FieldValidator();
        var subject = ConsentLedger.ParseSubject(v, phone, SubjectKey.KindName(SubjectIdentifierKind.Phone));
        if (!v.IsValid || subject is null)
        {
            return v.ToError();
        }

        var consent = await ConsentLedger.CheckAsync(db, subject.Value, ConsentPurposes.AppUsageInsights, ct);
        if (!consent.Given)
        {
            return new ConflictError(ConsentErrors.Required, "This overview rests on the person's consent, and no consent of theirs stands for it.");
        }

        var to = Instant.FromDateTimeOffset(time.GetUtcNow());
        var from = to - Window;
        var calls = (await EventLookup.FindAsync(db, SubjectIdentifierKind.Phone, subject.Value.Value, ct))
            .OfType<UsageRecord>()
            .Where(u => u.CallerNumber == subject.Value.Value && u.StartTime >= from && u.StartTime < to)
            .ToList();
        // A read: its event goes through the read audit group commit and is durable before the overview is returned.
        await reads.AppendAsync(new AuditEntry("consent.processing_served", caller.Actor, null, [],
            Details: new Dictionary<string, string> { ["purpose"] = ConsentPurposes.AppUsageInsights, ["records"] = calls.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) }), ct);

        return new UsageInsight(consent.TextVersion!, from, to, calls.Count, calls.Sum(c => (long)c.BilledSeconds));
    }
}
