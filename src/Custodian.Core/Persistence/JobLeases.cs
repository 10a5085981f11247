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
    /// Names this node in lease holders (default: the machine name). Two <c>serve</c> processes on one machine that
    /// should behave as two nodes (the several-nodes test, a drill) set different names; a node never takes over a
    /// lease of another node's name early, it waits for it to expire (docs/several-nodes.md).
    /// </summary>
    public const string NodeNameVariable = "CUSTODIAN_NODE_NAME";

    /// <summary>
    /// Overrides the length of the job leases in seconds (the sweep's 5 minutes; tests and fail-over drills use a few
    /// seconds so another node's takeover is quick to see). Read once at start. Unset in production.
    /// </summary>
    public const string LeaseSecondsVariable = "CUSTODIAN_LEASE_SECONDS";

    private static readonly string Node = ReadNodeName();
    private static readonly Duration? LeaseOverride = ReadLeaseOverride();

    /// <summary>This node's name in lease holders.</summary>
    public static string NodeName => Node;

    /// <summary>The lease length a job should use: <paramref name="standard"/>, or the <see cref="LeaseSecondsVariable"/> override.</summary>
    public static Duration Length(Duration standard) => LeaseOverride ?? standard;

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

    /// <summary>
    /// Takes the lease from <paramref name="deadHolder"/> (a holder the caller has proven dead, e.g. a killed process on
    /// this machine) for <paramref name="holder"/>. Succeeds only while the lease is still <paramref name="deadHolder"/>'s.
    /// </summary>
    public static async Task<bool> TakeOverAsync(
        CustodianDbContext db, string name, string deadHolder, string holder, Instant until, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var updated = await db.JobLeases
            .Where(l => l.Name == name && l.Holder == deadHolder)
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.Holder, holder).SetProperty(l => l.LeaseUntil, until), ct);
        return updated == 1;
    }

    /// <summary>The current holder of a lease that is still running at <paramref name="now"/>, or null.</summary>
    public static async Task<string?> HolderAsync(CustodianDbContext db, string name, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        return await db.JobLeases.AsNoTracking().Where(l => l.Name == name && l.LeaseUntil > now).Select(l => l.Holder).FirstOrDefaultAsync(ct);
    }

    /// <summary>
    /// A holder name for this process that survives PID reuse: <c>machine:pid:start-ticks</c>. With
    /// <see cref="IsDeadLocalHolder"/> a restarted job on the same machine need not wait for a killed run's lease to expire.
    /// </summary>
    public static string ProcessHolder()
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{Node}:{self.Id}:{self.StartTime.ToUniversalTime().Ticks}");
    }

    /// <summary>True when <paramref name="holder"/> is a <see cref="ProcessHolder"/> of this machine whose process no longer runs.</summary>
    public static bool IsDeadLocalHolder(string holder)
    {
        ArgumentNullException.ThrowIfNull(holder);
        var parts = holder.Split(':');
        if (parts.Length != 3 || parts[0] != Node
            || !int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid)
            || !long.TryParse(parts[2], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var started))
        {
            return false;
        }

        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return process.HasExited || process.StartTime.ToUniversalTime().Ticks != started;
        }
        catch (ArgumentException)
        {
            return true; // no process with that id
        }
        catch (InvalidOperationException)
        {
            return true; // it exited while we looked
        }
    }

    private static string ReadNodeName()
    {
        // ':' separates the holder's parts; a name with one would never be recognised as this node's.
        var name = Environment.GetEnvironmentVariable(NodeNameVariable)?.Trim();
        return string.IsNullOrEmpty(name) ? Environment.MachineName : name.Replace(':', '-');
    }

    private static Duration? ReadLeaseOverride() =>
        int.TryParse(Environment.GetEnvironmentVariable(LeaseSecondsVariable), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
        && seconds > 0
            ? Duration.FromSeconds(seconds)
            : null;

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
