using System.Diagnostics;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.Testing;

/// <summary>
/// An isolated database for one test: a fresh SQLite file in its own temp folder, or a fresh PostgreSQL database
/// (<c>test_&lt;guid&gt;</c>) on the shared server. Registered through the product's own
/// <see cref="PersistenceServiceCollectionExtensions.AddCustodianDatabase"/>, so tests see the real provider set-up
/// (PRAGMAs, data source, migrations assembly). Dispose it (<c>await using</c>) to remove the database.
/// </summary>
/// <example>
/// <code>
/// [Theory, AllEngines]
/// public async Task Something_Condition_Result(Engine engine)
/// {
///     await using var db = await TestDatabase.CreateAsync(engine);   // migrated; skips/fails if PostgreSQL is missing
///     await using var context = db.CreateContext();
///     ...
/// }
/// </code>
/// </example>
internal sealed class TestDatabase : IAsyncDisposable
{
    private readonly Func<ValueTask> _remove;

    private TestDatabase(Engine engine, DatabaseTarget target, Func<ValueTask> remove)
    {
        Engine = engine;
        Target = target;
        Services = ServicesFor(target);
        _remove = remove;
    }

    public Engine Engine { get; }

    public DatabaseTarget Target { get; }

    /// <summary>A container with just <c>AddCustodianDatabase(Target)</c>; add more per test with <see cref="ServicesFor"/>.</summary>
    public ServiceProvider Services { get; }

    /// <summary>
    /// A fresh database with all migrations applied: a copy of a database migrated once per run and engine (a file copy on
    /// SQLite, <c>CREATE DATABASE ... TEMPLATE</c> on PostgreSQL), identical to migrating an empty one and a tenth of the
    /// cost (~0.6–1.3 s of migrations per PostgreSQL database, measured). Migrating from empty is tested where it is the
    /// subject: <see cref="CreateEmptyAsync"/> in the migration and serve tests.
    /// </summary>
    public static async Task<TestDatabase> CreateAsync(Engine engine) => engine switch
    {
        Engine.Sqlite => await CreateSqliteMigratedAsync(Directory.CreateTempSubdirectory("custodian-test.").FullName, ownsFolder: true),
        Engine.Postgres => await CreatePostgresMigratedAsync(await RequirePostgresAsync()),
        _ => throw new ArgumentOutOfRangeException(nameof(engine)),
    };

    /// <summary>A fresh, empty database (no tables, no migration history): for migration tests.</summary>
    public static async Task<TestDatabase> CreateEmptyAsync(Engine engine) => engine switch
    {
        Engine.Sqlite => CreateSqlite(),
        Engine.Postgres => await CreatePostgresAsync(),
        _ => throw new ArgumentOutOfRangeException(nameof(engine)),
    };

    /// <summary>A fresh migrated SQLite database in <paramref name="folder"/> (e.g. on a small tmpfs); the folder is the caller's.</summary>
    public static async Task<TestDatabase> CreateSqliteInAsync(string folder) => await CreateSqliteMigratedAsync(folder, ownsFolder: false);

    /// <summary>A fresh migrated database named <c>test_&lt;guid&gt;</c> on <paramref name="server"/> (a server of the test's own).</summary>
    public static async Task<TestDatabase> CreateOnAsync(PostgresServer server) => await CreatePostgresMigratedAsync(server);

    private static async Task<TestDatabase> CreateSqliteMigratedAsync(string dir, bool ownsFolder)
    {
        var template = await SqliteTemplate.Value;
        File.Copy(template, Path.Combine(dir, DatabaseTarget.DefaultSqliteFileName));
        return CreateSqlite(dir, ownsFolder);
    }

    private static async Task<TestDatabase> CreatePostgresMigratedAsync(PostgresServer server)
    {
        var name = "test_" + Guid.NewGuid().ToString("N");
        var connectionString = await server.CreateDatabaseFromTemplateAsync(
            name, (template, ct) => MigrateAsync(new DatabaseTarget(DatabaseEngine.Postgres, template), ct), TestContext.Current.CancellationToken);
        return OnServer(server, name, connectionString);
    }

    /// <summary>A database <paramref name="name"/> on <paramref name="server"/>, dropped on dispose.</summary>
    private static TestDatabase OnServer(PostgresServer server, string name, string connectionString) =>
        new(Engine.Postgres, new DatabaseTarget(DatabaseEngine.Postgres, connectionString), () => new ValueTask(server.DropDatabaseAsync(name)));

    /// <summary>The SQLite template's file: migrated once per run in a folder of its own (removed when the process exits).</summary>
    private static readonly Lazy<Task<string>> SqliteTemplate = new(CreateSqliteTemplateAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    private static async Task<string> CreateSqliteTemplateAsync()
    {
        var dir = Directory.CreateTempSubdirectory("custodian-template.").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // A temp folder left behind is harmless.
            }
        };
        var file = Path.Combine(dir, DatabaseTarget.DefaultSqliteFileName);
        var target = DatabaseTarget.Resolve(file, dir);
        await MigrateAsync(target, CancellationToken.None);
        await using (var connection = new SqliteConnection(target.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            await command.ExecuteNonQueryAsync();
        }

        // Every change is in the main file now; closing the pooled connections removes the empty WAL.
        SqliteConnection.ClearPool(new SqliteConnection(target.ConnectionString));
        return file;
    }

    private static async Task MigrateAsync(DatabaseTarget target, CancellationToken ct)
    {
        await using var services = ServicesFor(target);
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().MigrateAsync(ct);
    }

    private static TestDatabase CreateSqlite() => CreateSqlite(Directory.CreateTempSubdirectory("custodian-test.").FullName, ownsFolder: true);

    private static TestDatabase CreateSqlite(string dir, bool ownsFolder)
    {
        var target = DatabaseTarget.Resolve(Path.Combine(dir, DatabaseTarget.DefaultSqliteFileName), dir);
        return new TestDatabase(Engine.Sqlite, target, () =>
        {
            // Pooled connections keep the file open; release them before removing the folder.
            SqliteConnection.ClearPool(new SqliteConnection(target.ConnectionString));
            if (ownsFolder)
            {
                Directory.Delete(dir, recursive: true);
            }

            return ValueTask.CompletedTask;
        });
    }

    private static async Task<TestDatabase> CreatePostgresAsync()
    {
        var server = await RequirePostgresAsync();
        var name = "test_" + Guid.NewGuid().ToString("N");
        var sw = Stopwatch.StartNew();
        var connectionString = await server.CreateDatabaseAsync(name, TestContext.Current.CancellationToken);
        LastCreateDatabaseTime = sw.Elapsed;
        return OnServer(server, name, connectionString);
    }

    /// <summary>How long the last CREATE DATABASE took (for the infrastructure's own timing test).</summary>
    public static TimeSpan LastCreateDatabaseTime { get; private set; }

    /// <summary>
    /// The shared PostgreSQL server, or: skip the test (locally) / fail it (<c>CI=true</c>) with the reason it is missing.
    /// </summary>
    public static async Task<PostgresServer> RequirePostgresAsync()
    {
        var availability = await PostgresServer.GetAsync();
        if (availability.Server is { } server)
        {
            return server;
        }

        if (availability.Failure is { } failure)
        {
            Assert.Fail(failure);
        }

        var reason = $"PostgreSQL not available: {availability.SkipReason}. Set {PostgresServer.EnvironmentVariable} to a connection string " +
            "of a server where the tests may create databases, or install postgresql-15 (initdb, pg_ctl) so the tests start a throwaway cluster.";
        if (IsCi)
        {
            Assert.Fail(reason + " (CI=true: PostgreSQL tests must run, not skip.)");
        }

        Assert.Skip(reason);
        throw new UnreachableException();
    }

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>A new EF context on this database, seeing no tenant's rows (as the product's contexts start); dispose it.</summary>
    public CustodianDbContext CreateContext() =>
        Services.GetRequiredService<IDbContextFactory<CustodianDbContext>>().CreateDbContext();

    /// <summary>A new EF context scoped to <paramref name="scope"/> (one organisation, or every one as jobs and operator commands are).</summary>
    public CustodianDbContext CreateContext(TenantScope scope)
    {
        var context = CreateContext();
        context.ScopeTo(scope);
        return context;
    }

    /// <summary>A container with <c>AddCustodianDatabase(target)</c>, e.g. for a variant of <see cref="Target"/> with other connection options.</summary>
    public static ServiceProvider ServicesFor(DatabaseTarget target, Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection().AddCustodianDatabase(target);
        configure?.Invoke(services);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await _remove();
    }
}
