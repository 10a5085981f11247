using System.Globalization;
using System.Reflection;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Core.Features.People;

/// <param name="Identifier">What is searched: a phone number, e-mail, IMEI, ICCID, MAC, IP address or a name.</param>
/// <param name="Kind">phone, email, imei, iccid, mac, ip or name; guessed from the shape when null.</param>
/// <param name="Reason">Why it is looked up (a ticket or request number); required, recorded in the audit event.</param>
/// <param name="CanSeeAuthorityHolds">
/// Only for the lawful-disclosure role (<c>holds:lawful</c>): without it, holds under an authority basis
/// (<see cref="HoldBases.IsAuthority"/>) are left out as if they did not exist; the records they keep still show
/// their ordinary expiry.
/// </param>
/// <param name="LatestEvents">How many of the newest usage and traffic records per category come in full (at most <see cref="EventLookup.MaxLatest"/>).</param>
internal sealed record PersonQuery(string? Identifier, string? Kind, string? Reason, bool CanSeeAuthorityHolds, int LatestEvents = 10);

/// <summary>
/// The back office's person page: the subject look-up (<see cref="SubjectLookup"/>, the same reason rule and audit
/// event as <c>GET /api/v1/subjects</c>) with, per register category, what the register says (purposes, basis,
/// controller, retention) and, per record, its expiry and the holds and restrictions that keep it. Everything runs
/// through the context's tenant scope: for a client organisation's scope another organisation's person is
/// indistinguishable from nobody.
/// </summary>
internal sealed class PersonPage(CustodianDbContext db, SubjectLookup lookup, ProcessingRegister register, TimeProvider time)
{
    public async Task<StoreResult<PersonView>> GetAsync(StoreCaller caller, PersonQuery query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(query);
        var found = await lookup.FindAsync(
            caller, new SubjectLookupQuery(query.Identifier, query.Kind, query.Reason), SubjectEventDetail.Summary(query.LatestEvents), ct);
        if (!found.IsSuccess)
        {
            return found.Error;
        }

        var result = found.Value;
        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        var stored = result.Categories.ToDictionary(c => c.Category.Id, c => c.Records, StringComparer.Ordinal);
        var events = result.Events.ToDictionary(e => e.Category, StringComparer.Ordinal);

        var organizationIds = stored.Values.SelectMany(r => r).Concat(events.Values.SelectMany(e => e.Latest)).Select(OrganizationOf).Distinct().ToList();
        var organizations = await db.Organizations.AsNoTracking()
            .Where(o => organizationIds.Contains(o.Id))
            .Select(o => new { o.Id, o.Name, o.CustomerCallRecordingRetention })
            .ToDictionaryAsync(o => o.Id, ct);
        var anchors = await RetentionAnchors.LoadAsync(db, stored.Values.SelectMany(r => r), ct);

        var active = await LegalHolds.ActiveAtAsync(db, now, ct);
        var searched = SearchedForms(result.Kind, result.Value);
        var covering = new Dictionary<object, IReadOnlyList<Guid>>(ReferenceEqualityComparer.Instance);
        var categoryHolds = new Dictionary<string, HashSet<Guid>>(StringComparer.Ordinal);
        foreach (var category in register.Categories)
        {
            var ids = categoryHolds[category.Id] = [];
            foreach (var record in stored.GetValueOrDefault(category.Id) ?? [])
            {
                var holding = active.Holding(category.Id, OrganizationOf(record), RetentionSweeper.RecordTime(record), RetentionSweeper.HoldIdentifiersOf(record));
                covering[record] = holding;
                ids.UnionWith(holding);
            }

            if (events.TryGetValue(category.Id, out var summary))
            {
                foreach (var record in summary.Latest)
                {
                    var holding = EventHolding(active, category.Id, record);
                    covering[record] = holding;
                    ids.UnionWith(holding);
                }

                // Holds on older records than the ones shown: whole-organisation holds and holds naming the searched identifier.
                var shownOrganizations = summary.Latest.Select(OrganizationOf).ToHashSet();
                ids.UnionWith(active.Scopes
                    .Where(s => shownOrganizations.Any(o => s.AppliesTo(category.Id, o)) && (s.IsWholeOrganization || s.Identifiers.Overlaps(searched)))
                    .Select(s => s.HoldId));
            }
        }

        var visible = await VisibleHoldsAsync([.. categoryHolds.Values.SelectMany(h => h).Distinct()], query.CanSeeAuthorityHolds, ct);

        var categories = new List<PersonCategoryView>();
        foreach (var category in register.Categories)
        {
            var records = stored.GetValueOrDefault(category.Id) ?? [];
            events.TryGetValue(category.Id, out var summary);
            if (records.Count == 0 && summary is null)
            {
                continue;
            }

            var shown = records.Concat(summary?.Latest ?? []).ToList();
            var views = shown.Select(r => new PersonRecordView(
                    TypeOf(r),
                    IdOf(r),
                    r switch { UsageRecord u => u.RecordKey, TrafficRecord t => t.RecordKey, _ => null },
                    OrganizationOf(r),
                    organizations.TryGetValue(OrganizationOf(r), out var o) ? o.Name : string.Empty,
                    FieldsOf(r, category.Id),
                    Expiry(category, r, anchors, organizations.TryGetValue(OrganizationOf(r), out var org) ? org.CustomerCallRecordingRetention : null),
                    [.. covering[r].Where(visible.ContainsKey)]))
                .ToList();
            var holds = categoryHolds[category.Id].Where(visible.ContainsKey).Select(id => visible[id]).OrderBy(h => h.StartsAt).ThenBy(h => h.Id).ToList();
            categories.Add(new PersonCategoryView(
                category.Id,
                category.Description,
                [.. category.PurposeIds.Select(p => new PurposeView(p, register.Purpose(p).Name))],
                category.LegalBasis,
                category.Controller,
                category.Controller == ControllerRole.Provider
                    ? [register.Statement.Controller.Name]
                    : [.. views.Select(v => v.OrganizationName).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
                RetentionRuleText.Describe(register, category.Retention),
                views,
                summary is null ? null : new PersonEventsView(summary.Months, summary.Total),
                [.. holds.Where(h => !h.IsRestriction)],
                [.. holds.Where(h => h.IsRestriction)]));
        }

        return new PersonView(SubjectKey.KindName(result.Kind), result.Value, categories);
    }

    /// <summary>The holds the caller may see, by id: the tenant filter hides other organisations' and provider-wide ones; the authority bases need the flag.</summary>
    private async Task<Dictionary<Guid, HoldView>> VisibleHoldsAsync(List<Guid> ids, bool canSeeAuthorityHolds, CancellationToken ct)
    {
        if (ids.Count == 0)
        {
            return [];
        }

        var holds = await db.LegalHolds.AsNoTracking().Where(h => ids.Contains(h.Id)).ToListAsync(ct);
        return holds
            .Where(h => canSeeAuthorityHolds || !HoldBases.IsAuthority(h.Basis))
            .ToDictionary(
                h => h.Id,
                h => new HoldView(h.Id, HoldBases.Name(h.Basis), h.Ground is { } g ? HoldBases.Name(g) : null, h.Reference, h.StartsAt, h.EndsAt, h.OrganizationId));
    }

    private static Instant? Expiry(DataCategory category, object record, Dictionary<Guid, (Instant? Instant, LocalDate? Date)> anchors, Period? clientSetting) => record switch
    {
        UsageRecord u => RetentionExpiry.Of(category.Retention, u.StartTime),
        TrafficRecord t => RetentionExpiry.Of(category.Retention, t.StartTime),
        _ when category.Retention is UntilServiceEndRetention => RetentionExpiry.OfServiceEnd(category.Retention, anchors.GetValueOrDefault(IdOf(record)).Date),
        _ => RetentionExpiry.Of(category.Retention, anchors.GetValueOrDefault(IdOf(record)).Instant, clientSetting),
    };

    /// <summary>As the event sweep matches holds (<c>EventRetention</c>): organisation, category, window, and any identifier column (lower case).</summary>
    private static IReadOnlyList<Guid> EventHolding(ActiveHolds active, string category, object record)
    {
        var (organization, start, values) = record switch
        {
            UsageRecord u => (u.OrganizationId, u.StartTime, new[] { u.CallerNumber, u.CalleeNumber }),
            TrafficRecord t => (t.OrganizationId, t.StartTime, new[] { t.Subscriber, t.Counterpart }),
            _ => throw new InvalidOperationException($"Unexpected event record {record.GetType().Name}."),
        };
#pragma warning disable CA1308 // comparison form, as the event sweep's SQL: lower(column)
        var lowered = values.OfType<string>().Select(v => v.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
#pragma warning restore CA1308
        return [.. active.Scopes
            .Where(s => s.AppliesTo(category, organization) && s.InWindow(start) && (s.IsWholeOrganization || s.Identifiers.Any(i => lowered.Contains(i.Value))))
            .Select(s => s.HoldId)];
    }

    /// <summary>The searched identifier in the holds' comparison form (names are not hold identifiers).</summary>
    private static HashSet<(Identifiers.IdentifierKind Kind, string Value)> SearchedForms(SubjectIdentifierKind kind, string canonical)
    {
        Identifiers.IdentifierKind? k = kind switch
        {
            SubjectIdentifierKind.Phone => Identifiers.IdentifierKind.PhoneNumber,
            SubjectIdentifierKind.Email => Identifiers.IdentifierKind.Email,
            SubjectIdentifierKind.Imei => Identifiers.IdentifierKind.Imei,
            SubjectIdentifierKind.Iccid => Identifiers.IdentifierKind.Iccid,
            SubjectIdentifierKind.Mac => Identifiers.IdentifierKind.MacAddress,
            SubjectIdentifierKind.Ip => Identifiers.IdentifierKind.IpAddress,
            _ => null,
        };
        return k is { } kk ? [HoldIdentifiers.MatchForm(kk, canonical)] : [];
    }

    private static Guid OrganizationOf(object record) => record switch
    {
        TenantRecord r => r.OrganizationId,
        Organization o => o.Id,
        UsageRecord u => u.OrganizationId,
        TrafficRecord t => t.OrganizationId,
        _ => throw new InvalidOperationException($"Unexpected record {record.GetType().Name}."),
    };

    private static Guid IdOf(object record) => record switch
    {
        TenantRecord r => r.Id,
        Organization o => o.Id,
        UsageRecord u => u.ImportBatchId,
        TrafficRecord t => t.ImportBatchId,
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

    /// <summary>The properties marked as personal data of <paramref name="category"/>, in declaration order.</summary>
    internal static IReadOnlyList<PersonField> FieldsOf(object record, string category) =>
        [.. record.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetCustomAttribute<PersonalDataAttribute>()?.Category == category)
            .Select(p => new PersonField(p.Name, Display(p.GetValue(record))))];

    internal static string? Display(object? value) => value switch
    {
        null => null,
        string s => s.Length == 0 ? null : s,
        Instant i => InstantPattern.ExtendedIso.Format(i),
        LocalDate d => LocalDatePattern.Iso.Format(d),
        Period p => p.ToString(),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
