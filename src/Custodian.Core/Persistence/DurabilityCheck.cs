using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Custodian.Core.Persistence;

/// <summary>One unsafe setting: which, its actual value, and a message saying why it matters and how to fix it.</summary>
internal sealed record DurabilityProblem(string Setting, string ActualValue, string Message);

/// <summary>
/// Custodian's promises (a deletion happened, an audit event exists) are only as good as the database's commit.
/// The host refuses to start when any of these checks reports a problem.
/// </summary>
internal static class DurabilityCheck
{
    /// <summary>Checks a connection opened by EF for this context, i.e. with exactly the set-up Custodian uses.</summary>
    public static async Task<IReadOnlyList<DurabilityProblem>> VerifyAsync(CustodianDbContext db, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            return await VerifyAsync(db.Database.GetDbConnection(), ct);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// Checks the settings in force on this very connection (opened here if closed, without any Custodian set-up):
    /// SQLite PRAGMAs and PostgreSQL session settings are per connection.
    /// </summary>
    public static async Task<IReadOnlyList<DurabilityProblem>> VerifyAsync(DbConnection connection, CancellationToken ct)
    {
        var opened = false;
        if (connection.State != System.Data.ConnectionState.Open)
        {
            await connection.OpenAsync(ct);
            opened = true;
        }

        try
        {
            return connection switch
            {
                SqliteConnection => await SqliteDatabaseProvider.CheckAsync(connection, ct),
                NpgsqlConnection => await PostgresDatabaseProvider.CheckAsync(connection, ct),
                _ => throw new NotSupportedException($"No durability check for {connection.GetType().Name}."),
            };
        }
        finally
        {
            if (opened)
            {
                await connection.CloseAsync();
            }
        }
    }
}
