using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using Custodian.Core.Common;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Custodian.Bench;

/// <summary>
/// A fresh, migrated Custodian database for one measurement, wired like the CLI's <c>import</c> command (the product's
/// database registration with its PRAGMAs and data source, the audit trail, the importer), with the benchmark's
/// organisation. SQLite: a file in the work folder. PostgreSQL: a new database on the benchmark's server.
/// </summary>
internal sealed class BenchDatabase : IAsyncDisposable
{
    private readonly Func<ValueTask> _remove;

    private BenchDatabase(DatabaseTarget target, ServiceProvider services, Func<ValueTask> remove)
    {
        Target = target;
        Services = services;
        _remove = remove;
    }

    public DatabaseTarget Target { get; }

    public ServiceProvider Services { get; }

    public Guid OrganizationId { get; private set; }

    public DatabaseEngine Engine => Target.Engine;

    /// <summary>
    /// A new database. <c>configure</c> adds services after the defaults (a registration there wins: a fake clock, a
    /// fixed master key, blobs, the sweep); <c>organizationId</c> fixes the benchmark organisation's id.
    /// </summary>
    public static async Task<BenchDatabase> CreateAsync(
        DatabaseEngine engine,
        string workDir,
        PostgresServer? postgres,
        string label,
        Action<ImportOptions>? importOptions,
        CancellationToken ct,
        Action<IServiceCollection>? configure = null,
        Guid? organizationId = null)
    {
        DatabaseTarget target;
        Func<ValueTask> remove;
        if (engine == DatabaseEngine.Sqlite)
        {
            var dir = Path.Combine(workDir, label);
            Directory.CreateDirectory(dir);
            target = DatabaseTarget.Resolve(Path.Combine(dir, DatabaseTarget.DefaultSqliteFileName), dir);
            remove = () =>
            {
                SqliteConnection.ClearAllPools();
                Directory.Delete(dir, recursive: true);
                return ValueTask.CompletedTask;
            };
        }
        else
        {
            var server = postgres ?? throw new InvalidOperationException("No PostgreSQL server.");
            var name = $"bench_{label}_{Guid.NewGuid():N}";
            var connectionString = await server.CreateDatabaseAsync(name, ct);
            target = new DatabaseTarget(DatabaseEngine.Postgres, connectionString);
            remove = async () =>
            {
                NpgsqlConnection.ClearAllPools();
                await server.DropDatabaseAsync(name);
            };
        }

        var services = BuildServices(target, importOptions, configure);
        var database = new BenchDatabase(target, services, remove);
        try
        {
            await using (var scope = services.CreateAsyncScope())
            {
                await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().MigrateAsync(ct);
            }

            await using var db = CreateContext(services, TenantScope.Everything);
            var problems = await DurabilityCheck.VerifyAsync(db, ct);
            if (problems.Count > 0)
            {
                throw new InvalidOperationException("The database is not durable: " + string.Join("; ", problems.Select(p => p.Message)));
            }

            var organization = new Organization { Id = organizationId ?? Guid.CreateVersion7(), Code = UsageGenerator.OrganizationCode, Name = "Bench B.V.", BillingCompanyName = "Bench B.V." };
            db.Organizations.Add(organization);
            await db.SaveChangesAsync(ct);
            database.OrganizationId = organization.Id;
            return database;
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// An existing database (a copy of one made by <see cref="CreateAsync"/>), wired the same way; not migrated or seeded
    /// again. <paramref name="remove"/> deletes it on dispose.
    /// </summary>
    public static BenchDatabase Open(DatabaseTarget target, Guid organizationId, Func<ValueTask> remove, Action<IServiceCollection>? configure) =>
        new(target, BuildServices(target, null, configure), remove) { OrganizationId = organizationId };

    private static ServiceProvider BuildServices(DatabaseTarget target, Action<ImportOptions>? importOptions, Action<IServiceCollection>? configure)
    {
        var services = new ServiceCollection()
            .AddSingleton(TimeProvider.System)
            .AddLogging()
            .AddCustodianDatabase(target)
            .AddSingleton(MasterKey.FromBytes(RandomNumberGenerator.GetBytes(32)))
            .AddCustodianAudit()
            .AddCustodianEvents(importOptions);
        configure?.Invoke(services);

        // The importer refuses rows already past their retention, by the register's rules.
        services.TryAddSingleton(ShippedRegister.Register);
        return services.BuildServiceProvider();
    }

    public CustodianDbContext CreateContext(TenantScope scope) => CreateContext(Services, scope);

    private static CustodianDbContext CreateContext(ServiceProvider services, TenantScope scope)
    {
        var db = services.GetRequiredService<IDbContextFactory<CustodianDbContext>>().CreateDbContext();
        db.ScopeTo(scope);
        return db;
    }

    /// <summary>A plain connection outside EF, set up by the product's provider (SQLite PRAGMAs, the Npgsql data source), for the raw baselines.</summary>
    public Task<DbConnection> OpenRawAsync(CancellationToken ct) => Services.GetRequiredService<IDatabaseProvider>().OpenConnectionAsync(ct);

    public async Task<long> ScalarAsync(string sql, CancellationToken ct)
    {
        await using var connection = await OpenRawAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 0; // counts and sizes of 100 million rows outlast the 30 s default
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }

    public async Task<string> VersionAsync(CancellationToken ct)
    {
        await using var connection = await OpenRawAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = Engine == DatabaseEngine.Postgres ? "SHOW server_version" : "SELECT sqlite_version()";
        return Convert.ToString(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture) ?? "?";
    }

    /// <summary>Flushes dirty pages so one measurement does not pay for the previous one's writes (PostgreSQL CHECKPOINT; SQLite WAL checkpoint).</summary>
    public async Task CheckpointAsync(CancellationToken ct)
    {
        await using var connection = await OpenRawAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = Engine == DatabaseEngine.Postgres ? "CHECKPOINT" : "PRAGMA wal_checkpoint(TRUNCATE)";
        await command.ExecuteNonQueryAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await _remove();
    }
}
