using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Store;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Custodian.Core.Features.Subjects;

/// <summary>Everything the store holds under one identifier, by register category (in the register's order).</summary>
/// <param name="Kind">The identifier kind searched.</param>
/// <param name="Value">The searched identifier in canonical form.</param>
/// <param name="Categories">The categories whose records hold it.</param>
/// <param name="Events">With <see cref="SubjectEventDetail.Summary"/>: per event family, counts per month and the latest
/// records (those records are then not in <paramref name="Categories"/>); empty otherwise.</param>
internal sealed record SubjectLookupResult(
    SubjectIdentifierKind Kind, string Value, IReadOnlyList<SubjectCategoryHits> Categories, IReadOnlyList<EventSummary>? Events = null)
{
    public IReadOnlyList<EventSummary> Events { get; } = Events ?? [];
}

/// <summary>How the look-up returns the month-partitioned usage and traffic records.</summary>
/// <param name="Summarize">Whether the event records come as a summary.</param>
/// <param name="Latest">With <see cref="Summary"/>: how many of the newest records per family come in full.</param>
internal sealed record SubjectEventDetail(bool Summarize, int Latest)
{
    /// <summary>Every record in full, in <see cref="SubjectLookupResult.Categories"/> (the API's access answer).</summary>
    public static SubjectEventDetail All { get; } = new(false, 0);

    /// <summary>Counts per month and the latest few (a person's page): a number with years of calls stays one page.</summary>
    public static SubjectEventDetail Summary(int latest) => new(true, latest);
}

/// <summary>The records of one category that hold the identifier (mobile notifications come with their subscription, attachments with their ticket).</summary>
internal sealed record SubjectCategoryHits(DataCategory Category, IReadOnlyList<object> Records);

/// <param name="Identifier">What is searched: a phone number, e-mail, IMEI, ICCID, MAC, IP address or a name.</param>
/// <param name="Kind">phone, email, imei, iccid, mac, ip or name; guessed from the shape when null.</param>
/// <param name="Reason">Why it is looked up (a request or ticket number, a purpose); recorded in the audit event.</param>
internal sealed record SubjectLookupQuery(string? Identifier, string? Kind, string? Reason);

/// <summary>
/// The subject look-up: which records hold this identifier, across every category and record type. Uses the
/// <see cref="SubjectIdentifier"/> index (one indexed query), then loads the records themselves; both through the
/// tenant filter, so a tenant key sees only its own organisation's records and a provider-wide key sees all.
/// </summary>
internal sealed class SubjectLookup(CustodianDbContext db, StoreTransactions transactions, ProcessingRegister register, AuditHasher hasher)
{
    public Task<StoreResult<SubjectLookupResult>> FindAsync(StoreCaller caller, SubjectLookupQuery query, CancellationToken ct) =>
        FindAsync(caller, query, SubjectEventDetail.All, ct);

    /// <summary>
    /// The look-up, with the reason required and the read audited (<c>subject.looked_up</c>): the one implementation
    /// behind the API and the back office's person page. With <see cref="SubjectEventDetail.Summary"/> the audit event
    /// names the event records returned in full and counts the summarised ones (<c>events</c>).
    /// </summary>
    public async Task<StoreResult<SubjectLookupResult>> FindAsync(StoreCaller caller, SubjectLookupQuery query, SubjectEventDetail events, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(events);
        var v = new FieldValidator();
        var reason = v.Text("reason", query.Reason, 500);
        var identifier = v.Text("identifier", query.Identifier, 320);
        SubjectIdentifierKind? kind = null;
        if (query.Kind is not null)
        {
            kind = SubjectKey.ParseKind(query.Kind);
            if (kind is null)
            {
                v.Add("kind", "field.not_allowed", $"'kind' must be one of {string.Join(", ", SubjectKey.KindNames)}.");
            }
        }

        string? canonical = null;
        if (identifier is not null && (query.Kind is null || kind is not null))
        {
            kind ??= SubjectKindDetection.Infer(identifier);
            var normalized = SubjectKey.Normalize(kind.Value, identifier);
            if (normalized.IsValid)
            {
                canonical = normalized.Value;
            }
            else
            {
                v.Add("identifier", normalized.Error.Code, normalized.Error.Message);
            }
        }

        if (!v.IsValid || canonical is null || kind is null)
        {
            return v.ToError();
        }

        var k = kind.Value;
        var value = SubjectKey.IndexForm(k, canonical);
        var kindName = SubjectKey.KindName(k);
        return await transactions.ReadAsync(
            async c => events.Summarize
                ? new SubjectLookupResult(k, canonical, await CollectAsync(k, value, false, c), await EventLookup.SummarizeAsync(db, k, value, events.Latest, c))
                : new SubjectLookupResult(k, canonical, await CollectAsync(k, value, true, c)),
            result => new AuditEntry(
                "subject.looked_up",
                caller.Actor,
                caller.TenantId,
                [.. result.Categories.SelectMany(h => h.Records).Concat(result.Events.SelectMany(e => e.Latest)).Select(Reference)],
                reason,
                // The searched value is personal data: the event holds only its keyed hash (of the canonical form, so
                // every spelling of one number gives one hash), which an investigator with the master key can recompute.
                Details(kindName, hasher.HashIdentifier(kindName, canonical), result, events)),
            ct);
    }

    private async Task<IReadOnlyList<SubjectCategoryHits>> CollectAsync(SubjectIdentifierKind kind, string value, bool withEvents, CancellationToken ct)
    {
        var records = (await SubjectRecordLoader.LoadAsync(db, [new SubjectKey(kind, value)], new SubjectRecordLoad(Track: false, withEvents), ct))
            .Select(r => r.Record)
            .ToList();

        return [.. register.Categories
            .Select(category => new SubjectCategoryHits(category, [.. records.Where(r => StoreCatalog.CategoryOf(r.GetType()) == category.Id)]))
            .Where(h => h.Records.Count > 0)];
    }

    private static Dictionary<string, string> Details(string kind, string identifierHash, SubjectLookupResult result, SubjectEventDetail events)
    {
        var details = new Dictionary<string, string>
        {
            ["kind"] = kind,
            ["identifier"] = identifierHash,
            ["records"] = result.Categories.Sum(h => h.Records.Count).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (events.Summarize)
        {
            // The summarised event records were counted, not shown; the ones shown in full are among the objects.
            details["events"] = result.Events.Sum(e => e.Total).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return details;
    }

    private static AuditObject Reference(object record) => record switch
    {
        TenantRecord r => new AuditObject(r.RecordType, r.Id.ToString()),
        Organization o => new AuditObject(o.RecordType, o.Id.ToString()),
        UsageRecord u => new AuditObject("usage_record", $"{u.ImportBatchId}/{u.RecordKey}"),
        TrafficRecord t => new AuditObject("traffic_record", $"{t.ImportBatchId}/{t.RecordKey}"),
        _ => throw new InvalidOperationException($"Unexpected record {record.GetType().Name}."),
    };
}
