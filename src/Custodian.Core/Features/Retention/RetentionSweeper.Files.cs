using System.Data.Common;
using System.Globalization;
using Custodian.Core.Common;
using Custodian.Core.Features.Events;
using Custodian.Core.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using NodaTime;
using Npgsql;

namespace Custodian.Core.Features.Retention;

/// <summary>
/// The sweep's work on sealed SQLite months (<see cref="EventMonthFiles"/>): sealing months that are no longer written,
/// removing the files of dropped months, and deleting expired rows of a partly expired sealed month.
/// </summary>
internal sealed partial class RetentionSweeper
{
    /// <summary>
    /// Seals every month of <paramref name="table"/> that has settled at the cutoff (<see cref="EventPartitions.SettledBefore"/>)
    /// and is still in the main file, oldest first, while the attach budget allows (SQLite with a database file only).
    /// Deletes nothing: it moves rows, so it is not audited as a deletion; the month's expiry, holds and counts are unchanged.
    /// </summary>
    private async Task SealMonthsAsync(CustodianDbContext db, RetentionSweepRun run, EventTable table, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            if (db.Database.GetDbConnection() is not SqliteConnection connection)
            {
                return;
            }

            var before = EventPartitions.SettledBefore(run.Cutoff);
            foreach (var month in (await EventPartitions.MainTableMonthsAsync(connection, null, table, ct)).Where(m => m.CompareTo(before) < 0))
            {
                // An empty month (created ahead, EventPartitions.EnsureAheadAsync, and never written) stays an empty
                // main-file table: a file for it would spend one of the ten attachments on nothing.
                if (!await HasRowsAsync(connection, table.MonthTable(month), ct))
                {
                    continue;
                }

                await RenewLeaseOrThrowAsync(db, ct);
                await EventMonthFiles.SealAsync(connection, table, month, ct);
                FailPoints.Hit("retention.month.sealed");
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// Rewrites every settled month of <paramref name="table"/> in subscriber order, once (<see cref="EventMonthRewrite"/>):
    /// on PostgreSQL every such partition; on SQLite the settled months the seal step left in the main file (the attach
    /// budget was spent), sorted there until a file's place frees, and in the months still written to the rows that
    /// arrived since the last sweep (<see cref="EventMonthRewrite.SortTailSqliteAsync"/>). Moves rows without adding or
    /// removing any: not audited, totals and holds unchanged.
    /// </summary>
    private async Task RewriteMonthsAsync(CustodianDbContext db, RetentionSweepRun run, EventTable table, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var connection = db.Database.GetDbConnection();
            var settledBefore = EventPartitions.SettledBefore(run.Cutoff);
            foreach (var month in await EventMonthRewrite.PendingAsync(connection, table, settledBefore, ct))
            {
                await RenewLeaseOrThrowAsync(db, ct);
                _ = connection is SqliteConnection sqlite
                    ? await EventMonthRewrite.RewriteSqliteAsync(sqlite, table, month, ct)
                    : await EventMonthRewrite.RewriteAsync((NpgsqlConnection)connection, table, month, ct);
            }

            if (connection is SqliteConnection open)
            {
                foreach (var month in (await EventPartitions.MainTableMonthsAsync(open, null, table, ct)).Where(m => m.CompareTo(settledBefore) >= 0))
                {
                    await RenewLeaseOrThrowAsync(db, ct);
                    await EventMonthRewrite.SortTailSqliteAsync(open, table, month, ct);
                }
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static async Task<bool> HasRowsAsync(DbConnection connection, string monthTable, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT EXISTS (SELECT 1 FROM main.{monthTable})";
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture) != 0;
    }

    private static void FinishFileDrops(DbConnection connection)
    {
        if (connection is SqliteConnection sqlite)
        {
            EventMonthFiles.FinishDrops(sqlite);
        }
    }

    /// <summary>
    /// Expired rows of a sealed month go in batches, each in a transaction of the month's file alone that also
    /// journals what it deleted (<see cref="EventMonthFiles.JournalTable"/>); a main-file transaction then audits and
    /// counts the journalled batches and stores the last one in the run's cursor (<c>table#seq</c>). A crash between
    /// the two is finished when the step runs again: the journal rows after the cursor are audited first. A batch
    /// never spans the two files, whose commits SQLite does not make atomic as a set.
    /// </summary>
    private async Task DeleteExpiredInFileAsync(
        CustodianDbContext db, RetentionSweepRun run, EventTable table, EventSource file, Instant before, ISweepProgress? progress, CancellationToken ct)
    {
        var connection = db.Database.GetDbConnection();
        var consumed = await AuditJournalAsync(db, run, table, file, CursorSeq(run.Cursor, file.Table), progress, ct);
        if (await EventMonthTotals.EarliestAsync(connection, null, table, file.Month, ct, file.TotalsTable) is not { } earliest || earliest >= before)
        {
            await ClearJournalAsync(connection, file, ct);
            return;
        }

        var category = EventCategory(table);
        while (true)
        {
            await RenewLeaseOrThrowAsync(db, ct);
            long rows;
            await using (var tx = await db.Database.BeginTransactionAsync(ct))
            {
                await ExecuteAsync(connection, tx.GetDbTransaction(), $"DELETE FROM {EventMonthFiles.JournalTable(file.Alias!)}", ct);
                var sql = new EventRetention(connection, tx.GetDbTransaction());
                var scopes = EventHoldScope.Of(await LegalHolds.ActiveAtAsync(db, Now(), ct), category);
                var deleted = await sql.DeleteExpiredAsync(table, file.Table, before, scopes, BatchSize, ct);
                rows = deleted.Sum(d => d.Rows);
                if (rows > 0)
                {
                    await EventMonthTotals.SubtractAsync(connection, tx.GetDbTransaction(), table, file.Month, deleted.Select(d => (d.OrganizationId, d.Rows)), ct, file.TotalsTable);
                    await JournalAsync(connection, tx.GetDbTransaction(), file, run.Id, consumed + 1, deleted, ct);
                }

                if (scopes.Count == 0 && rows < BatchSize)
                {
                    await EventMonthTotals.RaiseEarliestAsync(connection, tx.GetDbTransaction(), table, file.Month, before, ct, file.TotalsTable);
                }

                await tx.CommitAsync(ct);
            }

            FailPoints.Hit("retention.rows.file_committed");
            if (rows > 0)
            {
                consumed = await AuditJournalAsync(db, run, table, file, consumed, progress, ct);
            }

            if (rows < BatchSize)
            {
                break;
            }
        }

        await ClearJournalAsync(connection, file, ct);
    }

    /// <summary>
    /// Audits and counts the journal entries of this run after <paramref name="consumed"/> in one main-file
    /// transaction that also moves the cursor past them; returns the last batch number audited.
    /// </summary>
    private async Task<long> AuditJournalAsync(
        CustodianDbContext db, RetentionSweepRun run, EventTable table, EventSource file, long consumed, ISweepProgress? progress, CancellationToken ct)
    {
        var connection = db.Database.GetDbConnection();
        var batches = new SortedDictionary<long, List<EventDeletion>>();
        await using (var read = connection.CreateCommand())
        {
            read.CommandText = $"SELECT seq, organization_id, row_count, earliest_start FROM {EventMonthFiles.JournalTable(file.Alias!)} WHERE sweep_id = @run AND seq > @seq ORDER BY seq, organization_id";
            AddParameter(read, "@run", EventTable.ToSqliteId(run.Id));
            AddParameter(read, "@seq", consumed);
            await using var reader = await read.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var seq = reader.GetInt64(0);
                if (!batches.TryGetValue(seq, out var list))
                {
                    batches[seq] = list = [];
                }

                list.Add(new EventDeletion(reader.GetGuid(1), reader.GetInt64(2), EventTable.FromSqliteTime(reader.GetInt64(3))));
            }
        }

        if (batches.Count == 0)
        {
            return consumed;
        }

        var category = EventCategory(table);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        foreach (var (_, deleted) in batches)
        {
            foreach (var d in deleted)
            {
                run.Count(category, d.OrganizationId, d.Rows, run.Cutoff - EventExpiry(table, d.EarliestStart));
            }

            await AuditDeletionsAsync(db, run, category, "retention.deleted", deleted, new Dictionary<string, string> { ["table"] = file.Table }, ct);
            run.Batches++;
        }

        var last = batches.Keys.Last();
        run.Cursor = string.Create(CultureInfo.InvariantCulture, $"{file.Table}#{last}");
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        progress?.Deleted(run.Step!, batches.Values.Sum(b => b.Sum(d => d.Rows)));
        return last;
    }

    private static long CursorSeq(string? cursor, string table) =>
        cursor is not null && cursor.StartsWith(table + "#", StringComparison.Ordinal)
            ? long.Parse(cursor.AsSpan(table.Length + 1), CultureInfo.InvariantCulture)
            : 0;

    private static async Task JournalAsync(DbConnection connection, DbTransaction tx, EventSource file, Guid run, long seq, IReadOnlyList<EventDeletion> deleted, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = $"INSERT INTO {EventMonthFiles.JournalTable(file.Alias!)} (sweep_id, seq, organization_id, row_count, earliest_start) VALUES (@run, @seq, @org, @rows, @earliest)";
        AddParameter(command, "@run", EventTable.ToSqliteId(run));
        AddParameter(command, "@seq", seq);
        var (org, rows, earliest) = (AddParameter(command, "@org", null), AddParameter(command, "@rows", null), AddParameter(command, "@earliest", null));
        foreach (var d in deleted)
        {
            org.Value = EventTable.ToSqliteId(d.OrganizationId);
            rows.Value = d.Rows;
            earliest.Value = EventTable.ToSqliteTime(d.EarliestStart);
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>Empties a sealed month's journal once every entry in it is audited (a file-only transaction).</summary>
    private static async Task ClearJournalAsync(DbConnection connection, EventSource file, CancellationToken ct)
    {
        await using var tx = await connection.BeginTransactionAsync(ct);
        await ExecuteAsync(connection, tx, $"DELETE FROM {EventMonthFiles.JournalTable(file.Alias!)}", ct);
        await tx.CommitAsync(ct);
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction tx, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(ct);
    }

    private static DbParameter AddParameter(DbCommand command, string name, object? value)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value ?? DBNull.Value;
        command.Parameters.Add(p);
        return p;
    }
}
