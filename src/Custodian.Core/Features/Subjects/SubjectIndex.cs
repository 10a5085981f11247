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
    public static async Task SyncAsync(CustodianDbContext db, CancellationToken ct)
    {
        var changes = Pending(db);
        foreach (var (record, state) in changes)
        {
            if (state is EntityState.Modified or EntityState.Deleted)
            {
                var stale = await db.SubjectIdentifiers.IgnoreQueryFilters()
                    .Where(s => s.EntityType == record.RecordType && s.EntityId == record.Id)
                    .ToListAsync(ct);
                db.SubjectIdentifiers.RemoveRange(stale);
            }

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
