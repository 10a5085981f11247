using Microsoft.Data.Sqlite;
using Npgsql;

namespace Custodian.Core.Common;

/// <summary>A fault of the machine under the product (disk, file system, database server), with a stable code.</summary>
/// <param name="Code">Dotted code, never renamed: <c>storage.disk_full</c>, <c>storage.read_only</c>, <c>storage.io_error</c>, <c>storage.database_unavailable</c>.</param>
/// <param name="Message">For the operator: what is wrong and what to do; no personal data, no stack trace.</param>
/// <param name="Status">The HTTP status an API answers with: 507 for a full disk, else 503 (retry later).</param>
internal sealed record StorageFault(string Code, string Message, int Status);

/// <summary>
/// Recognises storage faults in an exception chain, so the CLI and the API can answer them as a clear error instead of
/// a stack trace. They stay exceptions (the action cannot go on), but they are the environment's fault, not a bug:
/// every write path runs in a transaction (and blobs are written before the row that names them, orphans swept later),
/// so what failed left nothing half-applied and the same action can simply be repeated once the fault is gone.
/// </summary>
internal static class StorageFaults
{
    public const string DiskFull = "storage.disk_full";
    public const string ReadOnly = "storage.read_only";
    public const string IoError = "storage.io_error";
    public const string DatabaseUnavailable = "storage.database_unavailable";

    private const string Retry = "What failed was rolled back; run it again once this is fixed (an import resumes where it stopped).";

    // errno values as .NET reports them in IOException.HResult on Linux, and the Windows HRESULTs for the same faults.
    private const int Enospc = 28;
    private const int Edquot = 122;
    private const int Erofs = 30;
    private const int Eio = 5;
    private const int WindowsDiskFull = unchecked((int)0x80070070);
    private const int WindowsHandleDiskFull = unchecked((int)0x80070027);

    /// <summary>The storage fault behind <paramref name="exception"/> (itself or an inner exception), or null for anything else.</summary>
    public static StorageFault? Classify(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            var fault = e switch
            {
                SqliteException s => FromSqlite(s),
                PostgresException p => FromPostgres(p),
                // A client-side Npgsql failure (refused, reset, timed out) means the server is gone or restarting.
                NpgsqlException => Unavailable(),
                IOException io => FromIo(io.HResult),
                _ => null,
            };
            if (fault is not null)
            {
                return fault;
            }

            if (e is AggregateException { InnerExceptions.Count: > 0 } aggregate)
            {
                return aggregate.InnerExceptions.Select(Classify).FirstOrDefault(f => f is not null);
            }
        }

        return null;
    }

    private static StorageFault? FromSqlite(SqliteException e) => (e.SqliteErrorCode & 0xFF) switch
    {
        13 => Full("the disk holding the database is full"), // SQLITE_FULL
        8 => new StorageFault(ReadOnly, "The database file or its folder is read-only. " + Retry, 503), // SQLITE_READONLY
        10 or 14 => new StorageFault(IoError, $"The database file cannot be read or written (SQLite error {e.SqliteExtendedErrorCode}). " + Retry, 503), // SQLITE_IOERR, SQLITE_CANTOPEN
        _ => null,
    };

    private static StorageFault? FromPostgres(PostgresException e) => e.SqlState switch
    {
        "53100" => Full("the PostgreSQL server's disk is full"), // disk_full
        "25006" => new StorageFault(ReadOnly, "The PostgreSQL server accepts no writes (read-only). " + Retry, 503),
        "58030" => new StorageFault(IoError, "The PostgreSQL server reports an I/O error. " + Retry, 503),
        // Shutdown, crash recovery, too many connections, connection failures: the server is restarting or out of reach.
        "57P01" or "57P02" or "57P03" or "53300" => Unavailable(),
        _ when e.SqlState.StartsWith("08", StringComparison.Ordinal) => Unavailable(),
        _ => null,
    };

    private static StorageFault? FromIo(int hresult) => hresult switch
    {
        Enospc or Edquot or WindowsDiskFull or WindowsHandleDiskFull => Full("the disk holding the data folder is full"),
        Erofs => new StorageFault(ReadOnly, "The data folder is on a read-only file system. " + Retry, 503),
        Eio => new StorageFault(IoError, "The data folder's disk reports an I/O error. " + Retry, 503),
        _ => null,
    };

    private static StorageFault Full(string what) => new(DiskFull, $"No space left: {what}. Free space. " + Retry, 507);

    private static StorageFault Unavailable() => new(
        DatabaseUnavailable, "The database server cannot be reached or is restarting. " + Retry, 503);
}
