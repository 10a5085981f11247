using Custodian.Core.Features.Store;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Custodian.Core.Features.Subjects;

/// <summary>
/// Keeps <see cref="SubjectIdentifier"/> rows in step with the records, from <c>CustodianDbContext.SaveChanges</c>:
/// added records get their rows, changed records have theirs replaced, deleted records lose them. Because it runs
/// inside SaveChanges, no write path can forget it, and the rows commit or roll back with the record.
/// </summary>
internal static class SubjectIndex
{
    /// <summary>Records whose stale rows one query loads (a batch delete of 10,000 records is 10 queries, not 10,000).</summary>
    private const int StaleQueryChunk = 1_000;

    public static async Task SyncAsync(CustodianDbContext db, CancellationToken ct)
    {
        var changes = Pending(db);
        var replaced = changes.Where(c => c.State is EntityState.Modified or EntityState.Deleted).Select(c => c.Record);
        foreach (var type in replaced.GroupBy(r => r.RecordType))
        {
            var recordType = type.Key;
            foreach (var chunk in type.Select(r => r.Id).Distinct().Chunk(StaleQueryChunk))
            {
                var ids = chunk.ToList();
                var stale = await db.SubjectIdentifiers.IgnoreQueryFilters()
                    .Where(s => s.EntityType == recordType && ids.Contains(s.EntityId))
                    .ToListAsync(ct);
                db.SubjectIdentifiers.RemoveRange(stale);
            }
        }

        foreach (var (record, state) in changes)
        {
            if (state is EntityState.Added or EntityState.Modified)
            {
                db.SubjectIdentifiers.AddRange(RowsFor(record));
            }
        }
    }

    public static void Sync(CustodianDbContext db)
    {
        foreach (var (record, state) in Pending(db))
        {
            if (state is EntityState.Modified or EntityState.Deleted)
            {
                db.SubjectIdentifiers.RemoveRange([.. db.SubjectIdentifiers.IgnoreQueryFilters()
                    .Where(s => s.EntityType == record.RecordType && s.EntityId == record.Id)]);
            }

            if (state is EntityState.Added or EntityState.Modified)
            {
                db.SubjectIdentifiers.AddRange(RowsFor(record));
            }
        }
    }

    internal static IEnumerable<SubjectIdentifier> RowsFor(ISubjectRecord record)
    {
        var keys = record.SubjectKeys().Distinct().ToList();
        if (keys.Count == 0)
        {
            return [];
        }

        var category = StoreCatalog.CategoryOf(record.GetType())
            ?? throw new InvalidOperationException($"{record.GetType().Name} holds identifiers but no register category.");
        return keys.Select(k => new SubjectIdentifier
        {
            OrganizationId = record.SubjectOrganizationId,
            Kind = SubjectKey.KindName(k.Kind),
            Value = k.Value,
            EntityType = record.RecordType,
            EntityId = record.Id,
            Category = category,
        });
    }

    private static List<(ISubjectRecord Record, EntityState State)> Pending(CustodianDbContext db)
    {
        db.ChangeTracker.DetectChanges();
        return [.. db.ChangeTracker.Entries()
            .Where(e => e.Entity is ISubjectRecord && e.State is EntityState.Added or EntityState.Modified or EntityState.Deleted)
            .Select(e => ((ISubjectRecord)e.Entity, e.State))];
    }
}
