using System.Data.Common;
using Microsoft.EntityFrameworkCore;

namespace Custodian.Core.Persistence;

/// <summary>
/// The one place that knows an engine's quirks (style.md §4.3 item 6): which EF provider and migrations assembly,
/// how a connection is set up (SQLite PRAGMAs), where connections come from (the Npgsql data source), and what the
/// durability settings look like. Everything else works against <see cref="CustodianDbContext"/> and stays engine-neutral.
/// </summary>
internal interface IDatabaseProvider
{
    DatabaseTarget Target { get; }

    DatabaseEngine Engine => Target.Engine;

    /// <summary>Name of the assembly holding this engine's migrations (referenced by the host, not by Core).</summary>
    string MigrationsAssembly { get; }

    /// <summary>Selects the EF provider, the migrations assembly and the connection set-up.</summary>
    void Configure(DbContextOptionsBuilder options);

    /// <summary>
    /// An open connection outside EF (bulk paths, durability check), set up exactly like EF's connections.
    /// The caller disposes it.
    /// </summary>
    Task<DbConnection> OpenConnectionAsync(CancellationToken ct);
}

internal static class DatabaseProviders
{
    public const string SqliteMigrationsAssembly = "Custodian.Migrations.Sqlite";
    public const string PostgresMigrationsAssembly = "Custodian.Migrations.Postgres";

    /// <summary>The provider for <paramref name="target"/>'s engine. The caller (normally DI) disposes it.</summary>
    public static IDatabaseProvider Create(DatabaseTarget target) => target.Engine switch
    {
        DatabaseEngine.Sqlite => new SqliteDatabaseProvider(target),
        DatabaseEngine.Postgres => new PostgresDatabaseProvider(target),
        _ => throw new ArgumentOutOfRangeException(nameof(target), target.Engine, "Unknown database engine."),
    };
}
