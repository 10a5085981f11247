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
    public static async Task<IReadOnlyList<SubjectRecord>> CollectAsync(
        CustodianDbContext db, IReadOnlyList<SubjectKey> subject, AnswerScope scope, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(scope);
        var keys = subject.Distinct().ToList();
        var hits = new HashSet<(string Type, Guid Id)>();
        foreach (var key in keys)
        {
            var kind = SubjectKey.KindName(key.Kind);
            var rows = await db.SubjectIdentifiers.AsNoTracking()
                .Where(s => s.Kind == kind && s.Value == key.Value)
                .Select(s => new { s.EntityType, s.EntityId })
                .ToListAsync(ct);
            hits.UnionWith(rows.Select(r => (r.EntityType, r.EntityId)));
        }

        var records = new List<object>();
        foreach (var group in hits.GroupBy(h => h.Type, StringComparer.Ordinal))
        {
            var ids = group.Select(h => h.Id).Distinct().ToList();
            records.AddRange(group.Key switch
            {
                "organization" => await Load(db.Organizations, o => ids.Contains(o.Id), ct),
                "contact_person" => await Load(db.ContactPersons, r => ids.Contains(r.Id), ct),
                "delivery_address" => await Load(db.DeliveryAddresses, r => ids.Contains(r.Id), ct),
                "internet_connection" => await Load(db.InternetConnections, r => ids.Contains(r.Id), ct),
                "voip_device" => await Load(db.VoipDevices, r => ids.Contains(r.Id), ct),
                "voip_contact" => await Load(db.VoipContacts, r => ids.Contains(r.Id), ct),
                "mobile_subscription" => [
                    .. await Load(db.MobileSubscriptions, r => ids.Contains(r.Id), ct),
                    .. await Load(db.MobileNotifications, n => ids.Contains(n.SubscriptionId), ct),
                ],
                "keyholder" => await Load(db.Keyholders, r => ids.Contains(r.Id), ct),
                "support_ticket" => [
                    .. await Load(db.SupportTickets, r => ids.Contains(r.Id), ct),
                    .. await Load(db.Set<SupportTicketAttachment>(), a => ids.Contains(a.TicketId), ct),
                ],
                "support_call_recording" => await Load(db.Set<SupportCallRecording>(), r => ids.Contains(r.Id), ct),
                "customer_call_recording" => await Load(db.Set<CustomerCallRecording>(), r => ids.Contains(r.Id), ct),
                _ => throw new InvalidOperationException($"The subject index points to an unknown record type '{group.Key}'."),
            });
        }

        foreach (var key in keys)
        {
            records.AddRange(await EventLookup.FindAsync(db, key.Kind, key.Value, ct));
        }

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

        var instants = new Dictionary<Guid, Instant?>();
        var dates = new Dictionary<Guid, LocalDate?>();
        foreach (var group in records.Where(r => r.Record is not (UsageRecord or TrafficRecord)).GroupBy(r => r.Record.GetType()))
        {
            var target = RetentionTargets.All.FirstOrDefault(t => t.Entities.Contains(group.Key));
            var ids = group.Select(r => EntityId(r.Record)).ToList();
            switch (target)
            {
                case InstantAnchoredTarget t:
                    foreach (var row in await t.Rows(db).Where(r => ids.Contains(r.Id)).ToListAsync(ct))
                    {
                        instants[row.Id] = row.Anchor;
                    }

                    break;
                case DateAnchoredTarget t:
                    foreach (var row in await t.Rows(db).Where(r => ids.Contains(r.Id)).ToListAsync(ct))
                    {
                        dates[row.Id] = row.Anchor;
                    }

                    break;
                default:
                    break;
            }
        }

        var result = new Dictionary<SubjectRecord, Instant?>();
        foreach (var r in records)
        {
            var rule = register.Category(r.Category).Retention;
            result[r] = r.Record switch
            {
                UsageRecord u => RetentionExpiry.Of(rule, u.StartTime),
                TrafficRecord t => RetentionExpiry.Of(rule, t.StartTime),
                _ when rule is Register.UntilServiceEndRetention => RetentionExpiry.OfServiceEnd(rule, dates.GetValueOrDefault(EntityId(r.Record))),
                _ => RetentionExpiry.Of(rule, instants.GetValueOrDefault(EntityId(r.Record)), settings.GetValueOrDefault(r.OrganizationId)),
            };
        }

        return result;
    }

    private static async Task<IReadOnlyList<object>> Load<T>(IQueryable<T> set, System.Linq.Expressions.Expression<Func<T, bool>> predicate, CancellationToken ct)
        where T : class =>
        [.. await set.AsNoTracking().Where(predicate).ToListAsync(ct)];

    private static Guid EntityId(object record) => record switch
    {
        TenantRecord r => r.Id,
        Organization o => o.Id,
        _ => Guid.Empty,
    };

    private static Guid OrganizationOf(object record) => record switch
    {
        TenantRecord r => r.OrganizationId,
        Organization o => o.Id,
        UsageRecord u => u.OrganizationId,
        TrafficRecord t => t.OrganizationId,
        _ => throw new InvalidOperationException($"Unexpected record {record.GetType().Name}."),
    };

    private static string IdOf(object record) => record switch
    {
        TenantRecord r => r.Id.ToString(),
        Organization o => o.Id.ToString(),
        UsageRecord u => $"{u.ImportBatchId}/{u.RecordKey}",
        TrafficRecord t => $"{t.ImportBatchId}/{t.RecordKey}",
        _ => throw new InvalidOperationException($"Unexpected record {record.GetType().Name}."),
    };

    private static string TypeOf(object record) => record switch
    {
        TenantRecord r => r.RecordType,
        Organization o => o.RecordType,
        UsageRecord => "usage_record",
        TrafficRecord => "traffic_record",
        _ => throw new InvalidOperationException($"Unexpected record {record.GetType().Name}."),
    };
}
