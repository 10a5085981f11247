using System.Globalization;
using Custodian.Core.Common;
using Microsoft.Data.Sqlite;
using NodaTime;

namespace Custodian.Core.Features.Events;

internal static partial class EventMonthRewrite
{
    /// <summary>
    /// SQLite: sorts month <paramref name="month"/> of <paramref name="table"/> in its main-file table by its first
    /// index's columns and marks it rewritten: a settled month that must stay in the main file because
    /// <see cref="EventMonthFiles.AttachLimit"/> is spent (six months of two families would need twelve files), so a
    /// cold look-up reads it like a sealed file. It is sealed later, when the oldest month's file is dropped. Returns
    /// the rows copied, or null when there is no main-file table or no rows (left unmarked: late rows may still come).
    /// <paramref name="connection"/> must be open and outside a transaction.
    /// </summary>
    /// <remarks>
    /// One main-file transaction (BEGIN IMMEDIATE: writers wait, readers go on reading the last commit in WAL mode): a
    /// sorted copy, the month taken out of the main view, the old table dropped (secure_delete overwrites its pages), the
    /// copy renamed to the month's name, its indexes built under the month's index names (covering, as in a sealed file:
    /// <see cref="EventPartitions.SqliteMonthIndexSql"/>), the view restored and the registry marked. A crash anywhere
    /// rolls all of it back; the next sweep starts again. The copy and the zeroed pages go through the WAL; the sweep's
    /// closing checkpoint writes them back and truncates it.
    /// </remarks>
    public static async Task<long?> RewriteSqliteAsync(SqliteConnection connection, EventTable table, YearMonth month, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(table);
        var name = table.MonthTable(month);
        var copy = CopyName(table, month);
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(ct);
        if (!EventMonthFiles.MainTableExists(connection, tx, name) || await SqliteLongAsync(connection, tx, $"SELECT EXISTS (SELECT 1 FROM main.{name})", ct) != 1)
        {
            await tx.RollbackAsync(ct);
            return null;
        }

        await ExecuteAsync(connection, tx, $"DROP TABLE IF EXISTS main.{copy}", ct);
        await ExecuteAsync(connection, tx, EventPartitions.SqliteMonthTableSql(table, month, "main." + copy), ct);
        var rows = await ExecuteAsync(connection, tx,
            $"INSERT INTO main.{copy} ({table.ColumnList}) SELECT {table.ColumnList} FROM main.{name} ORDER BY {table.SubscriberOrder}", ct);
        await FailPoints.HitAsync(CopiedFailPoint, ct);

        // The view names the month's table: take the month out while the table is replaced (SQLite's RENAME checks
        // every view), put it back after.
        var months = await EventPartitions.MainTableMonthsAsync(connection, tx, table, ct);
        await ExecuteAsync(connection, tx, EventPartitions.SqliteViewSql(table, months.Where(m => m != month)), ct);
        await ExecuteAsync(connection, tx, $"DROP TABLE main.{name}", ct);
        await ExecuteAsync(connection, tx, $"ALTER TABLE main.{copy} RENAME TO {name}", ct);
        await ExecuteAsync(connection, tx, EventPartitions.SqliteMonthIndexSql(table, "main." + name, "ix_" + name, covering: true), ct);
        await ExecuteAsync(connection, tx, EventPartitions.SqliteViewSql(table, months), ct);
        await ExecuteAsync(connection, tx, string.Create(CultureInfo.InvariantCulture,
            $"UPDATE event_partitions SET rewritten = TRUE WHERE family = '{EventPartitions.FamilyName(table.Family)}' AND month = {EventPartitions.Code(month)}"), ct);
        await tx.CommitAsync(ct);
        return rows;
    }

    /// <summary>
    /// Puts the rows of a month that is still written to (SQLite) that arrived since its last sort in subscriber order
    /// at the table's end: the sweep does it every night, so at most a day's rows of an open month are in arrival order.
    /// Returns the rows moved (0 when nothing arrived).
    /// </summary>
    /// <remarks>
    /// <para>Why: until a month settles and is sealed, a cold look-up reads one page per record of it (~560 reads for a
    /// subscriber's ~330 records of a month at 10 million rows, the look-up's whole cost at the month's worst moment).
    /// Sorted night by night, a subscriber's calls of each day share a page or two. The whole month is not rewritten:
    /// only the new rows move, once, so a night costs a copy of a day's rows.</para>
    /// <para>How: one main-file transaction copies the rows after the registry's <c>sorted_rowid</c> to the table's end
    /// in the order of its first index, deletes the originals (secure_delete zeroes them) and stores the new last row
    /// id. Readers see the rows before or after, never both; a kill rolls it back. The row id is no record's identity
    /// (<see cref="Retention.EventRecordId"/>). A row that arrives after an erasure removed the table's last rows may get
    /// a row id at or below the boundary and stay unsorted: a page more to read, not a wrong answer.</para>
    /// </remarks>
    public static async Task<long> SortTailSqliteAsync(SqliteConnection connection, EventTable table, YearMonth month, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(table);
        var name = table.MonthTable(month);
        var where = string.Create(CultureInfo.InvariantCulture,
            $"family = '{EventPartitions.FamilyName(table.Family)}' AND month = {EventPartitions.Code(month)}");
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(ct);
        if (!EventMonthFiles.MainTableExists(connection, tx, name))
        {
            await tx.RollbackAsync(ct);
            return 0;
        }

        var from = await SqliteLongAsync(connection, tx, $"SELECT coalesce(sorted_rowid, 0) FROM event_partitions WHERE {where}", ct) ?? 0;
        var last = await SqliteLongAsync(connection, tx, $"SELECT max(rowid) FROM main.{name}", ct) ?? 0;
        if (last <= from)
        {
            await tx.RollbackAsync(ct);
            return 0;
        }

        var range = string.Create(CultureInfo.InvariantCulture, $"rowid > {from} AND rowid <= {last}");
        var moved = await ExecuteAsync(connection, tx,
            $"INSERT INTO main.{name} ({table.ColumnList}) SELECT {table.ColumnList} FROM main.{name} WHERE {range} ORDER BY {table.SubscriberOrder}", ct);
        await ExecuteAsync(connection, tx, $"DELETE FROM main.{name} WHERE {range}", ct);
        await ExecuteAsync(connection, tx, $"UPDATE event_partitions SET sorted_rowid = (SELECT max(rowid) FROM main.{name}) WHERE {where}", ct);
        await tx.CommitAsync(ct);
        return moved;
    }

    private static async Task<long?> SqliteLongAsync(SqliteConnection connection, SqliteTransaction tx, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(ct) is long value ? value : null;
    }
}
