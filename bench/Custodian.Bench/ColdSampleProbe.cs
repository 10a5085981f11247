using System.Globalization;
using System.Text;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Features.Tenancy;
using Npgsql;

namespace Custodian.Bench;

/// <summary>
/// What one cold look-up sample was made of, from the host's side: the block devices' completed reads and the time they
/// took (<c>/proc/diskstats</c>), and what the CPUs did meanwhile (<c>/proc/stat</c>: busy, waiting for I/O, stolen by
/// the hypervisor). Read before and after a sample; the difference tells a slow disk from a busy machine from a plan
/// that reads more pages.
/// </summary>
internal readonly record struct HostCounters(long Reads, long ReadMs, long SectorsRead, long Busy, long IoWait, long Steal, long Total)
{
    public static HostCounters Read()
    {
        long reads = 0, readMs = 0, sectors = 0;
        foreach (var line in File.ReadLines("/proc/diskstats"))
        {
            // major minor name reads merged sectors ms-reading ...; whole disks only (a partition's reads are its disk's too).
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length >= 7 && Directory.Exists("/sys/block/" + f[2]) && !f[2].StartsWith("loop", StringComparison.Ordinal))
            {
                reads += long.Parse(f[3], CultureInfo.InvariantCulture);
                sectors += long.Parse(f[5], CultureInfo.InvariantCulture);
                readMs += long.Parse(f[6], CultureInfo.InvariantCulture);
            }
        }

        // cpu user nice system idle iowait irq softirq steal (jiffies over all CPUs).
        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
            .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var busy = cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6];
        return new HostCounters(reads, readMs, sectors, busy, cpu[4], cpu[7], cpu.Sum());
    }

    public static HostCounters operator -(HostCounters a, HostCounters b) =>
        new(a.Reads - b.Reads, a.ReadMs - b.ReadMs, a.SectorsRead - b.SectorsRead, a.Busy - b.Busy, a.IoWait - b.IoWait, a.Steal - b.Steal, a.Total - b.Total);

    /// <summary>One line: reads, their mean time, KB read, and the CPUs' shares over the sample.</summary>
    public string Describe()
    {
        static string Share(long part, long total) => total == 0 ? "0%" : string.Create(CultureInfo.InvariantCulture, $"{100.0 * part / total:F0}%");
        return string.Create(CultureInfo.InvariantCulture,
            $"{Reads:N0} disk reads ({SectorsRead / 2:N0} KB, {(Reads == 0 ? 0 : (double)ReadMs / Reads):F2} ms each on average), CPU busy {Share(Busy, Total)}, iowait {Share(IoWait, Total)}, steal {Share(Steal, Total)}");
    }
}

/// <summary>
/// PostgreSQL: the look-up's own statement for one number under <c>EXPLAIN (ANALYZE, BUFFERS)</c> with
/// <c>track_io_timing</c> on, run cold, so a slow sample's plan shows how many pages each month's scan read and how long
/// the reads took. The statement and its settings are the ones <see cref="EventLookup"/> sends (captured through
/// <see cref="EventLookup.Observed"/> from a look-up of a number that has no records).
/// </summary>
internal static class ColdPlan
{
    public static async Task<string> ExplainAsync(BenchDatabase database, string noSuchNumber, string number, CancellationToken ct)
    {
        var observed = new List<EventLookup.ObservedQuery>();
        EventLookup.Observed.Value = observed;
        try
        {
            await using var db = database.CreateContext(TenantScope.For(database.OrganizationId));
            await EventLookup.FindAsync(db, SubjectIdentifierKind.Phone, noSuchNumber, ct);
        }
        finally
        {
            EventLookup.Observed.Value = null;
        }

        var usage = observed.First(); // the usage records' statement (the traffic one follows; the benchmark has no traffic)
        await using var connection = (NpgsqlConnection)await database.OpenRawAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        foreach (var (name, value) in usage.Settings.Append(("track_io_timing", "on")))
        {
            await using var set = new NpgsqlCommand("SELECT set_config(@n, @v, true)", connection, tx);
            set.Parameters.AddWithValue("n", name);
            set.Parameters.AddWithValue("v", value);
            await set.ExecuteScalarAsync(ct);
        }

        await using var explain = new NpgsqlCommand("EXPLAIN (ANALYZE, BUFFERS) " + usage.Sql, connection, tx);
        foreach (var (name, value) in usage.Parameters)
        {
            explain.Parameters.AddWithValue(name.TrimStart('@'), name == "@value" ? number : value);
        }

        var plan = new StringBuilder();
        await using (var reader = await explain.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                plan.Append("      ").AppendLine(reader.GetString(0));
            }
        }

        await tx.RollbackAsync(ct);
        return plan.ToString();
    }
}
