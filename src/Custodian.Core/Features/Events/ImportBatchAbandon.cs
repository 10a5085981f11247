using System.Globalization;
using Custodian.Core.Common;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using Npgsql;

namespace Custodian.Core.Features.Events;

internal enum ImportAbandonOutcome
{
    /// <summary>The batch's rows are removed and it is marked abandoned (now, or finishing an interrupted abandon).</summary>
    Abandoned,

    /// <summary>It was abandoned before; nothing changed.</summary>
    AlreadyAbandoned,

    NotFound,

    /// <summary>A later batch continues this batch's file (<see cref="ImportAbandonResult.BlockingBatchId"/>); abandon that one first.</summary>
    ContinuedByLaterBatch,
}

/// <summary>How an abandon ended; <c>RowsRemoved</c> counts the rows this run deleted (an interrupted abandon deleted the rest before).</summary>
internal sealed record ImportAbandonResult(ImportAbandonOutcome Outcome, Guid BatchId, long RowsRemoved = 0, Guid? BlockingBatchId = null);

/// <summary>
/// Abandons an import batch: removes the rows it stored and marks it abandoned, so its file may be imported afresh
/// (with other options, or after an import that crashed and will not be resumed).
/// </summary>
/// <remarks>
/// <para>Every stored row carries its batch's id (<c>import_batch_id</c>), so the rows are exactly those of the batch.
/// The column has no index (it would cost every import for a rare operation): each month is scanned once.</para>
/// <para>Resumable rather than one huge transaction: first the batch is marked <see cref="ImportBatch.Abandoning"/>
/// (which also moves its concurrency token, so a process still importing it cannot commit another chunk, and stops a
/// new import of the file); then each month's rows are deleted in a transaction of their own (an idempotent delete);
/// last the batch is marked <see cref="ImportBatch.Abandoned"/> together with the <c>import.abandoned</c> audit event.
/// A crash in between leaves the batch <see cref="ImportBatch.Abandoning"/>; running the abandon again finishes it.
/// The write lock (SQLite) is thus held for one month's delete at a time.</para>
/// </remarks>
internal sealed class ImportBatchAbandon(IDbContextFactory<CustodianDbContext> contexts, IAuditTrail audit, TimeProvider time)
{
    public const string AuditAction = "import.abandoned";

    /// <summary>Crash tests stop here: the batch is marked abandoning, no row is deleted yet.</summary>
    public const string FailPointMarked = "import.abandon.marked";

    /// <summary>Crash tests stop here after each month's delete committed (<c>:n</c> = after the n-th month).</summary>
    public const string FailPointMonthDeleted = "import.abandon.month_deleted";

    /// <summary>Crash tests stop here: the rows are gone, the batch is still abandoning.</summary>
    public const string FailPointRowsDeleted = "import.abandon.rows_deleted";

    public async Task<ImportAbandonResult> AbandonAsync(Guid batchId, AuditActor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.ScopeTo(TenantScope.Everything);

        var batch = await db.Set<ImportBatch>().SingleOrDefaultAsync(b => b.Id == batchId, ct);
        if (batch is null)
        {
            return new(ImportAbandonOutcome.NotFound, batchId);
        }

        if (batch.Status == ImportBatch.Abandoned)
        {
            return new(ImportAbandonOutcome.AlreadyAbandoned, batchId);
        }

        // A resumed abandon finds the batch 'abandoning'; its audit event still names the state the abandon started from,
        // which the completion time tells (only an import that completes the batch sets it).
        var previousStatus = batch.Status != ImportBatch.Abandoning ? batch.Status
            : batch.CompletedAt is null ? ImportBatch.InProgress : ImportBatch.Completed;
        if (batch.Status != ImportBatch.Abandoning)
        {
            await using var mark = await db.Database.BeginTransactionAsync(ct);

            // A later file that continues this one stored only its added lines: removing this batch's rows would leave
            // that file "imported" with its first part missing.
            var later = await db.Set<ImportBatch>().AsNoTracking()
                .Where(b => b.ExtendsBatchId == batchId && b.Status != ImportBatch.Abandoned)
                .Select(b => (Guid?)b.Id)
                .FirstOrDefaultAsync(ct);
            if (later is not null)
            {
                return new(ImportAbandonOutcome.ContinuedByLaterBatch, batchId, BlockingBatchId: later);
            }

            batch.Status = ImportBatch.Abandoning;
            batch.CommittedLine = ImportBatch.NoLineAbandoned;
            batch.UpdatedAt = Now();
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateConcurrencyException)
            {
                throw new InvalidOperationException(
                    $"Import batch {batchId} advanced while it was being abandoned (an import of it is running); stop that import and run the abandon again.");
            }

            await mark.CommitAsync(ct);
            FailPoints.Hit(FailPointMarked);
        }

        var rowsRemoved = await DeleteRowsAsync(db, EventTable.For(FamilyOf(batch.Kind)), batchId, ct);

        FailPoints.Hit(FailPointRowsDeleted);

        await using var finish = await db.Database.BeginTransactionAsync(ct);
        batch.Status = ImportBatch.Abandoned;
        batch.AbandonedAt = Now();
        batch.UpdatedAt = batch.AbandonedAt.Value;
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(db, Describe(batch, previousStatus, actor), ct);
        await db.SaveChangesAsync(ct);
        await finish.CommitAsync(ct);
        return new(ImportAbandonOutcome.Abandoned, batchId, rowsRemoved);
    }

    /// <summary>Deletes the batch's rows month by month, each month in its own transaction.</summary>
    private static async Task<long> DeleteRowsAsync(CustodianDbContext db, EventTable table, Guid batchId, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        var connection = db.Database.GetDbConnection();
        var postgres = connection is NpgsqlConnection;
        long removed = 0;
        // A sealed SQLite month is its own file: each source's delete and its totals are one transaction of one file.
        foreach (var source in await EventPartitions.SourcesAsync(connection, null, table, ct))
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            await using var command = connection.CreateCommand();
            command.Transaction = tx;
            command.CommandText = $"DELETE FROM {source.Table} WHERE import_batch_id = @batch RETURNING organization_id";
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@batch";
            parameter.Value = postgres ? batchId : EventTable.ToSqliteId(batchId);
            command.Parameters.Add(parameter);

            // The month totals lose the same rows in the same transaction (EventMonthTotals).
            var perOrganization = new Dictionary<Guid, long>();
            await using (var reader = await command.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    var organization = reader.GetGuid(0);
                    perOrganization[organization] = perOrganization.GetValueOrDefault(organization) + 1;
                }
            }

            await EventMonthTotals.SubtractAsync(connection, tx, table, source.Month, perOrganization.Select(p => (p.Key, p.Value)), ct, source.TotalsTable);
            removed += perOrganization.Values.Sum();
            await tx.CommitAsync(ct);
            FailPoints.Hit(FailPointMonthDeleted);
        }

        return removed;
    }

    private static EventFamily FamilyOf(string kind) =>
        EventTable.All.Single(t => EventPartitions.FamilyName(t.Family) == kind).Family;

    private static AuditEntry Describe(ImportBatch batch, string previousStatus, AuditActor actor) => new(
        AuditAction,
        actor,
        batch.ScopeKey == ImportBatch.EveryOrganization ? null : Guid.Parse(batch.ScopeKey),
        [new AuditObject("import_batch", batch.Id.ToString())],
        Details: new Dictionary<string, string>
        {
            ["kind"] = batch.Kind,
            ["file_sha256"] = batch.FileSha256,
            ["format"] = batch.Format,
            ["previous_status"] = previousStatus,
            ["rows_removed"] = batch.RowsImported.ToString(CultureInfo.InvariantCulture),
        });

    private Instant Now() => Instant.FromDateTimeOffset(time.GetUtcNow());
}
