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

    /// <summary>Recycles the WAL written so far into segments to come, so the import's WAL needs no new space.</summary>
    private static async Task CheckpointAsync(string adminConnectionString)
    {
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("CHECKPOINT", connection);
        await command.ExecuteNonQueryAsync(Ct);
    }
}
