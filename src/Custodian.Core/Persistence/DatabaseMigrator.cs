using Microsoft.EntityFrameworkCore;

namespace Custodian.Core.Persistence;

/// <summary>Migration status for the host's <c>/health</c> and <c>custodian db migrate</c>.</summary>
internal sealed record MigrationStatus(bool CanConnect, IReadOnlyList<string> Applied, IReadOnlyList<string> Pending)
{
    public bool IsUpToDate => CanConnect && Pending.Count == 0;
}

/// <summary>Applies and reports the EF migrations of the configured engine.</summary>
internal sealed class DatabaseMigrator(CustodianDbContext db)
{
    /// <summary>
    /// Applies all pending migrations (EF takes a migration lock, so concurrent starts are safe) and returns the ids of
    /// the migrations this call applied; empty when the database was up to date.
    /// </summary>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken ct)
    {
        var before = await AppliedAsync(ct);
        await db.Database.MigrateAsync(ct);
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
}
