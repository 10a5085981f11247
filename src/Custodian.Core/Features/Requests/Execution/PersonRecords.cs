using Custodian.Core.Features.Events;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Identifiers;
using Custodian.Core.Persistence;

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
        Keys.Select(k => Retention.HoldIdentifiers.KindOf(k.Kind) is { } kind ? (kind, k.Value) : ((IdentifierKind, string)?)null)
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
    /// <param name="db">The context (its tenant scope applies; the consent ledger only in a provider-wide one).</param>
    /// <param name="keys">The verified person.</param>
    /// <param name="track">Load tracked, to change or delete.</param>
    /// <param name="withEvents">Also usage and traffic records.</param>
    /// <param name="withConsentLedger">Also the consent ledger entries (the split and the erasure; not rectification, whose fields are the store's).</param>
    /// <param name="ct">Cancellation.</param>
    public static async Task<IReadOnlyList<PersonRecord>> LoadAsync(
        CustodianDbContext db, IReadOnlyList<SubjectKey> keys, bool track, bool withEvents, bool withConsentLedger, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(keys);
        var loaded = await SubjectRecordLoader.LoadAsync(db, keys, new SubjectRecordLoad(track, withEvents, withConsentLedger), ct);
        return [.. loaded.Select(r => new PersonRecord(r.Record, Category(r.Record.GetType()), OrganizationOf(r.Record), r.Keys))];
    }

    public static string Category(Type type) =>
        StoreCatalog.CategoryOf(type) ?? throw new InvalidOperationException($"{type.Name} holds no register category.");

    private static Guid OrganizationOf(object record) => record switch
    {
        TenantRecord r => r.OrganizationId,
        Organization o => o.Id,
        UsageRecord u => u.OrganizationId,
        TrafficRecord t => t.OrganizationId,
        Consent.ConsentEntry => Retention.RetentionTargets.Provider, // the provider's own evidence, no tenant
        _ => throw new InvalidOperationException($"Unexpected record {record.GetType().Name}."),
    };
}
