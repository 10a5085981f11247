using System.Globalization;
using System.Text;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Custodian.Core.Features.Audit;

/// <summary>
/// Copies signed checkpoints out of the system (security.md §2.3 item 4, G2.3) into a directory that should live on
/// another host or mount (NFS, WORM/object-lock storage): every checkpoint is appended once to
/// <c>checkpoints.log</c> (fsynced) and the newest is written to <c>latest.checkpoint</c> atomically (temp file, fsync,
/// rename), ready for <c>custodian audit verify --checkpoint</c>. Exports only committed checkpoints (it reads them back
/// from the database after the fact), so a checkpoint signed in a transaction that rolled back never leaves.
/// <para>
/// Log record format: a header line <c># checkpoint N</c>, then the note exactly as signed. The last exported number is
/// read back from the file's tail; a record torn by a crash has no complete note and is written again.
/// </para>
/// </summary>
internal static class CheckpointExport
{
    public const string LogFile = "checkpoints.log";
    public const string LatestFile = "latest.checkpoint";
    private const string Header = "# checkpoint ";

    /// <summary>Appends every stored checkpoint not yet in <c>checkpoints.log</c>; returns how many were exported.</summary>
    public static async Task<int> ExportNewAsync(CustodianDbContext db, string directory, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        var logPath = Path.Combine(directory, LogFile);
        var last = LastExported(logPath);
        var pending = await db.Set<AuditCheckpoint>().AsNoTracking().Where(c => c.Number > last).OrderBy(c => c.Number).ToListAsync(ct);
        if (pending.Count == 0)
        {
            return 0;
        }

        var text = new StringBuilder();
        foreach (var c in pending)
        {
            text.Append(Header).Append(c.Number.ToString(CultureInfo.InvariantCulture)).Append('\n').Append(c.Note);
        }

        var bytes = new UTF8Encoding(false).GetBytes(text.ToString());
        await using (var log = new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.Read, 4096, FileOptions.None))
        {
            await log.WriteAsync(bytes, ct);
            log.Flush(flushToDisk: true);
        }

        await WriteLatestAsync(Path.Combine(directory, LatestFile), pending[^1].Note, ct);
        return pending.Count;
    }

    /// <summary>The number of the last complete record in the log (0 when there is none).</summary>
    internal static long LastExported(string logPath)
    {
        if (!File.Exists(logPath))
        {
            return 0;
        }

        // Records are a few hundred bytes: the tail holds the last complete ones.
        using var file = new FileStream(logPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var take = (int)Math.Min(file.Length, 16 * 1024);
        file.Seek(-take, SeekOrigin.End);
        var buffer = new byte[take];
        file.ReadExactly(buffer);
        var tail = Encoding.UTF8.GetString(buffer);
        var records = tail.Split(Header);
        for (var i = records.Length - 1; i >= 1; i--)
        {
            var newline = records[i].IndexOf('\n', StringComparison.Ordinal);
            // Complete: a body, a blank line and at least one signature line ending in a newline.
            if (newline > 0 && long.TryParse(records[i][..newline], NumberStyles.None, CultureInfo.InvariantCulture, out var number) &&
                records[i].Contains("\n\n\u2014 ", StringComparison.Ordinal) && records[i].EndsWith('\n'))
            {
                return number;
            }
        }

        return 0;
    }

    private static async Task WriteLatestAsync(string path, string note, CancellationToken ct)
    {
        var temp = path + ".tmp-" + Guid.NewGuid().ToString("N");
        await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
        {
            await file.WriteAsync(new UTF8Encoding(false).GetBytes(note), ct);
            file.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }
}
