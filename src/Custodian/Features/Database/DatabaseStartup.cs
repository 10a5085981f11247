using Custodian.Core.Persistence;
using Custodian.Features.Register;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Features.Database;

/// <summary>
/// What every start and <c>db migrate</c> does to the database: refuse unsafe durability settings, apply pending
/// migrations, and record the register version the process runs with.
/// </summary>
internal static class DatabaseStartup
{
    private const string NotMigrated = "db.not_migrated";

    /// <summary>
    /// What an operator command that works on the database does first: load the register and prepare the database as
    /// <c>serve</c> does. Null (after printing why) when it cannot go on.
    /// </summary>
    internal static async Task<(ActiveRegister Register, DatabaseTarget Target)?> OpenForCommandAsync(
        Configuration.CustodianSettings settings, TextWriter error, CancellationToken ct)
    {
        var register = await ActiveRegister.LoadOrReportAsync(settings.RegisterPath, error);
        if (register is null)
        {
            return null;
        }

        var target = DatabaseTarget.Resolve(settings.Database, settings.DataFolder);
        return await PrepareAsync(target, register, TextWriter.Null, error, ct) ? (register, target) : null;
    }

    /// <summary>Returns false (after printing why) when the database must not be used.</summary>
    internal static async Task<bool> PrepareAsync(DatabaseTarget target, ActiveRegister? register, TextWriter output, TextWriter error, CancellationToken ct)
    {
        await using var provider = Services(target);
        await using var scope = provider.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CustodianDbContext>();

        await output.WriteLineAsync($"Database: {target.Describe()}");
        IReadOnlyList<DurabilityProblem> problems;
        try
        {
            problems = await DurabilityCheck.VerifyAsync(db, ct);
        }
        catch (Exception ex) when (IsConnectionFailure(ex))
        {
            await error.WriteLineAsync(Unreachable(target, ex));
            return false;
        }

        if (problems.Count > 0)
        {
            await error.WriteLineAsync("error db.unsafe_durability: the database is configured in a way that can lose committed data; Custodian refuses to use it:");
            foreach (var p in problems)
            {
                await error.WriteLineAsync($"  - {p.Message}");
            }

            return false;
        }

        var applied = await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().MigrateAsync(ct);
        await output.WriteLineAsync(applied.Count == 0
            ? "Migrations: up to date"
            : $"Migrations applied: {string.Join(", ", applied)}");

        // The current month's and the next months' event partitions exist before any import needs them.
        var clock = scope.ServiceProvider.GetRequiredService<TimeProvider>();
        await Core.Features.Events.EventPartitions.EnsureAheadAsync(db, Instant.FromDateTimeOffset(clock.GetUtcNow()), ct);

        if (register is not null)
        {
            var now = scope.ServiceProvider.GetRequiredService<TimeProvider>().GetUtcNow();
            await RegisterVersions.RecordAsync(
                db, register.Sha256, register.Register.Statement.LastUpdated, register.Path, register.Content, Instant.FromDateTimeOffset(now), ct);
            await output.WriteLineAsync($"Register: {register.Path} (sha256 {register.Sha256[..12]}, last updated {register.Register.Statement.LastUpdated:yyyy-MM-dd})");
            if (register.Warnings.Count > 0)
            {
                await output.WriteLineAsync($"  {register.Warnings.Count} warning(s), e.g. entries marked for legal review; run 'custodian register check' to list them.");
            }
        }

        return true;
    }

    internal static ServiceProvider Services(DatabaseTarget target)
    {
        var services = new ServiceCollection();
        services.AddSingleton(TimeProvider.System);
        services.AddLogging();
        services.AddCustodianDatabase(target);
        return services.BuildServiceProvider();
    }

    /// <summary>
    /// What an operator command that uses the database without preparing it (it neither migrates nor records the register)
    /// checks first: the database opens and has every migration. Otherwise it throws <see cref="DatabaseNotReadyException"/>,
    /// one coded line the CLI prints, instead of a stack trace at the first missing table of a wrong <c>--db</c> or a
    /// database not migrated yet. <paramref name="notMigratedCode"/> is the code for pending migrations (the retention
    /// commands keep their own).
    /// </summary>
    internal static async Task EnsureReadyAsync(IServiceProvider services, CancellationToken ct, string notMigratedCode = NotMigrated)
    {
        var target = services.GetRequiredService<DatabaseTarget>();
        if (target.Engine == DatabaseEngine.Sqlite && new SqliteConnectionStringBuilder(target.ConnectionString).DataSource is { } file
            && !file.StartsWith(":memory:", StringComparison.Ordinal) && !file.StartsWith("file:", StringComparison.OrdinalIgnoreCase) && !File.Exists(file))
        {
            // Opening it would leave an empty file behind (SQLite creates what it opens), on a path that may be a typo.
            throw new DatabaseNotReadyException(
                $"error {notMigratedCode}: the database {target.Describe()} does not exist (no such file); run 'custodian db migrate' first to create it, or check --db.");
        }

        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CustodianDbContext>();
        int pending;
        try
        {
            pending = (await db.Database.GetPendingMigrationsAsync(ct)).Count();
        }
        catch (Exception ex) when (IsConnectionFailure(ex))
        {
            throw new DatabaseNotReadyException(Unreachable(target, ex));
        }

        if (pending > 0)
        {
            throw new DatabaseNotReadyException(
                $"error {notMigratedCode}: the database {target.Describe()} has {pending} pending migration(s); run 'custodian db migrate' first (or start 'custodian serve', which migrates).");
        }
    }

    /// <summary>The command's services, once <see cref="EnsureReadyAsync"/> found the database usable (else disposed, and it throws).</summary>
    internal static async Task<ServiceProvider> BuildReadyAsync(IServiceCollection services, CancellationToken ct, string notMigratedCode = NotMigrated)
    {
        var provider = services.BuildServiceProvider();
        try
        {
            await EnsureReadyAsync(provider, ct, notMigratedCode);
            return provider;
        }
        catch
        {
            await provider.DisposeAsync();
            throw;
        }
    }

    private static string Unreachable(DatabaseTarget target, Exception ex) =>
        $"error db.unreachable: cannot open the database {target.Describe()}: {Cause(ex)}";

    /// <summary>
    /// What went wrong, from the innermost exception out, without EF's retry wrapper ("An exception has been raised that
    /// is likely due to a transient failure"), which says nothing an operator can act on: e.g. "Failed to connect to
    /// 127.0.0.1:5432: Connection refused".
    /// </summary>
    internal static string Cause(Exception ex)
    {
        var messages = new List<string>();
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e.InnerException is null || e is not InvalidOperationException)
            {
                messages.Add(e.Message.TrimEnd('.'));
            }
        }

        return string.Join(": ", messages.Distinct(StringComparer.Ordinal));
    }

    private static bool IsConnectionFailure(Exception ex) =>
        ex is System.Data.Common.DbException or InvalidOperationException or TimeoutException or System.Net.Sockets.SocketException;
}

/// <summary>The database cannot be used as it is (unreachable, not a database, migrations pending): one coded line for the operator.</summary>
internal sealed class DatabaseNotReadyException(string message) : Exception(message);
