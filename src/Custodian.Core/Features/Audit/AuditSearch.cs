using System.Text.Json;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Audit;

/// <summary>
/// Who reads the audit trail, and so which events exist for them.
/// <list type="bullet">
/// <item>A tenant (a client organisation's privacy contact): only events recorded with its own organisation. Events of
/// authority-basis holds are recorded without an organisation (<see cref="LegalHoldCommands"/>), so they never reach a
/// tenant; provider-wide events (sweeps started, key rotations) carry no organisation either and are not its business.</item>
/// <item>Provider-wide (auditor, privacy officer, administrator): every event, except, without <see cref="Lawful"/>,
/// those naming an authority-basis hold: such a hold does not exist for them anywhere else (404 in the hold API), so the
/// trail must not reveal it either.</item>
/// <item><see cref="TenantScope.None"/>: nothing.</item>
/// </list>
/// </summary>
internal sealed record AuditReader
{
    public AuditReader(TenantScope scope, bool lawful)
    {
        ArgumentNullException.ThrowIfNull(scope);
        Scope = scope;
        Lawful = lawful && scope.AllTenants;
    }

    public TenantScope Scope { get; }

    /// <summary>Sees events of authority-basis holds (<c>holds:lawful</c>; only a provider-wide reader can).</summary>
    public bool Lawful { get; }
}

/// <summary>
/// The audit page's filters; every one optional, combined with AND. Texts match exactly (ids and dotted action names
/// are stable codes, not prose). <see cref="Before"/> is the keyset: the page continues with events older than it.
/// </summary>
/// <param name="ActorKind"><c>user</c>, <c>api_key</c>, <c>system</c> or <c>cli</c>.</param>
/// <param name="ActorId">The actor's id exactly as recorded.</param>
/// <param name="Action">A dotted action name (<c>subject.viewed</c>).</param>
/// <param name="ObjectType">An object's type (<c>legal_hold</c>); with <paramref name="ObjectId"/>, the same object must have both.</param>
/// <param name="ObjectId">An object's id.</param>
/// <param name="From">Events at or after this instant.</param>
/// <param name="Until">Events before this instant.</param>
/// <param name="Before">Only events with a position below this (the previous page's <see cref="AuditSearchPage.NextBefore"/>).</param>
/// <param name="Limit">Page size, 1..<see cref="AuditSearch.MaxLimit"/>.</param>
internal sealed record AuditSearchFilter(
    string? ActorKind = null,
    string? ActorId = null,
    string? Action = null,
    string? ObjectType = null,
    string? ObjectId = null,
    Instant? From = null,
    Instant? Until = null,
    long? Before = null,
    int Limit = AuditSearch.DefaultLimit);

/// <summary>One event as the audit page shows it. <see cref="Seq"/> is its position in the log: the leaf the inclusion proof is for.</summary>
internal sealed record AuditEntryView(
    long Seq,
    Guid Id,
    Instant OccurredAt,
    Guid? OrganizationId,
    string ActorKind,
    string ActorId,
    string Action,
    IReadOnlyList<AuditObject> Objects,
    string? Reason,
    IReadOnlyDictionary<string, string> Details);

/// <summary>A page of events, newest first; <see cref="NextBefore"/> continues with older ones, null on the last page.</summary>
internal sealed record AuditSearchPage(IReadOnlyList<AuditEntryView> Entries, long? NextBefore);

/// <summary>
/// Searches the audit trail for the audit page: newest first, keyset-paged on the event's position (<c>seq</c>), which
/// is unique and gap-free, so pages are stable while events are appended (new events only ever come before page one)
/// and equal timestamps cannot repeat or skip an event. Each filter has an index leading with it and ending in
/// <c>seq</c> (action, actor id, organisation) or on <c>occurred_at</c>; an object id reads the object's own rows
/// (<see cref="AuditEventObject"/>) newest first and joins the events by position, so a rare object costs its rows. An
/// object type alone matches the canonical objects JSON while walking the log (types are few and each common).
/// ListQueryPlanTests pins that no filter scans the tables.
/// Reading the trail is not itself audited: events hold no personal data (the write contract of <see cref="AuditEntry"/>).
/// </summary>
internal sealed class AuditSearch(IDbContextFactory<CustodianDbContext> contexts)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    public async Task<AuditSearchPage> SearchAsync(AuditReader reader, AuditSearchFilter filter, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(filter);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var query = await VisibleAsync(db, reader, ct);
        if (query is null)
        {
            return new AuditSearchPage([], null);
        }

        if (!string.IsNullOrEmpty(filter.ActorKind))
        {
            query = query.Where(e => e.ActorKind == filter.ActorKind);
        }

        if (!string.IsNullOrEmpty(filter.ActorId))
        {
            query = query.Where(e => e.ActorId == filter.ActorId);
        }

        if (!string.IsNullOrEmpty(filter.Action))
        {
            query = query.Where(e => e.Action == filter.Action);
        }

        var objectType = string.IsNullOrEmpty(filter.ObjectType) ? null : filter.ObjectType;
        var objectId = string.IsNullOrEmpty(filter.ObjectId) ? null : filter.ObjectId;
        if (objectType is not null && objectId is null)
        {
            // A type alone (every legal_hold event) is common by nature: walking the log is as cheap as an index here.
            query = query.Where(e => e.Objects.Contains(ObjectPattern(objectType, null)!));
        }

        if (filter.From is { } from)
        {
            query = query.Where(e => e.OccurredAt >= from);
        }

        if (filter.Until is { } until)
        {
            query = query.Where(e => e.OccurredAt < until);
        }

        if (filter.Before is { } before)
        {
            query = query.Where(e => e.Seq < before);
        }

        var limit = Math.Clamp(filter.Limit, 1, MaxLimit);
        List<AuditEvent> rows;
        if (objectId is not null)
        {
            // Driven from the object's own rows, newest first, joined to the events by position: a rare object costs
            // its few rows, not a walk of the whole log (which the JSON substring match needed).
            var objects = db.Set<AuditEventObject>().AsNoTracking().Where(o => o.Id == objectId);
            if (objectType is not null)
            {
                objects = objects.Where(o => o.Type == objectType);
            }

            if (filter.Before is { } beforeSeq)
            {
                objects = objects.Where(o => o.Seq < beforeSeq);
            }

            rows = await objects
                .Join(query, o => o.Seq, e => e.Seq, (o, e) => new { o.Seq, Event = e })
                .OrderByDescending(x => x.Seq)
                .Select(x => x.Event)
                .Take(limit + 1)
                .ToListAsync(ct);
        }
        else
        {
            rows = await query.OrderByDescending(e => e.Seq).Take(limit + 1).ToListAsync(ct);
        }

        // An id alone can match one event twice (two objects of different types with one id): the page keeps it once
        // and may come out short, which keyset paging allows; "more" still follows the rows read.
        var more = rows.Count > limit;
        var page = rows.DistinctBy(e => e.Seq).Take(limit).Select(View).ToList();
        return new AuditSearchPage(page, more ? page[^1].Seq : null);
    }


    /// <summary>One event by position, or null when it does not exist for <paramref name="reader"/>.</summary>
    public async Task<AuditEntryView?> GetAsync(AuditReader reader, long seq, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(reader);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var query = await VisibleAsync(db, reader, ct);
        var row = query is null ? null : await query.FirstOrDefaultAsync(e => e.Seq == seq, ct);
        return row is null ? null : View(row);
    }

    /// <summary>
    /// The inclusion proof of a visible event in the tree of the latest signed checkpoint (so it can be checked against
    /// a checkpoint the reader holds), or null when the event is not visible to the reader or no checkpoint covers it yet.
    /// </summary>
    public async Task<AuditInclusion?> InclusionAsync(AuditReader reader, long seq, CancellationToken ct)
    {
        if (await GetAsync(reader, seq, ct) is null)
        {
            return null;
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var latest = await AuditCheckpoints.LatestAsync(db, ct);
        return latest is null || latest.Size < seq ? null : await AuditProofs.InclusionAsync(db, seq, latest.Size, ct);
    }

    /// <summary>The events <paramref name="reader"/> may see; null: none at all.</summary>
    private static async Task<IQueryable<AuditEvent>?> VisibleAsync(CustodianDbContext db, AuditReader reader, CancellationToken ct)
    {
        var query = db.Set<AuditEvent>().AsNoTracking();
        if (reader.Scope.OrganizationId is { } tenant)
        {
            query = query.Where(e => e.OrganizationId == tenant);
        }
        else if (!reader.Scope.AllTenants)
        {
            return null;
        }

        if (!reader.Lawful)
        {
            // Authority holds are few (tens): one NOT-contains per hold. Every event naming one goes, including a lawful
            // officer's "hold.listed" that named it among others.
            var authority = HoldBases.Authority;
            var secret = await db.Set<LegalHold>().IgnoreQueryFilters().AsNoTracking()
                .Where(h => authority.Contains(h.Basis)).Select(h => h.Id).ToListAsync(ct);
            foreach (var id in secret)
            {
                var pattern = ObjectPattern(LegalHoldObjectType, id.ToString())!;
                query = query.Where(e => !e.Objects.Contains(pattern));
            }
        }

        return query;
    }

    private const string LegalHoldObjectType = "legal_hold";

    /// <summary>
    /// The part of the canonical objects JSON (<c>[{"id":..,"type":..},...]</c>) that one object with this type and/or
    /// id has, escaped exactly as <see cref="AuditCanonical.ObjectsJson"/> writes it. Null when neither is given.
    /// </summary>
    internal static string? ObjectPattern(string? type, string? id)
    {
        var hasType = !string.IsNullOrEmpty(type);
        var hasId = !string.IsNullOrEmpty(id);
        if (!hasType && !hasId)
        {
            return null;
        }

        // [{"id":<id>,"type":<type>}]: cut the brackets, then the half that was not asked for.
        var element = AuditCanonical.ObjectsJson([new AuditObject(hasType ? type! : "", hasId ? id! : "")])[1..^1];
        var split = element.IndexOf(",\"type\":", StringComparison.Ordinal);
        return (hasType, hasId) switch
        {
            (true, true) => element,
            (false, true) => element[..(split + 8)],
            _ => element[split..],
        };
    }

    private static AuditEntryView View(AuditEvent e)
    {
        var objects = new List<AuditObject>();
        using (var json = JsonDocument.Parse(e.Objects))
        {
            foreach (var o in json.RootElement.EnumerateArray())
            {
                objects.Add(new AuditObject(o.GetProperty("type").GetString()!, o.GetProperty("id").GetString()!));
            }
        }

        var details = new SortedDictionary<string, string>(StringComparer.Ordinal);
        using (var json = JsonDocument.Parse(e.Details))
        {
            foreach (var p in json.RootElement.EnumerateObject())
            {
                details[p.Name] = p.Value.GetString() ?? "";
            }
        }

        return new AuditEntryView(e.Seq, e.Id, e.OccurredAt, e.OrganizationId, e.ActorKind, e.ActorId, e.Action, objects, e.Reason, details);
    }
}
