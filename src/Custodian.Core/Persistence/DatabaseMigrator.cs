using Microsoft.EntityFrameworkCore;

namespace Custodian.Core.Persistence;

/// <summary>Migration status for the host's <c>/health</c> and <c>custodian db migrate</c>.</summary>
internal sealed record MigrationStatus(bool CanConnect, IReadOnlyList<string> Applied, IReadOnlyList<string> Pending)
{
    public bool IsUpToDate => CanConnect && Pending.Count == 0;
}

/// <summary>Applies and reports the EF migrations of the configured engine.</summary>
/// <remarks>
/// EF Core's migration lock on SQLite is a row in <c>__EFMigrationsLock</c>: a process killed while holding it (even
/// during a migration that had nothing to do) leaves the row behind, and every later migration waits for it forever
/// (dotnet/efcore#38958; found here by killing <c>custodian retention run</c> at random moments). So: nothing is locked
/// when nothing is pending (the usual start), and on SQLite migrators first take an operating-system lock on a file
/// beside the database, which the kernel releases when its process dies; whoever holds that lock knows that any
/// <c>__EFMigrationsLock</c> row belongs to a dead process and removes it. PostgreSQL's lock is a session advisory
/// lock, released with the connection, and needs none of this.
/// </remarks>
internal sealed class DatabaseMigrator(CustodianDbContext db)
{
    /// <summary>How long a SQLite migrator waits for another process's migration to finish.</summary>
    public static readonly TimeSpan SqliteLockWait = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Applies all pending migrations and returns the ids of the migrations this call applied; empty when the database
    /// was up to date. Concurrent starts are safe on both engines.
    /// </summary>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken ct)
    {
        var before = await AppliedAsync(ct);
        if (await db.Database.CanConnectAsync(ct) && !(await db.Database.GetPendingMigrationsAsync(ct)).Any())
        {
            return [];
        }

        if (db.Database.IsSqlite())
        {
            await using var fileLock = await AcquireSqliteFileLockAsync(ct);
            await RemoveStaleSqliteLockAsync(ct);
            await db.Database.MigrateAsync(ct);
        }
        else
        {
            await db.Database.MigrateAsync(ct);
        }

        var after = await db.Database.GetAppliedMigrationsAsync(ct);
        return after.Except(before, StringComparer.Ordinal).ToList();
    }

    /// <summary>Whether the database answers, and which migrations are applied and still pending. Does not throw on a dead database.</summary>
    public async Task<MigrationStatus> GetStatusAsync(CancellationToken ct)
    {
        if (!await db.Database.CanConnectAsync(ct))
        {
            return new MigrationStatus(false, [], db.Database.GetMigrations().ToList());
        }

        var applied = (await db.Database.GetAppliedMigrationsAsync(ct)).ToList();
        var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
        return new MigrationStatus(true, applied, pending);
    }

    private async Task<IReadOnlyList<string>> AppliedAsync(CancellationToken ct) =>
        await db.Database.CanConnectAsync(ct) ? (await db.Database.GetAppliedMigrationsAsync(ct)).ToList() : [];

    /// <summary>
    /// An exclusive lock on <c>&lt;database&gt;.migration-lock</c>: .NET takes it with <c>flock</c> on Unix (a share-none
    /// open elsewhere), which the kernel drops when the process dies, however it dies.
    /// </summary>
    private async Task<FileStream> AcquireSqliteFileLockAsync(CancellationToken ct)
    {
        var path = db.Database.GetDbConnection().DataSource + ".migration-lock";
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (waited.Elapsed < SqliteLockWait)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
            }
            catch (IOException ex)
            {
                throw new InvalidOperationException(
                    $"database.migration_busy: another process has been migrating this database for {SqliteLockWait.TotalMinutes:0} minutes (it holds {path}); try again when it is done.", ex);
            }
        }
    }

    /// <summary>Under the file lock no live process holds EF's lock row, so any row there is a dead migrator's.</summary>
    private async Task RemoveStaleSqliteLockAsync(CancellationToken ct)
    {
        var tables = await db.Database.SqlQueryRaw<string>("SELECT name AS \"Value\" FROM sqlite_master WHERE type = 'table' AND name = '__EFMigrationsLock'").ToListAsync(ct);
        if (tables.Count > 0)
        {
            await db.Database.ExecuteSqlRawAsync("DELETE FROM \"__EFMigrationsLock\"", ct);
        }
    }
}
