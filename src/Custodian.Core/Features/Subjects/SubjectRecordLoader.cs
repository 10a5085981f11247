using System.Linq.Expressions;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Store;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Custodian.Core.Features.Subjects;

/// <summary>One record found for a person, with the person's identifiers that found it (a hold naming one of them covers it).</summary>
/// <param name="Record">The entity (tracked when loaded with <see cref="SubjectRecordLoad.Track"/>), or a <see cref="UsageRecord"/> / <see cref="TrafficRecord"/>.</param>
/// <param name="Keys">The searched identifiers that point to it (for a child record: those of its parent).</param>
internal sealed record LoadedSubjectRecord(object Record, IReadOnlyList<SubjectKey> Keys);

/// <summary>How <see cref="SubjectRecordLoader"/> loads.</summary>
/// <param name="Track">Load the store records tracked (to change or delete them in the caller's SaveChanges).</param>
/// <param name="WithEvents">Also the usage and traffic records that hold the identifiers (<see cref="EventLookup"/>).</param>
/// <param name="WithConsentLedger">Also the person's consent ledger entries (<see cref="Consent.ConsentEntry"/>, category
/// <c>general.consent_records</c>): the data-subject requests' readers ask for them, the store API's look-up does not.</param>
internal sealed record SubjectRecordLoad(bool Track, bool WithEvents, bool WithConsentLedger = false)
{
    /// <summary>Read only, with the usage and traffic records and the consent ledger (the answers).</summary>
    public static SubjectRecordLoad Read { get; } = new(false, true, true);
}

/// <summary>
/// Loads the records the <c>subject_identifiers</c> index points to, for a set of identifiers: the one place that knows
/// which entity each index record type is, so a new record type is added here and every reader (the look-up, the
/// answers, the executors) finds it. A subscription brings its notifications and a ticket its attachments (they hold no
/// identifier of their own). Union over the identifiers, each record once. Through the context's tenant filter.
/// </summary>
internal static class SubjectRecordLoader
{
    private delegate Task<List<(object Record, Guid IndexedId)>> Loader(CustodianDbContext db, List<Guid> ids, bool track, CancellationToken ct);

    /// <summary>Per index record type (<see cref="ISubjectRecord.RecordType"/>): how its records (and their children) load.</summary>
    private static readonly Dictionary<string, (Type[] Types, Loader Load)> Loaders = new(StringComparer.Ordinal)
    {
        ["organization"] = ([typeof(Organizations.Organization)], (db, ids, track, ct) => Load(db.Organizations, o => ids.Contains(o.Id), o => o.Id, track, ct)),
        ["contact_person"] = ([typeof(ContactPerson)], (db, ids, track, ct) => Load(db.ContactPersons, r => ids.Contains(r.Id), r => r.Id, track, ct)),
        ["internet_connection"] = ([typeof(InternetConnection)], (db, ids, track, ct) => Load(db.InternetConnections, r => ids.Contains(r.Id), r => r.Id, track, ct)),
        ["voip_device"] = ([typeof(VoipDevice)], (db, ids, track, ct) => Load(db.VoipDevices, r => ids.Contains(r.Id), r => r.Id, track, ct)),
        ["voip_contact"] = ([typeof(VoipContact)], (db, ids, track, ct) => Load(db.VoipContacts, r => ids.Contains(r.Id), r => r.Id, track, ct)),
        ["mobile_subscription"] = ([typeof(MobileSubscription), typeof(MobileNotification)], async (db, ids, track, ct) =>
        [
            .. await Load(db.MobileSubscriptions, r => ids.Contains(r.Id), r => r.Id, track, ct),
            .. await Load(db.MobileNotifications, n => ids.Contains(n.SubscriptionId), n => n.SubscriptionId, track, ct),
        ]),
        ["keyholder"] = ([typeof(Keyholder)], (db, ids, track, ct) => Load(db.Keyholders, r => ids.Contains(r.Id), r => r.Id, track, ct)),
        ["support_ticket"] = ([typeof(SupportTicket), typeof(SupportTicketAttachment)], async (db, ids, track, ct) =>
        [
            .. await Load(db.SupportTickets, r => ids.Contains(r.Id), r => r.Id, track, ct),
            .. await Load(db.Set<SupportTicketAttachment>(), a => ids.Contains(a.TicketId), a => a.TicketId, track, ct),
        ]),
        ["support_call_recording"] = ([typeof(SupportCallRecording)], (db, ids, track, ct) => Load(db.Set<SupportCallRecording>(), r => ids.Contains(r.Id), r => r.Id, track, ct)),
        ["customer_call_recording"] = ([typeof(CustomerCallRecording)], (db, ids, track, ct) => Load(db.Set<CustomerCallRecording>(), r => ids.Contains(r.Id), r => r.Id, track, ct)),
    };

    /// <summary>The index record types the loader knows (every <see cref="SubjectIdentifier.EntityType"/> written must be one).</summary>
    public static IReadOnlyCollection<string> IndexedTypes => Loaders.Keys;

    /// <summary>Every entity type the loader returns, the children loaded with their parent included.</summary>
    public static IReadOnlySet<Type> LoadedTypes { get; } = Loaders.Values.SelectMany(l => l.Types).ToHashSet();

    public static async Task<IReadOnlyList<LoadedSubjectRecord>> LoadAsync(
        CustodianDbContext db, IReadOnlyList<SubjectKey> keys, SubjectRecordLoad options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(options);
        var distinct = keys.Distinct().ToList();
        var found = new Dictionary<(string Type, Guid Id), List<SubjectKey>>();
        foreach (var key in distinct)
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

        var records = new List<LoadedSubjectRecord>();
        foreach (var group in found.GroupBy(f => f.Key.Type, StringComparer.Ordinal))
        {
            if (!Loaders.TryGetValue(group.Key, out var loader))
            {
                throw new InvalidOperationException($"The subject index points to an unknown record type '{group.Key}'.");
            }

            var ids = group.Select(g => g.Key.Id).ToList();
            foreach (var (record, indexedId) in await loader.Load(db, ids, options.Track, ct))
            {
                records.Add(new LoadedSubjectRecord(record, found[(group.Key, indexedId)]));
            }
        }

        // The consent ledger keys a person by the same kind and index-form value as subject_identifiers, so it is read
        // directly. It is the provider's own evidence and belongs to no tenant: only a provider-wide context sees it.
        if (options.WithConsentLedger && db.Tenant.AllTenants)
        {
            foreach (var group in distinct.GroupBy(k => SubjectKey.KindName(k.Kind), StringComparer.Ordinal))
            {
                var kind = group.Key;
                var values = group.Select(k => k.Value).ToList();
                var set = db.Set<Consent.ConsentEntry>();
                var entries = await (options.Track ? set : set.AsNoTracking()).Where(e => e.SubjectKind == kind && values.Contains(e.SubjectValue)).ToListAsync(ct);
                records.AddRange(entries.Select(e => new LoadedSubjectRecord(e, [.. group.Where(k => k.Value == e.SubjectValue)])));
            }
        }

        // Usage and traffic records live in month-partitioned tables outside the EF model and the index (Features/Events).
        // A record holding two of the person's identifiers (a call between their two numbers) is found twice: once here.
        if (options.WithEvents)
        {
            var events = new Dictionary<(string Family, Guid Organization, Guid Batch, string Key), LoadedSubjectRecord>();
            foreach (var key in distinct)
            {
                foreach (var e in await EventLookup.FindAsync(db, key.Kind, key.Value, ct))
                {
                    var id = e switch
                    {
                        UsageRecord u => ("usage", u.OrganizationId, u.ImportBatchId, u.RecordKey),
                        TrafficRecord t => ("traffic", t.OrganizationId, t.ImportBatchId, t.RecordKey),
                        _ => throw new InvalidOperationException($"Unexpected event record {e.GetType().Name}."),
                    };
                    events[id] = events.TryGetValue(id, out var seen) ? seen with { Keys = [.. seen.Keys, key] } : new LoadedSubjectRecord(e, [key]);
                }
            }

            records.AddRange(events.Values);
        }

        return records;
    }

    private static async Task<List<(object Record, Guid IndexedId)>> Load<T>(
        IQueryable<T> set, Expression<Func<T, bool>> predicate, Func<T, Guid> indexedId, bool track, CancellationToken ct)
        where T : class
    {
        var query = track ? set : set.AsNoTracking();
        var rows = await query.Where(predicate).ToListAsync(ct);
        return [.. rows.Select(r => ((object)r, indexedId(r)))];
    }
}
