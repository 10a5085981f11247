using Custodian.Core.Common;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Persistence;

/// <summary>
/// Database leases so that exactly one node runs a job (style.md §4.5). The database decides: a conditional UPDATE
/// takes a free or own lease, else an INSERT ... ON CONFLICT DO NOTHING creates it; the affected-row count says who won.
/// The same SQL works on SQLite (writers serialise) and PostgreSQL (the second UPDATE waits for the first and then
/// re-checks its WHERE against the committed row).
/// </summary>
internal static class JobLeases
{
    /// <summary>
    /// Takes or renews the lease <paramref name="name"/> for <paramref name="holder"/> until <paramref name="until"/>.
    /// Succeeds when nobody holds it, when the current lease has expired (<c>lease_until &lt;= now</c>), or when
    /// <paramref name="holder"/> already holds it (renewal). Returns false when another holder's lease is still running.
    /// </summary>
    public static async Task<bool> TryAcquireAsync(
        CustodianDbContext db, string name, string holder, Instant until, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(holder);
        if (until <= now)
        {
            throw new ArgumentException("A lease must end after now.", nameof(until));
        }

        var updated = await db.JobLeases
            .Where(l => l.Name == name && (l.LeaseUntil <= now || l.Holder == holder))
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.Holder, holder).SetProperty(l => l.LeaseUntil, until), ct);
        if (updated == 1)
        {
            return true;
        }

        // No row yet, or a row held by someone else. ON CONFLICT DO NOTHING (SQLite >= 3.24, PostgreSQL >= 9.5) makes the
        // insert race harmless: exactly one inserter gets 1 row. Names are the snake_case ones the model produces.
        var untilUtc = (DateTime)new InstantToUtcDateTimeConverter().ConvertToProvider(until)!;
        var inserted = await db.Database.ExecuteSqlAsync(
            $"INSERT INTO job_leases (name, holder, lease_until) VALUES ({name}, {holder}, {untilUtc}) ON CONFLICT (name) DO NOTHING",
            ct);
        return inserted == 1;
    }

    /// <summary>Ends <paramref name="holder"/>'s lease now, so another node need not wait for it to expire. No-op if not held.</summary>
    public static async Task<bool> ReleaseAsync(CustodianDbContext db, string name, string holder, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var updated = await db.JobLeases
            .Where(l => l.Name == name && l.Holder == holder && l.LeaseUntil > now)
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.LeaseUntil, now), ct);
        return updated == 1;
    }
}
