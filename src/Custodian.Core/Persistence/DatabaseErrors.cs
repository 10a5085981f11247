using Microsoft.Data.Sqlite;
using Npgsql;

namespace Custodian.Core.Persistence;

/// <summary>Classifies database errors by their codes (SQLSTATE, SQLite result codes), never by message text.</summary>
internal static class DatabaseErrors
{
    /// <summary>
    /// True when <paramref name="exception"/> (or an inner exception, e.g. of a <c>DbUpdateException</c>) is a unique or
    /// primary-key violation: PostgreSQL SQLSTATE 23505, SQLite SQLITE_CONSTRAINT_UNIQUE / SQLITE_CONSTRAINT_PRIMARYKEY.
    /// </summary>
    public static bool IsUniqueViolation(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException pg when pg.SqlState == PostgresErrorCodes.UniqueViolation:
                    return true;
                case SqliteException sqlite when sqlite.SqliteErrorCode == SQLitePCL.raw.SQLITE_CONSTRAINT
                    && sqlite.SqliteExtendedErrorCode is SQLitePCL.raw.SQLITE_CONSTRAINT_UNIQUE or SQLitePCL.raw.SQLITE_CONSTRAINT_PRIMARYKEY:
                    return true;
            }
        }

        return false;
    }
}
