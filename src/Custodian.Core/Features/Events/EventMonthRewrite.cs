using System.Data.Common;
using System.Globalization;
using Custodian.Core.Common;
using NodaTime;
using Npgsql;

namespace Custodian.Core.Features.Events;

/// <summary>
/// Rewrites an old PostgreSQL month partition in subscriber order (issue 8 §1), the PostgreSQL counterpart of sealing a
/// SQLite month (<see cref="EventMonthFiles"/>): rows arrive in time order, so one subscriber's ~1,000 records of a month
/// sit on ~1,000 pages and a cold look-up pays one random read each; sorted by the first index's columns they sit on a few.
/// </summary>
/// <remarks>
/// <para>Plain <c>CLUSTER</c> takes ACCESS EXCLUSIVE for the whole copy and blocks readers. Instead, in ONE transaction:
/// <c>LOCK TABLE month IN SHARE MODE</c> (writers to that month wait, readers go on), a sorted copy into a new table with
/// the partition's indexes and a CHECK equal to its bounds (so ATTACH does not scan it), then the short swap: detach,
/// drop the old table, rename the copy, attach it, mark the registry. Only the swap takes ACCESS EXCLUSIVE locks (on the
/// parent and the month), for milliseconds.</para>
/// <para>Crash safety: everything is one transaction, so a run killed anywhere leaves the month as it was and no copy
/// (PostgreSQL rolls the CREATE TABLE back); the month stays unmarked and the next sweep does it again. A table of the
/// copy's name left by anything else is dropped first.</para>
/// <para>The swap waits at most <see cref="SwapLockTimeout"/> per attempt for the parent's lock (an import transaction
/// holds it while it streams; the readers queued behind a waiting ACCESS EXCLUSIVE would stall), from a savepoint, so a
/// busy parent costs a retry, not the copy. After <see cref="SwapAttempts"/> attempts the whole rewrite is rolled back
/// (an import blocked on this month's SHARE lock can only finish then) and the next sweep tries again.</para>
/// <para>Totals (<see cref="EventMonthTotals"/>) are kept by the writers, not by triggers, and the held table is not a
/// month partition: neither changes, since the rewrite moves rows without adding or removing any.</para>
/// </remarks>
internal static partial class EventMonthRewrite
{
    /// <summary>Between the sorted copy (indexes and bound check built) and the swap.</summary>
    public const string CopiedFailPoint = "retention.month.rewrite_copied";

    public static readonly TimeSpan SwapLockTimeout = TimeSpan.FromMilliseconds(500);

    public const int SwapAttempts = 5;

    /// <summary>The name of the sorted copy while it is being built.</summary>
    public static string CopyName(EventTable table, YearMonth month) => table.MonthTable(month) + "_sorted";

    /// <summary>
    /// Months of <paramref name="table"/> before <paramref name="before"/> that exist, are not yet rewritten and are not
    /// sealed into a SQLite month file (the file is the sorted copy; rows that came late sit beside it unsorted), oldest first.
    /// </summary>
    public static async Task<IReadOnlyList<YearMonth>> PendingAsync(DbConnection connection, EventTable table, YearMonth before, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(table);
        await using var command = connection.CreateCommand();
        command.CommandText = string.Create(CultureInfo.InvariantCulture,
            $"SELECT month FROM event_partitions WHERE family = '{EventPartitions.FamilyName(table.Family)}' AND NOT dropping AND NOT rewritten AND sealed_file IS NULL AND month < {EventPartitions.Code(before)} ORDER BY month");
        var months = new List<YearMonth>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            months.Add(EventPartitions.FromCode(reader.GetInt32(0)));
        }

        return months;
    }

    /// <summary>
    /// Rewrites month <paramref name="month"/> of <paramref name="table"/> in the order of its first index's columns
    /// (subscriber, organisation, start) and marks it rewritten. Returns the rows copied, or null when the month has no
    /// rows (left unmarked: late rows may still come) or the swap could not get its locks (left unmarked: next sweep).
    /// </summary>
    public static async Task<long?> RewriteAsync(NpgsqlConnection connection, EventTable table, YearMonth month, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(table);
        var name = table.MonthTable(month);
        var copy = CopyName(table, month);
        var (low, high) = Bounds(month);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await ExecuteAsync(connection, tx, $"DROP TABLE IF EXISTS {copy}", ct);
        await ExecuteAsync(connection, tx, $"LOCK TABLE {name} IN SHARE MODE", ct);
        if (!await ScalarAsync<bool>(connection, tx, $"SELECT EXISTS (SELECT 1 FROM {name})", ct))
        {
            await tx.RollbackAsync(ct);
            return null;
        }

        await ExecuteAsync(connection, tx, $"CREATE TABLE {copy} (LIKE {table.Name})", ct);
        var rows = await ExecuteAsync(connection, tx, $"INSERT INTO {copy} ({table.ColumnList}) SELECT {table.ColumnList} FROM {name} ORDER BY {table.SubscriberOrder}", ct);

        // The month's own indexes (those PostgreSQL made from the parent's), under temporary names: ATTACH adopts an
        // equal index instead of building one while the parent is locked.
        var indexes = new List<(string Name, string Definition)>();
        await using (var read = connection.CreateCommand())
        {
            read.Transaction = tx;
            read.CommandText = $"SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = '{name}'::regclass ORDER BY c.relname";
            await using var reader = await read.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                indexes.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        for (var i = 0; i < indexes.Count; i++)
        {
            var definition = indexes[i].Definition;
            var unique = definition.StartsWith("CREATE UNIQUE", StringComparison.Ordinal) ? "UNIQUE " : string.Empty;
            var method = definition[definition.IndexOf(" USING ", StringComparison.Ordinal)..];
            await ExecuteAsync(connection, tx, string.Create(CultureInfo.InvariantCulture, $"CREATE {unique}INDEX {copy}_ix{i} ON {copy}{method}"), ct);
        }

        await ExecuteAsync(connection, tx, $"ALTER TABLE {copy} ADD CONSTRAINT {copy}_bound CHECK (start_time >= '{low}' AND start_time < '{high}')", ct);
        await FailPoints.HitAsync(CopiedFailPoint, ct);

        for (var attempt = 1; ; attempt++)
        {
            await tx.SaveAsync("swap", ct);
            try
            {
                await ExecuteAsync(connection, tx, string.Create(CultureInfo.InvariantCulture, $"SET LOCAL lock_timeout = '{(int)SwapLockTimeout.TotalMilliseconds}ms'"), ct);
                await ExecuteAsync(connection, tx, $"ALTER TABLE {table.Name} DETACH PARTITION {name}", ct);
                await ExecuteAsync(connection, tx, $"DROP TABLE {name}", ct);
                await ExecuteAsync(connection, tx, $"ALTER TABLE {copy} RENAME TO {name}", ct);
                await ExecuteAsync(connection, tx, $"ALTER TABLE {table.Name} ATTACH PARTITION {name} FOR VALUES FROM ('{low}') TO ('{high}')", ct);
                await ExecuteAsync(connection, tx, "SET LOCAL lock_timeout = 0", ct);
                break;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable)
            {
                await tx.RollbackAsync("swap", ct);
                if (attempt == SwapAttempts)
                {
                    await tx.RollbackAsync(ct);
                    return null;
                }

                await Task.Delay(SwapLockTimeout * attempt, ct);
            }
        }

        // The old index names are free now: the month looks exactly as PostgreSQL made it.
        for (var i = 0; i < indexes.Count; i++)
        {
            await ExecuteAsync(connection, tx, string.Create(CultureInfo.InvariantCulture, $"ALTER INDEX {copy}_ix{i} RENAME TO {indexes[i].Name}"), ct);
        }

        await ExecuteAsync(connection, tx, string.Create(CultureInfo.InvariantCulture,
            $"UPDATE event_partitions SET rewritten = TRUE WHERE family = '{EventPartitions.FamilyName(table.Family)}' AND month = {EventPartitions.Code(month)}"), ct);
        await tx.CommitAsync(ct);
        return rows;
    }

    private static (string Low, string High) Bounds(YearMonth month) =>
        (string.Create(CultureInfo.InvariantCulture, $"{month.OnDayOfMonth(1):yyyy-MM-dd} 00:00:00+00"),
         string.Create(CultureInfo.InvariantCulture, $"{month.PlusMonths(1).OnDayOfMonth(1):yyyy-MM-dd} 00:00:00+00"));

    private static async Task<int> ExecuteAsync(DbConnection connection, DbTransaction? tx, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        command.CommandTimeout = 0;
        return await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<T> ScalarAsync<T>(DbConnection connection, DbTransaction tx, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        return (T)(await command.ExecuteScalarAsync(ct))!;
    }
}
