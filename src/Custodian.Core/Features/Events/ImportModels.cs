using Custodian.Core.Features.Audit;
using NodaTime;

namespace Custodian.Core.Features.Events;

/// <summary>What to import.</summary>
/// <param name="Family">Usage or traffic records.</param>
/// <param name="FilePath">The file; read twice (hash, then rows), never loaded whole.</param>
/// <param name="Format"><c>custodian</c> (default) or, for usage, <c>asterisk</c>.</param>
/// <param name="TenantCode">Assign every row to this organisation (<c>--tenant</c>).</param>
/// <param name="TimeZone">The PBX's zone for Asterisk local times; default <see cref="EventImporter.DefaultTimeZone"/>.</param>
/// <param name="RejectFile">Where rejected rows are written; default <c>FILE.rejects.csv</c>, created only when a row is rejected.</param>
/// <param name="Actor">Who imports (recorded in the audit event).</param>
internal sealed record ImportRequest(
    EventFamily Family,
    string FilePath,
    AuditActor Actor,
    string? Format = null,
    string? TenantCode = null,
    string? TimeZone = null,
    string? RejectFile = null);

internal enum ImportOutcome
{
    /// <summary>The file is now completely imported (possibly finishing an interrupted import).</summary>
    Imported,

    /// <summary>The same file was imported before; nothing was added.</summary>
    AlreadyImported,

    /// <summary>The file cannot be imported as a whole; nothing of it was stored.</summary>
    FileError,
}

/// <summary>How an import ended.</summary>
/// <param name="Outcome">Imported, already imported, or a file-level error.</param>
/// <param name="FileSha256">The file's hash (empty when it could not be read).</param>
/// <param name="BatchId">The import batch.</param>
/// <param name="RowsImported">Rows stored by the whole batch (all runs).</param>
/// <param name="RowsRejected">Rows rejected by the whole batch (all runs).</param>
/// <param name="RejectsThisRun">Rows listed in <paramref name="RejectFile"/>, which this run wrote: a resumed run lists the
/// rejected rows of the lines an interrupted run of the batch had stored too, so the file names all of the batch's.</param>
/// <param name="RejectFile">The reject file, when this run rejected rows.</param>
/// <param name="ResumedAfterLine">0, or the committed line an interrupted import was resumed after.</param>
/// <param name="CompletedAt">When the batch completed.</param>
/// <param name="Problem">The file-level problem, for <see cref="ImportOutcome.FileError"/>.</param>
/// <param name="ExtendsBatchId">Set when the file is an earlier imported file with lines added (a growing Master.csv):
/// only the added lines were imported, under a new batch.</param>
internal sealed record ImportResult(
    ImportOutcome Outcome,
    string FileSha256,
    Guid? BatchId = null,
    long RowsImported = 0,
    long RowsRejected = 0,
    long RejectsThisRun = 0,
    string? RejectFile = null,
    long ResumedAfterLine = 0,
    Instant? CompletedAt = null,
    FileProblem? Problem = null,
    Guid? ExtendsBatchId = null);

/// <summary>Live counters of a running import, read by a progress display on another thread.</summary>
internal sealed class ImportProgress
{
    private long _bytesRead;
    private long _lines;
    private long _rowsStored;
    private long _rowsRejected;

    public long TotalBytes { get; set; }

    public long BytesRead => Interlocked.Read(ref _bytesRead);

    public long Lines => Interlocked.Read(ref _lines);

    public long RowsStored => Interlocked.Read(ref _rowsStored);

    public long RowsRejected => Interlocked.Read(ref _rowsRejected);

    internal void Read(long bytes, long line)
    {
        Interlocked.Exchange(ref _bytesRead, bytes);
        Interlocked.Exchange(ref _lines, line);
    }

    internal void Stored(long rows) => Interlocked.Add(ref _rowsStored, rows);

    internal void Rejected() => Interlocked.Increment(ref _rowsRejected);
}

/// <summary>Tuning of the bulk path.</summary>
internal sealed class ImportOptions
{
    /// <summary>
    /// Rows per transaction (a chunk). Each chunk's commit also moves the checkpoint, so this bounds the work redone
    /// after a crash (seconds of work at this size). Large because of SQLite: a commit writes every page the chunk
    /// dirtied to the WAL and then into the database file, and the index inserts of a chunk (numbers arrive in random
    /// order) dirty pages all over the current month's indexes, so each commit rewrites about the whole of them. With
    /// 20,000-row chunks the import ran at ~0.47 of the raw engine rate at 2 million rows; with 500,000 at ~0.75
    /// (bench/README.md). Memory does not depend on it: rows reach the writer in slices of
    /// <see cref="EventImporter.SliceRows"/>.
    /// </summary>
    public int ChunkRows { get; set; } = DefaultChunkRows;

    public const int DefaultChunkRows = 500_000;

    /// <summary>
    /// Environment variable that overrides <see cref="ChunkRows"/> for a process (a positive whole number): for crash
    /// tests that need several chunks in a small file, and for an operator who wants shorter redo after a crash.
    /// </summary>
    public const string ChunkRowsVariable = "CUSTODIAN_IMPORT_CHUNK_ROWS";

    /// <summary>The options with <see cref="ChunkRowsVariable"/> applied when it is set.</summary>
    public static ImportOptions FromEnvironment()
    {
        var options = new ImportOptions();
        var value = Environment.GetEnvironmentVariable(ChunkRowsVariable);
        if (!string.IsNullOrWhiteSpace(value))
        {
            options.ChunkRows = int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var rows) && rows > 0
                ? rows
                : throw new InvalidOperationException($"{ChunkRowsVariable} must be a positive whole number of rows.");
        }

        return options;
    }

    /// <summary>Called after each chunk commits, with its 1-based number (tests interrupt imports here).</summary>
    public Action<int>? AfterChunkCommitted { get; set; }
}
