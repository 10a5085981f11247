using System.Globalization;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;

namespace Custodian.Testing.Retention;

/// <summary>
/// What a finished sweep left, in a form two runs can be compared in (<see cref="Facts"/>: the same list after an
/// uninterrupted sweep and after a killed-and-rerun one), plus the things that must hold in any one run
/// (<see cref="Problems"/>): the audit chain verifies, the receipts and the audit events count the same deletions, every
/// sweep is completed, every remaining record's blob row, data key and content are there.
/// </summary>
/// <param name="Facts">Remaining usage records (and which of them are in the held table), months, recordings, blob rows, live data keys, deletions per receipt and per audit event.</param>
/// <param name="Problems">Invariants this run breaks, in words; empty when it is sound.</param>
/// <param name="Sweeps">Sweep receipts in the database (completed ones: all of them, or it is a problem).</param>
/// <param name="CutoffDay">The Amsterdam day of the latest sweep's cutoff: runs on different days expire different records.</param>
/// <param name="Deleted">Records the receipts count as deleted, all sweeps together.</param>
internal sealed record SweepOutcome(IReadOnlyList<string> Facts, IReadOnlyList<string> Problems, int Sweeps, LocalDate CutoffDay, long Deleted)
{
    /// <summary>The differences from <paramref name="reference"/> (the uninterrupted sweep), as lines for a report.</summary>
    public IReadOnlyList<string> DifferencesFrom(SweepOutcome reference)
    {
        var missing = reference.Facts.Except(Facts, StringComparer.Ordinal).Take(10).Select(f => "missing (the uninterrupted sweep has it): " + f);
        var extra = Facts.Except(reference.Facts, StringComparer.Ordinal).Take(10).Select(f => "extra (the uninterrupted sweep has not): " + f);
        return [.. missing, .. extra];
    }

    /// <summary>Reads the outcome of the sweeps in a database (after the last one ended) and checks its invariants.</summary>
    public static async Task<SweepOutcome> ReadAsync(ServiceProvider services, CancellationToken ct)
    {
        var facts = new List<string>();
        var problems = new List<string>();
        await using var db = services.GetRequiredService<IDbContextFactory<CustodianDbContext>>().CreateDbContext();
        db.ScopeTo(TenantScope.Everything);

        var verification = await services.GetRequiredService<AuditVerifier>().VerifyAsync(db, null, ct);
        problems.AddRange(verification.Problems.Select(p => "audit chain: " + p.Code + " " + p.Message));

        facts.AddRange((await SqlRows.ReadAsync(db, "SELECT record_key FROM usage_records ORDER BY record_key", ct)).Select(r => "usage record " + r));
        facts.AddRange((await SqlRows.ReadAsync(db, "SELECT record_key FROM usage_records_held ORDER BY record_key", ct)).Select(r => "held usage record " + r));
        facts.AddRange((await SqlRows.ReadAsync(db, "SELECT month FROM event_partitions WHERE family = 'usage' ORDER BY month", ct)).Select(r => "usage month " + r));
        var recordings = await db.Set<SupportCallRecording>().AsNoTracking().OrderBy(r => r.CallerNumber).ThenBy(r => r.CalledAt).ToListAsync(ct);
        facts.AddRange(recordings.Select(r => string.Create(CultureInfo.InvariantCulture, $"recording {r.CallerNumber} {r.CalledAt}")));
        var blobs = await db.Set<BlobRecord>().AsNoTracking().ToListAsync(ct);
        var liveKeys = await db.Set<DataKey>().AsNoTracking().Where(k => k.DestroyedAt == null).Select(k => k.Id).ToListAsync(ct);
        facts.Add(string.Create(CultureInfo.InvariantCulture, $"blob rows {blobs.Count}"));
        facts.Add(string.Create(CultureInfo.InvariantCulture, $"live data keys {liveKeys.Count}"));
        var indexed = await db.SubjectIdentifiers.AsNoTracking().CountAsync(i => i.Category == "general.support_call_recordings", ct);
        facts.Add(string.Create(CultureInfo.InvariantCulture, $"look-up entries of recordings {indexed}"));

        // Blobs and rows agree: every recording has its blob row, every blob row a live key and its content, and no blob
        // row or live key is left without a recording (a kill between a batch's commit and the content removal may leave
        // contents without a row: orphans for the orphan sweep, unreadable because their keys are destroyed).
        var blobIds = blobs.Select(b => b.Id).ToHashSet();
        problems.AddRange(recordings.Where(r => !blobIds.Contains(r.ContentBlobId)).Select(r => $"recording {r.CallerNumber} lost its blob row"));
        var owned = recordings.Select(r => r.ContentBlobId).ToHashSet();
        problems.AddRange(blobs.Where(b => !owned.Contains(b.Id)).Select(b => $"blob row {b.Id} belongs to no recording"));
        var keys = liveKeys.ToHashSet();
        problems.AddRange(blobs.Where(b => !keys.Contains(b.DataKeyId)).Select(b => $"blob row {b.Id} has no live data key"));
        var used = blobs.Select(b => b.DataKeyId).ToHashSet();
        problems.AddRange(liveKeys.Where(k => !used.Contains(k)).Select(k => $"data key {k} is live without a blob"));
        var store = services.GetRequiredService<IBlobStore>();
        foreach (var blob in blobs)
        {
            if (!await store.ExistsAsync(blob.StoreKey, ct))
            {
                problems.Add($"blob row {blob.Id} lost its content");
            }
        }

        // Receipts and audit events: every sweep completed; what the receipts count as deleted is what the audit events
        // count (nothing audited twice, nothing unaudited); one completion event per sweep.
        var runs = await db.Set<RetentionSweepRun>().AsNoTracking().ToListAsync(ct);
        problems.AddRange(runs.Where(r => r.State != RetentionSweepRun.Completed).Select(r => $"sweep {r.Id} is {r.State}, not completed"));
        var receipts = runs.Sum(r => r.DeletedCounts().Sum(c => c.Count));
        var events = await db.Set<AuditEvent>().AsNoTracking()
            .Where(e => e.Action == "retention.deleted" || e.Action == "retention.month_dropped" || e.Action == "retention.sweep_completed")
            .Select(e => new { e.Action, e.Details })
            .ToListAsync(ct);
        var audited = events.Where(e => e.Action != "retention.sweep_completed")
            .Sum(e => long.Parse(System.Text.Json.JsonDocument.Parse(e.Details!).RootElement.GetProperty("count").GetString()!, CultureInfo.InvariantCulture));
        if (receipts != audited)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"the receipts count {receipts} deletions, the audit events {audited}"));
        }

        var completions = events.Count(e => e.Action == "retention.sweep_completed");
        if (completions != runs.Count)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{runs.Count} sweeps but {completions} completion events"));
        }

        await FileProblemsAsync(db, facts, problems, ct);
        facts.Add(string.Create(CultureInfo.InvariantCulture, $"deleted {receipts}"));
        var latest = runs.MaxBy(r => r.StartedAt);
        return new SweepOutcome(facts, problems, runs.Count, latest is null ? default : RetentionCalendar.DayOf(latest.Cutoff), receipts);
    }

    /// <summary>
    /// SQLite's sealed months (<see cref="EventMonthFiles"/>): the months folder holds exactly the registered files
    /// (none left of a dropped month, none missing), no dropped month is still marked, no erasure or sweep journal is
    /// left unfinished. Which months are sealed is a fact (a killed sweep must seal the same ones).
    /// </summary>
    private static async Task FileProblemsAsync(CustodianDbContext db, List<string> facts, List<string> problems, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            if (db.Database.GetDbConnection() is not Microsoft.Data.Sqlite.SqliteConnection connection)
            {
                return;
            }

            var registered = EventMonthFiles.ReadSealed(connection, null, includeDropping: true);
            var live = EventMonthFiles.ReadSealed(connection, null);
            problems.AddRange(registered.Except(live).Select(m => $"sealed month {m.File} is still marked dropping"));
            var folder = EventMonthFiles.FolderOf(connection)!;
            // The database files only: a -wal or -shm beside one belongs to it while a connection has it open.
            var files = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.db").Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal) : [];
            problems.AddRange(files.Where(f => !registered.Any(m => m.File == f)).Select(f => $"month file {f} is not registered"));
            problems.AddRange(registered.Where(m => !files.Contains(m.File)).Select(m => $"registered month file {m.File} does not exist"));
            facts.AddRange(live.Select(m => "sealed " + m.File));
            foreach (var (sql, what) in live.Select(m => ($"SELECT count(*) FROM {EventMonthFiles.JournalTable(m.Alias)}", $"{m.File} has unaudited journal entries"))
                .Append(("SELECT count(*) FROM event_file_erasures", "erasures in sealed months are unfinished")))
            {
                await using var command = connection.CreateCommand();
                command.CommandText = sql;
                if (Convert.ToInt64(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture) != 0)
                {
                    problems.Add(what);
                }
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
