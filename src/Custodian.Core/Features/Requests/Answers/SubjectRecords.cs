using Custodian.Core.Features.Consent;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Requests.Answers;

/// <summary>One stored record of the person, with what an answer needs to know about it.</summary>
/// <param name="Record">The entity (a store record, an organisation, a usage or traffic record).</param>
/// <param name="Category">Its register category.</param>
/// <param name="Type">Stable type name.</param>
/// <param name="Id">Stable id (usage/traffic: batch/key).</param>
/// <param name="OrganizationId">Its tenant.</param>
internal sealed record SubjectRecord(object Record, string Category, string Type, string Id, Guid OrganizationId);

/// <summary>
/// Every record of a verified person: the union over all their identifiers of the subject index's hits and, for
/// usage and traffic records, <see cref="EventLookup"/>; each record once. Runs in the context's tenant scope.
/// </summary>
internal static class SubjectRecords
{
    public static Task<IReadOnlyList<SubjectRecord>> CollectAsync(
        CustodianDbContext db, IReadOnlyList<SubjectKey> subject, AnswerScope scope, CancellationToken ct) =>
        CollectAsync(db, subject, scope, SubjectRecordLoad.Read, ct);

    /// <summary>
    /// The records <see cref="CollectAsync(CustodianDbContext, IReadOnlyList{SubjectKey}, AnswerScope, CancellationToken)"/>
    /// finds except the usage and traffic records: those are read with <see cref="StreamEventsAsync"/>, which comes after
    /// these in the same order.
    /// </summary>
    public static Task<IReadOnlyList<SubjectRecord>> CollectWithoutEventsAsync(
        CustodianDbContext db, IReadOnlyList<SubjectKey> subject, AnswerScope scope, CancellationToken ct) =>
        CollectAsync(db, subject, scope, SubjectRecordLoad.Read with { WithEvents = false }, ct);

    /// <summary>
    /// The person's usage (<paramref name="usage"/>) and traffic (<paramref name="traffic"/>) records within
    /// <paramref name="scope"/>, one at a time from a cursor and in <see cref="CollectAsync(CustodianDbContext, IReadOnlyList{SubjectKey}, AnswerScope, CancellationToken)"/>'s
    /// order, each once: a record found through a later identifier that an earlier one also finds was already given
    /// there (a call between the person's two numbers). Memory does not grow with the number of records.
    /// </summary>
    public static async IAsyncEnumerable<SubjectRecord> StreamEventsAsync(
        CustodianDbContext db, IReadOnlyList<SubjectKey> subject, AnswerScope scope, bool usage, bool traffic,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(scope);
        var keys = subject.Distinct().ToList();
        for (var i = 0; i < keys.Count; i++)
        {
            var earlier = keys.Take(i).ToList();
            await foreach (var record in EventLookup.StreamAsync(db, keys[i].Kind, keys[i].Value, usage, traffic, ct))
            {
                if (earlier.Any(k => FindsEvent(k, record)))
                {
                    continue;
                }

                var category = StoreCatalog.CategoryOf(record.GetType());
                if (category is null || !scope.Includes(category))
                {
                    continue;
                }

                var item = new SubjectRecord(record, category, TypeOf(record), IdOf(record), OrganizationOf(record));
                if (scope.IncludesOrganization(item.OrganizationId))
                {
                    yield return item;
                }
            }
        }
    }

    /// <summary>
    /// Per category and organisation, how many records <see cref="StreamEventsAsync"/> gives (both families), counted
    /// by the database (<see cref="EventLookup.CountSetAsync"/>) with the same each-record-once rule: a key's count
    /// leaves out the records an earlier key finds. What a streamed answer writes before the records comes from here.
    /// </summary>
    public static async Task<IReadOnlyDictionary<(string Category, Guid OrganizationId), long>> CountEventsAsync(
        CustodianDbContext db, IReadOnlyList<SubjectKey> subject, AnswerScope scope, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(scope);
        var keys = subject.Distinct().ToList();
        var counts = new Dictionary<(string, Guid), long>();
        for (var i = 0; i < keys.Count; i++)
        {
            var earlier = keys.Take(i).ToList();
            var found = new List<EventSetCount>();
            if (keys[i].Kind == SubjectIdentifierKind.Phone && scope.Includes(UsageRecord.Category))
            {
                var excluded = earlier.Where(k => k.Kind == SubjectIdentifierKind.Phone).Select(k => k.Value).ToList();
                found.AddRange(await EventLookup.CountSetAsync(db, usage: true, new EventSet([keys[i].Value], excluded), ct));
            }

            if (keys[i].Kind is SubjectIdentifierKind.Phone or SubjectIdentifierKind.Email or SubjectIdentifierKind.Ip && scope.Includes(TrafficRecord.Category))
            {
                var excluded = earlier.Where(k => k.Kind is SubjectIdentifierKind.Phone or SubjectIdentifierKind.Email or SubjectIdentifierKind.Ip).Select(k => k.Value).ToList();
                found.AddRange(await EventLookup.CountSetAsync(db, usage: false, new EventSet([keys[i].Value], excluded), ct));
            }

            foreach (var c in found.Where(c => scope.IncludesOrganization(c.OrganizationId)))
            {
                counts[(c.Category, c.OrganizationId)] = counts.GetValueOrDefault((c.Category, c.OrganizationId)) + c.Count;
            }
        }

        return counts;
    }

    /// <summary>A usage or traffic record's expiry: its category's rule from its start time (no anchor to load).</summary>
    public static Instant? EventExpiry(Register.ProcessingRegister register, SubjectRecord record)
    {
        ArgumentNullException.ThrowIfNull(register);
        ArgumentNullException.ThrowIfNull(record);
        var rule = register.Category(record.Category).Retention;
        return record.Record switch
        {
            UsageRecord u => RetentionExpiry.Of(rule, u.StartTime),
            TrafficRecord t => RetentionExpiry.Of(rule, t.StartTime),
            _ => throw new ArgumentException($"{record.Type} is not a usage or traffic record", nameof(record)),
        };
    }

    /// <summary>A usage or traffic record read elsewhere (<see cref="EventLookup.StreamSetAsync"/>) as a subject record of <paramref name="category"/>.</summary>
    public static SubjectRecord Of(object record, string category) => new(record, category, TypeOf(record), IdOf(record), OrganizationOf(record));

    /// <summary>Whether <see cref="EventLookup"/> finds <paramref name="record"/> by <paramref name="key"/>.</summary>
    private static bool FindsEvent(SubjectKey key, object record) => record switch
    {
        UsageRecord u => key.Kind == SubjectIdentifierKind.Phone && (u.CallerNumber == key.Value || u.CalleeNumber == key.Value),
        TrafficRecord t => key.Kind is SubjectIdentifierKind.Phone or SubjectIdentifierKind.Email or SubjectIdentifierKind.Ip
            && (t.Subscriber == key.Value || t.Counterpart == key.Value),
        _ => false,
    };

    private static async Task<IReadOnlyList<SubjectRecord>> CollectAsync(
        CustodianDbContext db, IReadOnlyList<SubjectKey> subject, AnswerScope scope, SubjectRecordLoad load, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(scope);
        var records = (await SubjectRecordLoader.LoadAsync(db, subject, load, ct)).Select(r => r.Record);
        var seen = new HashSet<(string, string, Guid)>();
        var result = new List<SubjectRecord>();
        foreach (var record in records)
        {
            var category = StoreCatalog.CategoryOf(record.GetType());
            if (category is null || !scope.Includes(category))
            {
                continue;
            }

            var item = new SubjectRecord(record, category, TypeOf(record), IdOf(record), OrganizationOf(record));
            // A record holding two of the person's identifiers (a call between their two numbers) is found twice.
            if (scope.IncludesOrganization(item.OrganizationId) && seen.Add((item.Type, item.Id, item.OrganizationId)))
            {
                result.Add(item);
            }
        }

        return result;
    }

    /// <summary>
    /// Each record's expiry from its category's rule and its anchor (the retention catalogue's queries); null when
    /// the anchor event (service end, ticket closing) has not happened.
    /// </summary>
    public static async Task<Dictionary<SubjectRecord, Instant?>> ExpiriesAsync(
        CustodianDbContext db, Register.ProcessingRegister register, IReadOnlyList<SubjectRecord> records, CancellationToken ct)
    {
        var organizationIds = records.Select(r => r.OrganizationId).Distinct().ToList();
        var settings = await db.Organizations.AsNoTracking()
            .Where(o => organizationIds.Contains(o.Id))
            .Select(o => new { o.Id, o.CustomerCallRecordingRetention })
            .ToDictionaryAsync(o => o.Id, o => o.CustomerCallRecordingRetention, ct);

        var anchors = await RetentionAnchors.LoadAsync(db, records.Select(r => r.Record).Where(r => r is not (UsageRecord or TrafficRecord or ConsentEntry)), ct);
        var result = new Dictionary<SubjectRecord, Instant?>();
        foreach (var r in records)
        {
            var rule = register.Category(r.Category).Retention;
            result[r] = r.Record switch
            {
                UsageRecord u => RetentionExpiry.Of(rule, u.StartTime),
                TrafficRecord t => RetentionExpiry.Of(rule, t.StartTime),
                ConsentEntry e => RetentionExpiry.Of(rule, e.WithdrawnAt), // none while the consent stands
                _ when rule is Register.UntilServiceEndRetention => RetentionExpiry.OfServiceEnd(rule, anchors.GetValueOrDefault(RetentionAnchors.IdOf(r.Record)).Date),
                _ => RetentionExpiry.Of(rule, anchors.GetValueOrDefault(RetentionAnchors.IdOf(r.Record)).Instant, settings.GetValueOrDefault(r.OrganizationId)),
            };
        }

        return result;
    }

    private static Guid OrganizationOf(object record) => record switch
    {
        TenantRecord r => r.OrganizationId,
        Organization o => o.Id,
        UsageRecord u => u.OrganizationId,
        TrafficRecord t => t.OrganizationId,
        ConsentEntry => RetentionTargets.Provider, // the provider's own evidence: in no organisation's answer
        _ => throw new InvalidOperationException($"Unexpected record {record.GetType().Name}."),
    };

    private static string IdOf(object record) => record switch
    {
        TenantRecord r => r.Id.ToString(),
        Organization o => o.Id.ToString(),
        UsageRecord u => $"{u.ImportBatchId}/{u.RecordKey}",
        TrafficRecord t => $"{t.ImportBatchId}/{t.RecordKey}",
        ConsentEntry e => e.Id.ToString(),
        _ => throw new InvalidOperationException($"Unexpected record {record.GetType().Name}."),
    };

    private static string TypeOf(object record) => record switch
    {
        TenantRecord r => r.RecordType,
        Organization o => o.RecordType,
        UsageRecord => "usage_record",
        TrafficRecord => "traffic_record",
        ConsentEntry => "consent_entry",
        _ => throw new InvalidOperationException($"Unexpected record {record.GetType().Name}."),
    };
}
