using System.Globalization;
using Custodian.Core.Common;
using Custodian.Testing;
using Custodian.Testing.Crash;
using Npgsql;
using Xunit;

namespace Custodian.IntegrationTests.Faults;

/// <summary>
/// Issue 8 §4: the PostgreSQL server's own disk fills up for real. A throwaway cluster of this test's own keeps its data
/// directory (WAL included) on a small tmpfs, which is shrunk to leave a little room just before a
/// <c>custodian import usage</c> starts. PostgreSQL cannot extend a table file and answers SQLSTATE 53100
/// (<c>could not extend file ...: No space left on device</c>); it does not PANIC, because a checkpoint just before the
/// shrink leaves recycled WAL segments (allocated files) to write into, so only the table growth needs new space.
/// The WAL's own volume filling up, which does make PostgreSQL PANIC, is the second test.
/// </summary>
public sealed class PostgresDiskFullTests
{
    private const long Disk = 256L << 20;

    /// <summary>
    /// Free space left for the import: a few of its chunks, not the whole file. Measured (PostgreSQL 15): 1 MiB keeps no
    /// chunk (the month's first rows and indexes take most of it), 1.25 MiB keeps 1,000 records, 1.5 MiB 1,500,
    /// 1.75 MiB 2,500, 2 MiB the whole file (2,969). The lower side of that window: what matters is that the disk fills
    /// before the import ends; a run that kept no chunk still shows the fault and the recovery.
    /// </summary>
    private const long Room = 1280L << 10;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// The import stops with the one-line <c>storage.disk_full</c> error (exit 1, no stack trace), what it kept is what
    /// its batch acknowledged (whole committed chunks); once the disk has room again the same import, run again, ends
    /// like a fault-free import (same records, one batch, intact audit chain: <see cref="PreparedImport.FaultTrialAsync"/>).
    /// </summary>
    [Fact]
    public async Task ImportUsage_PostgresDiskFills_FailsAsDiskFullKeepsWhatItAcknowledgedAndRerunEndsLikeAFaultFreeImport()
    {
        await using var disk = await Tmpfs.MountAsync(Disk);
        await using var server = await PostgresRestartTests.OwnClusterAsync(Path.Combine(disk.Path, "pg"));
        await using var prepared = await PreparedImport.CreateAsync(Engine.Postgres, server, Path.GetTempPath(), Ct);

        var (interrupted, kept, divergences) = await prepared.FaultTrialAsync(
            TimeSpan.Zero,
            () => Task.CompletedTask,
            () => disk.ResizeAsync(Disk),
            Ct,
            prepare: async () =>
            {
                await CheckpointAsync(server.AdminConnectionString);
                await disk.ResizeAsync(disk.Used + Room);
            });

        Assert.True(interrupted.Exit == 1, $"exit {interrupted.Exit}: {interrupted.Error}");
        var lines = interrupted.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1 && lines[0].StartsWith("error " + StorageFaults.DiskFull + ": No space left", StringComparison.Ordinal), interrupted.Error);
        Assert.True(kept < prepared.ReferenceRecords, $"{kept} of {prepared.ReferenceRecords} records kept: the disk did not fill before the import ended");
        Assert.True(divergences.Count == 0, string.Join("; ", divergences));
        TestContext.Current.SendDiagnosticMessage(string.Create(CultureInfo.InvariantCulture,
            $"{kept} of {prepared.ReferenceRecords} records kept; {lines[0]}"));
    }

    /// <summary>
    /// The WAL's own volume fills (<c>pg_wal</c> on a small tmpfs of its own, as deployments often keep it): PostgreSQL
    /// cannot create its next WAL segment and PANICs, which ends every session at once. 1 MiB segments and
    /// <c>wal_recycle=off</c> (a checkpoint removes old segments instead of renaming them for reuse) make the import
    /// need a new segment within its first chunks (autovacuum off: nothing else writes WAL in between). The import stops with one line (the disk-full error the PANICking
    /// session gets, or the unavailable database the others see), keeps what its batch acknowledged, and once the volume
    /// has room and the server runs again (it may have come back by itself, or given up), the rerun ends like a fault-free import.
    /// </summary>
    [Fact]
    public async Task ImportUsage_PostgresWalVolumeFills_ServerPanicsImportFailsInOneLineAndRerunEndsLikeAFaultFreeImport()
    {
        await using var wal = await Tmpfs.MountAsync(Disk);
        var options = new ClusterOptions(Path.Combine(wal.Path, "wal"), WalSegmentMiB: 1, ["wal_recycle=off", "min_wal_size=2MB", "max_wal_size=32MB", "autovacuum=off"]);
        await using var server = await PostgresRestartTests.OwnClusterAsync(options: options);
        var cluster = server.Cluster!;
        await using var prepared = await PreparedImport.CreateAsync(Engine.Postgres, server, Path.GetTempPath(), Ct);

        var (interrupted, kept, divergences) = await prepared.FaultTrialAsync(
            TimeSpan.Zero,
            () => Task.CompletedTask,
            async () =>
            {
                await wal.ResizeAsync(Disk);
                await UntilAcceptingAsync(cluster, server.AdminConnectionString);
            },
            Ct,
            prepare: async () =>
            {
                // Old segments removed (wal_recycle=off), then a fresh segment: the switch ends the current one, and a
                // segment comes into being only when WAL is first written into it, so a commit that wrote WAL (flushed
                // before it returns, unlike one that only took a transaction id) makes it exist now. Then no room for
                // another, and 400 KB of this one filled (a transactional message: flushed at its commit too). The import's
                // WAL runs out within its first chunks (a whole import wrote ~1.7 MB of WAL between two checkpoints here).
                // Measured: 0 records kept in most runs, 500 or 2,500 in some (a spare segment now and then); with less
                // filler (100 or 250 KB) the import sometimes fitted whole and PostgreSQL never PANICked.
                await SqlAsync(server.AdminConnectionString, "CHECKPOINT");
                await SqlAsync(server.AdminConnectionString, "SELECT pg_switch_wal()");
                await SqlAsync(server.AdminConnectionString, "CREATE TABLE custodian_test_wal_probe ()");
                await wal.ResizeAsync(wal.Used + (64L << 10));
                try
                {
                    await SqlAsync(server.AdminConnectionString, "SELECT pg_logical_emit_message(true, 'custodian-test', repeat('x', 400000))");
                }
                catch (NpgsqlException e)
                {
                    // Not seen since the segment is made to exist first; should it happen, the PANIC came before the import
                    // rather than during it, which the import must survive too.
                    TestContext.Current.SendDiagnosticMessage("the PANIC came while the WAL was being filled: " + e.Message);
                }
            });

        var log = cluster.Log;
        var panic = log.Split('\n').FirstOrDefault(l => l.Contains("PANIC:", StringComparison.Ordinal));
        Assert.True(panic is not null, $"PostgreSQL never PANICked: the WAL volume did not fill (import: exit {interrupted.Exit}, {kept} records kept, {interrupted.Error}); postgres.log:\n{log[^Math.Min(log.Length, 4000)..]}");
        Assert.True(interrupted.Exit == 1, $"exit {interrupted.Exit}: {interrupted.Error}");
        var lines = interrupted.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        // The session that PANICked gets the disk-full error, the others an unavailable database; an import that was still
        // opening its connection when the server went down reports it unreachable.
        Assert.True(lines.Length == 1 && new[] { StorageFaults.DiskFull, StorageFaults.DatabaseUnavailable, "db.unreachable" }
            .Any(code => lines[0].StartsWith("error " + code + ":", StringComparison.Ordinal)), interrupted.Error);
        Assert.True(kept < prepared.ReferenceRecords, $"{kept} of {prepared.ReferenceRecords} records kept: the WAL volume did not fill before the import ended");
        Assert.True(divergences.Count == 0, string.Join("; ", divergences));
        TestContext.Current.SendDiagnosticMessage(string.Create(CultureInfo.InvariantCulture,
            $"{kept} of {prepared.ReferenceRecords} records kept; {lines[0]}; postgres.log: {panic}"));
    }

    /// <summary>
    /// Until the server has been through its crash and answers again. The PANICking backend sends its error to the client
    /// before it aborts, and the postmaster starts its crash cycle only once that process has exited (after a core dump,
    /// on a busy machine, that can take a while): a connection made in between succeeds and the cycle then ends it and
    /// every later one (57P03, "in recovery mode"). So this waits for the PANIC in the log and for the server's "ready to
    /// accept connections" after the last PANIC, starting the server anew if the postmaster gave up (its crash recovery
    /// PANICked on the still full volume too).
    /// </summary>
    private static async Task UntilAcceptingAsync(ThrowawayCluster cluster, string adminConnectionString)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var running = await cluster.IsRunningAsync();
            if (!running)
            {
                await cluster.StartServerAsync();
            }

            if (!running || RecoveredFromLastPanic(cluster.Log))
            {
                try
                {
                    await using var connection = new NpgsqlConnection(adminConnectionString);
                    await connection.OpenAsync(Ct);
                    return;
                }
                catch (NpgsqlException e) when (clock.Elapsed < TimeSpan.FromSeconds(60))
                {
                    TestContext.Current.SendDiagnosticMessage("waiting for PostgreSQL after the PANIC: " + e.Message);
                }
            }
            else if (clock.Elapsed > TimeSpan.FromSeconds(60))
            {
                var log = cluster.Log;
                if (!log.Contains("PANIC:", StringComparison.Ordinal))
                {
                    return; // never PANICked: the test says so, with the log
                }

                throw new TimeoutException($"PostgreSQL did not come back from its PANIC within 60 s; postgres.log:\n{log[^Math.Min(log.Length, 4000)..]}");
            }

            await Task.Delay(100, Ct);
        }
    }

    /// <summary>Whether the log shows a PANIC and, after the last one, the server ready again.</summary>
    private static bool RecoveredFromLastPanic(string log)
    {
        var panic = log.LastIndexOf("PANIC:", StringComparison.Ordinal);
        return panic >= 0 && log.IndexOf("database system is ready to accept connections", panic, StringComparison.Ordinal) > panic;
    }

    /// <summary>Recycles the WAL written so far into segments to come, so the import's WAL needs no new space.</summary>
    private static Task CheckpointAsync(string adminConnectionString) => SqlAsync(adminConnectionString, "CHECKPOINT");

    private static async Task SqlAsync(string adminConnectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }
}
