using Custodian.Core.Features.Events;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Identifiers;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Custodian.Core.Features.Requests.Execution;

/// <summary>One record of the person, with its register category, its organisation and the person's keys it holds.</summary>
/// <param name="Record">The entity (tracked when loaded for a change) or a <see cref="UsageRecord"/> / <see cref="TrafficRecord"/>.</param>
/// <param name="Category">Its register category.</param>
/// <param name="OrganizationId">The organisation it belongs to (for an <see cref="Organization"/>: itself).</param>
/// <param name="Keys">The person's identifiers that found it (a hold naming one of them covers it).</param>
internal sealed record PersonRecord(object Record, string Category, Guid OrganizationId, IReadOnlyList<SubjectKey> Keys)
{
    public bool IsEvent => Record is UsageRecord or TrafficRecord;

    /// <summary>The identifiers a hold compares (names are not hold identifiers).</summary>
    public IReadOnlySet<(IdentifierKind Kind, string Value)> HoldIdentifiers() =>
        Keys.Select(k => PersonRecords.HoldKind(k.Kind) is { } kind ? (kind, k.Value) : ((IdentifierKind, string)?)null)
            .OfType<(IdentifierKind, string)>()
            .ToHashSet();
}

/// <summary>
/// Finds a verified person's records: the store's through the <c>subject_identifiers</c> index (union over every
/// identifier, each record once; a mobile subscription brings its notifications, a ticket its attachments, as in
/// <see cref="SubjectLookup"/>), the usage and traffic records through <see cref="EventLookup"/>. Through the context's
/// tenant filter: a context scoped to one organisation finds only that organisation's records.
/// </summary>
internal static class PersonRecords
{
    public static async Task<IReadOnlyList<PersonRecord>> LoadAsync(
        CustodianDbContext db, IReadOnlyList<SubjectKey> keys, bool track, bool withEvents, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(keys);
        var found = new Dictionary<(string Type, Guid Id), List<SubjectKey>>();
        foreach (var key in keys.Distinct())
        {
            var kind = SubjectKey.KindName(key.Kind);
            var hits = await db.SubjectIdentifiers.AsNoTracking()
                .Where(s => s.Kind == kind && s.Value == key.Value)
                .Select(s => new { s.EntityType, s.EntityId })
                .ToListAsync(ct);
            foreach (var hit in hits)
            {
                var k = (hit.EntityType, hit.EntityId);
                if (!found.TryGetValue(k, out var list))
                {
                    found[k] = list = [];
                }

                if (!list.Contains(key))
                {
                    list.Add(key);
                }
            }
        }

        var records = new List<PersonRecord>();
        foreach (var group in found.GroupBy(f => f.Key.Type, StringComparer.Ordinal))
        {
            var ids = group.Select(g => g.Key.Id).ToList();
            IReadOnlyList<SubjectKey> KeysOf(Guid id) => found[(group.Key, id)];
            switch (group.Key)
            {
                case "organization":
                    var organizations = await Query(db.Organizations, track).Where(o => ids.Contains(o.Id)).ToListAsync(ct);
                    records.AddRange(organizations.Select(o => new PersonRecord(o, Category(typeof(Organization)), o.Id, KeysOf(o.Id))));
                    break;
                case "mobile_subscription":
                    var subscriptions = await Load(db.MobileSubscriptions, ids, track, ct);
                    records.AddRange(subscriptions.Select(r => Of(r, KeysOf(r.Id))));
                    var notifications = await Query(db.MobileNotifications, track).Where(n => ids.Contains(n.SubscriptionId)).ToListAsync(ct);
                    records.AddRange(notifications.Select(n => Of(n, KeysOf(n.SubscriptionId))));
                    break;
                case "support_ticket":
                    var tickets = await Load(db.SupportTickets, ids, track, ct);
                    records.AddRange(tickets.Select(r => Of(r, KeysOf(r.Id))));
                    var attachments = await Query(db.Set<SupportTicketAttachment>(), track).Where(a => ids.Contains(a.TicketId)).ToListAsync(ct);
                    records.AddRange(attachments.Select(a => Of(a, KeysOf(a.TicketId))));
                    break;
                default:
                    IEnumerable<TenantRecord> loaded = group.Key switch
                    {
                        "contact_person" => await Load(db.ContactPersons, ids, track, ct) as IEnumerable<TenantRecord>,
                        "delivery_address" => await Load(db.DeliveryAddresses, ids, track, ct) as IEnumerable<TenantRecord>,
                        "internet_connection" => await Load(db.InternetConnections, ids, track, ct) as IEnumerable<TenantRecord>,
                        "voip_device" => await Load(db.VoipDevices, ids, track, ct) as IEnumerable<TenantRecord>,
                        "voip_contact" => await Load(db.VoipContacts, ids, track, ct) as IEnumerable<TenantRecord>,
                        "keyholder" => await Load(db.Keyholders, ids, track, ct) as IEnumerable<TenantRecord>,
                        "support_call_recording" => await Load(db.Set<SupportCallRecording>(), ids, track, ct),
                        "customer_call_recording" => await Load(db.Set<CustomerCallRecording>(), ids, track, ct),
                        _ => throw new InvalidOperationException($"The subject index points to an unknown record type '{group.Key}'."),
                    };
                    records.AddRange(loaded.Select(r => Of(r, KeysOf(r.Id))));
                    break;
            }
        }

        if (withEvents)
        {
            var events = new Dictionary<(string Family, Guid Batch, string Key), PersonRecord>();
            foreach (var key in keys.Distinct())
            {
                foreach (var e in await EventLookup.FindAsync(db, key.Kind, key.Value, ct))
                {
                    var (id, record) = e switch
                    {
                        UsageRecord u => (("usage", u.ImportBatchId, u.RecordKey), new PersonRecord(u, UsageRecord.Category, u.OrganizationId, [key])),
                        TrafficRecord t => (("traffic", t.ImportBatchId, t.RecordKey), new PersonRecord(t, TrafficRecord.Category, t.OrganizationId, [key])),
                        _ => throw new InvalidOperationException($"Unexpected event record {e.GetType().Name}."),
                    };
                    events[id] = events.TryGetValue(id, out var seen) ? seen with { Keys = [.. seen.Keys, key] } : record;
                }
            }

            records.AddRange(events.Values);
        }

        return records;
    }

    /// <summary>The hold identifier kind of a subject key kind (null for names: holds name identifiers, not names).</summary>
    public static IdentifierKind? HoldKind(SubjectIdentifierKind kind) => kind switch
    {
        SubjectIdentifierKind.Phone => IdentifierKind.PhoneNumber,
        SubjectIdentifierKind.Email => IdentifierKind.Email,
        SubjectIdentifierKind.Imei => IdentifierKind.Imei,
        SubjectIdentifierKind.Iccid => IdentifierKind.Iccid,
        SubjectIdentifierKind.Mac => IdentifierKind.MacAddress,
        SubjectIdentifierKind.Ip => IdentifierKind.IpAddress,
        _ => null,
    };

    public static string Category(Type type) =>
        StoreCatalog.CategoryOf(type) ?? throw new InvalidOperationException($"{type.Name} holds no register category.");

    private static PersonRecord Of(TenantRecord record, IReadOnlyList<SubjectKey> keys) =>
        new(record, Category(record.GetType()), record.OrganizationId, keys);

    private static IQueryable<T> Query<T>(IQueryable<T> set, bool track)
        where T : class => track ? set : set.AsNoTracking();

    private static async Task<List<T>> Load<T>(IQueryable<T> set, List<Guid> ids, bool track, CancellationToken ct)
        where T : TenantRecord =>
        await Query(set, track).Where(r => ids.Contains(r.Id)).ToListAsync(ct);
}
