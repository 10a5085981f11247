using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Custodian.Core.Common;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using NodaTime;
using Npgsql;

namespace Custodian.Core.Features.Events;

/// <summary>
/// Imports a file of usage or traffic records through the engine's bulk path (binary COPY on PostgreSQL, prepared
/// inserts in large transactions on SQLite), streaming: one thread parses and validates, another writes, with a few
/// small slices of rows in between, so memory does not grow with the file.
/// </summary>
/// <remarks>
/// <para>Idempotency: the file's SHA-256 (with its kind) keys an <see cref="ImportBatch"/>, which also records the
/// options the rows were read with (tenant, format, time zone); the same file with other options is refused until that
/// batch is abandoned (<see cref="ImportBatchAbandon"/>). Each chunk's
/// rows and the batch's committed line commit in one transaction; the last chunk also marks the batch completed and
/// appends the audit event. A completed file is not imported again; an interrupted one resumes after its committed
/// line, so every row is stored exactly once.</para>
/// <para>A chunk (one transaction, <see cref="ImportOptions.ChunkRows"/> rows) travels from the parser to the writer as
/// slices of at most <see cref="SliceRows"/> rows, written into the open transaction as they arrive (one COPY or one
/// set of prepared inserts per transaction). So the transaction can be large, which is what makes SQLite fast (each
/// commit writes every index page the chunk touched, and an index insert touches a random page), while the rows held
/// in memory stay few.</para>
/// <para>Rows that fail validation go to the reject file and never stop the import; a file-level problem (unknown
/// format, wrong header, bad encoding, unknown tenant) stops it before anything is stored.</para>
/// <para>Records whose retention has already expired when the file is imported (the register's rule of the family,
/// counted from the record's start like the sweep counts it) are rejected with <c>import.retention_expired</c>: the
/// next sweep would delete them, and storing them would recreate month partitions the sweep has dropped.</para>
/// </remarks>
internal sealed class EventImporter(
    IDbContextFactory<CustodianDbContext> contexts, IAuditTrail audit, TimeProvider time, ImportOptions options, ProcessingRegister register)
{
    public const string DefaultTimeZone = "Europe/Amsterdam";

    public async Task<ImportResult> ImportAsync(ImportRequest request, ImportProgress? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Family switch
        {
            EventFamily.Usage => await RunAsync(UsageTable.Instance, request, progress, ct),
            EventFamily.Traffic => await RunAsync(TrafficTable.Instance, request, progress, ct),
            _ => throw new ArgumentOutOfRangeException(nameof(request)),
        };
    }

    private static IImportFormat<TRow>? FormatFor<TRow>(EventFamily family, string name) => (family, name) switch
    {
        (EventFamily.Usage, "custodian") => (IImportFormat<TRow>)(object)new UsageCsvFormat(),
        (EventFamily.Usage, "asterisk") => (IImportFormat<TRow>)(object)new AsteriskCdrFormat(),
        (EventFamily.Traffic, "custodian") => (IImportFormat<TRow>)(object)new TrafficCsvFormat(),
        _ => null,
    };

    private async Task<ImportResult> RunAsync<TRow>(EventTable<TRow> table, ImportRequest request, ImportProgress? progress, CancellationToken ct)
        where TRow : class
    {
        var kind = EventPartitions.FamilyName(table.Family);
        var formatName = (request.Format ?? "custodian").Trim().ToLowerInvariant();
        var format = FormatFor<TRow>(table.Family, formatName);
        if (format is null)
        {
            return Fail("", 0, "format", "import.format.unknown",
                table.Family == EventFamily.Usage ? "The format must be 'custodian' or 'asterisk'." : "The format must be 'custodian'.");
        }

        if (!File.Exists(request.FilePath))
        {
            return Fail("", 0, null, "import.file.not_found", "The file does not exist.");
        }

        DateTimeZone? zone = null;
        if (formatName == "asterisk")
        {
            zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(request.TimeZone ?? DefaultTimeZone);
            if (zone is null)
            {
                return Fail("", 0, "timezone", "import.timezone.unknown", "The time zone is not an IANA zone id such as Europe/Amsterdam.");
            }
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        db.ScopeTo(TenantScope.Everything);
        var organizations = await db.Organizations.AsNoTracking()
            .Select(o => new { o.Code, o.Id })
            .ToDictionaryAsync(o => o.Code.ToLowerInvariant(), o => o.Id, ct);
        Guid? tenantId = null;
        if (request.TenantCode is { } code)
        {
            if (!organizations.TryGetValue(code.Trim().ToLowerInvariant(), out var id))
            {
                return Fail("", 0, "tenant", "import.tenant.unknown", "No organisation has the code given with --tenant.");
            }

            tenantId = id;
        }

        // A PBX appends to Master.csv: today's file is yesterday's plus new lines. Completed imports of shorter files
        // of the same kind, scope and format are candidates for being a prefix of this one (checked in the hash pass).
        var fileLength = new FileInfo(request.FilePath).Length;
        var scopeKey = tenantId?.ToString() ?? ImportBatch.EveryOrganization;
        var prefixes = await db.Set<ImportBatch>().AsNoTracking()
            .Where(b => b.Kind == kind && b.ScopeKey == scopeKey && b.Format == formatName && b.Status == ImportBatch.Completed
                && b.FileBytes > 0 && b.FileBytes < fileLength)
            .OrderByDescending(b => b.FileBytes)
            .Take(8)
            .ToListAsync(ct);

        var (sha256, length, prefixHashes, encodingProblem) = await HashAsync(request.FilePath, [.. prefixes.Select(b => b.FileBytes)], ct);
        if (encodingProblem is not null)
        {
            return new ImportResult(ImportOutcome.FileError, sha256, Problem: encodingProblem);
        }

        // The file's identity is its kind and content; the options are how its rows are read. The same file read
        // another way (another tenant, format or time zone) would store its rows again, so it is refused, not skipped.
        var batch = await db.Set<ImportBatch>()
            .SingleOrDefaultAsync(b => b.Kind == kind && b.FileSha256 == sha256 && b.Status != ImportBatch.Abandoned, ct);
        if (batch is { Status: ImportBatch.Abandoning })
        {
            return Fail(sha256, 0, null, "import.batch_abandoning",
                $"This file's earlier import (batch {batch.Id}) is being abandoned; finish that with 'custodian import abandon {batch.Id}', then import the file again.");
        }

        if (batch is not null && (batch.ScopeKey != scopeKey || batch.Format != formatName || batch.TimeZone != zone?.Id))
        {
            var earlier = batch.Status == ImportBatch.Completed ? "was imported" : "has an interrupted import";
            return Fail(sha256, 0, null, "import.options_differ",
                $"This file {earlier} as batch {batch.Id} with {DescribeOptions(batch.Format, batch.TimeZone, batch.ScopeKey, organizations)}; " +
                $"importing it with {DescribeOptions(formatName, zone?.Id, scopeKey, organizations)} would store its rows a second time. " +
                $"To import it with these options, first run 'custodian import abandon {batch.Id}' (it removes that batch's rows).");
        }

        if (batch is { Status: ImportBatch.Completed })
        {
            return new ImportResult(ImportOutcome.AlreadyImported, sha256, batch.Id, batch.RowsImported, batch.RowsRejected, CompletedAt: batch.CompletedAt);
        }

        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        var (retainedFrom, retentionText) = RetentionBound(table, now);
        var context = new ImportContext
        {
            BatchId = batch?.Id ?? Guid.CreateVersion7(),
            TenantId = tenantId,
            Organizations = organizations,
            Zone = zone ?? DateTimeZone.Utc,
            Now = now,
            RetainedFrom = retainedFrom,
            RetentionText = retentionText,
        };

        // Pass 2 starts with the first record: the header (or first row) is checked before anything is stored.
        await using var file = new FileStream(request.FilePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        using var hashing = new HashingStream(file);
        using var text = new StreamReader(hashing, new UTF8Encoding(false, true), detectEncodingFromByteOrderMarks: true, 1 << 16);
        var csv = new CsvRecordReader(text);
        var fields = new List<string>(32);
        var hasFirst = csv.Read(fields);
        var firstIsData = false;
        if (hasFirst)
        {
            if (format.CheckFirst(fields, context, out var isHeader) is { } problem)
            {
                return new ImportResult(ImportOutcome.FileError, sha256, Problem: problem);
            }

            firstIsData = !isHeader;
        }
        else if (format is not AsteriskCdrFormat)
        {
            return Fail(sha256, 1, null, "import.header.missing", "The file is empty; Custodian's CSV formats start with a header row.");
        }

        ImportBatch? extends = null;
        if (batch is null)
        {
            extends = prefixes.FirstOrDefault(b => b.TimeZone == zone?.Id
                && prefixHashes.TryGetValue(b.FileBytes, out var h) && string.Equals(h, b.FileSha256, StringComparison.Ordinal));
            batch = new ImportBatch
            {
                Id = context.BatchId,
                Kind = kind,
                Format = formatName,
                FileSha256 = sha256,
                FileBytes = length,
                FileName = Path.GetFileName(request.FilePath),
                ScopeKey = scopeKey,
                TimeZone = zone?.Id,
                StartedAt = context.Now,
                UpdatedAt = context.Now,
                ExtendsBatchId = extends?.Id,

                // The lines of the earlier file are stored already (by that batch): start after them.
                CommittedLine = extends?.CommittedLine ?? 0,
            };
            db.Set<ImportBatch>().Add(batch);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException e) when (DatabaseErrors.IsUniqueViolation(e))
            {
                return Fail(sha256, 0, null, "import.concurrent", "Another process started importing this file at the same moment; run the import again when it has finished.");
            }
        }

        var resumedAfter = batch.CommittedLine;
        if (progress is not null)
        {
            progress.TotalBytes = length;
        }

        var rejectPath = request.RejectFile ?? request.FilePath + ".rejects.csv";
        await using var rejects = new RejectWriter(rejectPath);
        var channel = Channel.CreateBounded<Slice<TRow>>(new BoundedChannelOptions(SlicesInFlight) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);

        var producer = Task.Run(
            async () =>
            {
                try
                {
                    await ProduceAsync(csv, fields, hasFirst && firstIsData, format, context, resumedAfter, extends?.CommittedLine ?? 0, channel.Writer, rejects, file, progress, stop.Token);
                    hashing.ReadToEnd();
                    if (!string.Equals(hashing.HashHex(), sha256, StringComparison.Ordinal))
                    {
                        throw new ImportFileChangedException();
                    }

                    channel.Writer.Complete();
                }
                catch (Exception e)
                {
                    channel.Writer.Complete(e);
                }
            },
            CancellationToken.None);

        try
        {
            await ConsumeAsync(db, table, batch, extends?.Id, channel.Reader, request, progress, ct);
        }
        catch (ImportFileChangedException)
        {
            await producer;
            return Fail(sha256, 0, null, "import.file.changed",
                $"The file changed while it was being imported; rows up to line {batch.CommittedLine} are stored under batch {batch.Id}. Import a finished file.");
        }
        catch
        {
            await stop.CancelAsync();
            await producer;
            throw;
        }

        await producer;
        return new ImportResult(
            ImportOutcome.Imported, sha256, batch.Id, batch.RowsImported, batch.RowsRejected, rejects.Count,
            rejects.Count > 0 ? rejectPath : null, extends is null ? resumedAfter : 0, batch.CompletedAt, ExtendsBatchId: extends?.Id);

        static ImportResult Fail(string sha, long line, string? field, string rule, string message) =>
            new(ImportOutcome.FileError, sha, Problem: new FileProblem(line, field, rule, message));
    }

    /// <summary>
    /// The earliest start a record of <paramref name="family"/> may have to be stored at <paramref name="now"/>: exactly
    /// the sweep's bound (<see cref="RetentionCutoff.AnchorBefore"/>), so a stored record is never one a sweep starting
    /// now would delete. Null when the register's rule for the family is not counted from the record's time (the sweep
    /// refuses such a register, so nothing is decided here). The demo seeder writes only records from this instant on.
    /// </summary>
    public Instant? RetainedFrom(EventFamily family, Instant now) => RetentionBound(EventTableOf(family), now).From;

    private static EventTable EventTableOf(EventFamily family) => family switch
    {
        EventFamily.Usage => UsageTable.Instance,
        EventFamily.Traffic => TrafficTable.Instance,
        _ => throw new ArgumentOutOfRangeException(nameof(family)),
    };

    private (Instant? From, string Text) RetentionBound(EventTable table, Instant now)
    {
        var category = RetentionSweeper.EventCategory(table);
        var rule = register.Categories.FirstOrDefault(c => c.Id == category)?.Retention;
        if (rule is not FixedRetention { Anchor: RetentionAnchor.RecordTime })
        {
            return (null, string.Empty);
        }

        var from = RetentionCutoff.For(RetentionSchedule.For(rule), now).AnchorBefore;
        return (from, $"{category}: {RetentionRuleText.Describe(register, rule)}");
    }

    /// <summary>The options that decide how a file's rows are read, as the operator gives them on the command line.</summary>
    private static string DescribeOptions(string format, string? timeZone, string scopeKey, Dictionary<string, Guid> organizations)
    {
        var tenant = scopeKey == ImportBatch.EveryOrganization
            ? "no --tenant"
            : $"--tenant {organizations.FirstOrDefault(o => o.Value.ToString() == scopeKey).Key ?? scopeKey}";
        return $"--format {format}{(timeZone is null ? "" : $" --timezone {timeZone}")} {tenant}";
    }

    /// <summary>Rows handed from the parser to the writer at a time: small, so the rows in memory stay few however large a chunk is.</summary>
    internal const int SliceRows = 10_000;

    /// <summary>Slices the parser may run ahead of the writer (it keeps parsing while the writer commits).</summary>
    private const int SlicesInFlight = 8;

    /// <summary>Part of a chunk. <paramref name="EndsChunk"/>: the chunk has its <see cref="ImportOptions.ChunkRows"/> rows, commit after it.</summary>
    private sealed record Slice<TRow>(List<TRow> Rows, long LastLine, int Rejected, bool EndsChunk, bool IsLast);

    private async Task ProduceAsync<TRow>(
        CsvRecordReader csv, List<string> fields, bool firstIsPending, IImportFormat<TRow> format, ImportContext context, long resumeAfter, long batchStartsAfter,
        ChannelWriter<Slice<TRow>> writer, RejectWriter rejects, FileStream file, ImportProgress? progress, CancellationToken ct)
        where TRow : class
    {
        var sliceRows = Math.Min(SliceRows, options.ChunkRows);
        var rows = new List<TRow>(sliceRows);
        var inChunk = 0;
        var rejected = 0;
        var lastLine = resumeAfter;
        var pending = firstIsPending;
        var sinceReport = 0;
        while (pending || csv.Read(fields))
        {
            pending = false;
            if (csv.EndLine <= resumeAfter)
            {
                // Stored by an earlier, interrupted run of this batch. Its rejected rows are listed again: this run's reject
                // file replaces that run's (which a kill leaves cut off at an arbitrary buffer), and must still name every
                // rejected row of the batch, as an uninterrupted run's does (found by the import crash test). Counted
                // already, so not again; the lines of the batch this one extends are that batch's business.
                if (csv.EndLine > batchStartsAfter)
                {
                    var earlier = csv.Problem is { } earlierProblem ? CsvReject(csv.Line, earlierProblem)
                        : format.Parse(fields, csv.Line, context, out var parseReject) is null ? parseReject : null;
                    if (earlier is not null)
                    {
                        await rejects.WriteAsync(earlier, ct);
                    }
                }

                continue;
            }

            lastLine = csv.EndLine;
            TRow? row = null;
            RowReject? reject;
            if (csv.Problem is { } problem)
            {
                reject = CsvReject(csv.Line, problem);
            }
            else
            {
                row = format.Parse(fields, csv.Line, context, out reject);
            }

            if (row is not null)
            {
                rows.Add(row);
            }
            else
            {
                rejected++;
                await rejects.WriteAsync(reject!, ct);
                progress?.Rejected();
            }

            if (++sinceReport >= 4096)
            {
                sinceReport = 0;
                progress?.Read(file.Position, lastLine);
            }

            var endsChunk = inChunk + rows.Count >= options.ChunkRows;
            if (endsChunk || rows.Count >= sliceRows)
            {
                await writer.WriteAsync(new Slice<TRow>(rows, lastLine, rejected, endsChunk, IsLast: false), ct);
                inChunk = endsChunk ? 0 : inChunk + rows.Count;
                rows = new List<TRow>(sliceRows);
                rejected = 0;
            }
        }

        progress?.Read(file.Position, lastLine);
        await rejects.FlushAsync(ct);
        await writer.WriteAsync(new Slice<TRow>(rows, lastLine, rejected, EndsChunk: true, IsLast: true), ct);
    }

    private static RowReject CsvReject(long line, string problem) => new(line, "*", problem, problem switch
    {
        "csv.unterminated_quote" => "A quoted field is not closed before the end of the file.",
        "csv.too_long" => $"The row is longer than {CsvRecordReader.MaxRecordChars} characters.",
        _ => "A field has text after its closing quote, or a quote inside an unquoted field.",
    });

    private async Task ConsumeAsync<TRow>(
        CustodianDbContext db, EventTable<TRow> table, ImportBatch batch, Guid? extends, ChannelReader<Slice<TRow>> reader, ImportRequest request,
        ImportProgress? progress, CancellationToken ct)
        where TRow : class
    {
        await db.Database.OpenConnectionAsync(ct);
        var connection = db.Database.GetDbConnection();
        var engine = connection is NpgsqlConnection ? DatabaseEngine.Postgres : DatabaseEngine.Sqlite;
        if (engine == DatabaseEngine.Sqlite)
        {
            await SetSqliteCacheAsync(connection, SqliteImportCacheKib, ct);
        }

        // Months with a main-database table: a sealed SQLite month that receives late rows gets a new one (EnsurePartitionsAsync).
        var months = (await EventPartitions.MainTableMonthsAsync(connection, null, table, ct)).ToHashSet();
        try
        {
            await WriteChunksAsync(db, table, batch, extends, reader, request, progress, engine, months, ct);
        }
        finally
        {
            if (engine == DatabaseEngine.Sqlite)
            {
                await SetSqliteCacheAsync(connection, SqliteDefaultCacheKib, CancellationToken.None);
            }
        }
    }

    private async Task WriteChunksAsync<TRow>(
        CustodianDbContext db, EventTable<TRow> table, ImportBatch batch, Guid? extends, ChannelReader<Slice<TRow>> reader, ImportRequest request,
        ImportProgress? progress, DatabaseEngine engine, HashSet<YearMonth> months, CancellationToken ct)
        where TRow : class
    {
        var connection = db.Database.GetDbConnection();
        var number = 0;
        IDbContextTransaction? tx = null;
        IRowSink<TRow>? sink = null;
        var (rows, rejected, lastLine) = (0L, 0, 0L);
        var totals = new Dictionary<(YearMonth Month, Guid Organization), (long Rows, Instant Earliest)>();
        try
        {
            await foreach (var slice in reader.ReadAllAsync(ct))
            {
                var newMonths = slice.Rows.Select(r => EventPartitions.MonthOf(table.StartOf(r))).Distinct().Where(m => !months.Contains(m)).ToList();
                if (newMonths.Count > 0)
                {
                    // Partition DDL runs in its own short transaction (EventPartitions): a new month ends the chunk early.
                    if (tx is not null)
                    {
                        await CommitAsync(isLast: false);
                    }

                    foreach (var month in newMonths)
                    {
                        await EventPartitions.EnsurePartitionsAsync(connection, engine, table, month, month, ct);
                        months.Add(month);
                    }
                }

                tx ??= await db.Database.BeginTransactionAsync(ct);
                sink ??= engine == DatabaseEngine.Postgres
                    ? new PostgresSink<TRow>((NpgsqlConnection)connection, table)
                    : new SqliteSink<TRow>((SqliteConnection)connection, (SqliteTransaction)tx.GetDbTransaction(), table);
                await sink.WriteAsync(slice.Rows, ct);
                Tally(slice.Rows);
                (rows, rejected, lastLine) = (rows + slice.Rows.Count, rejected + slice.Rejected, slice.LastLine);
                if (slice.EndsChunk || slice.IsLast)
                {
                    await CommitAsync(slice.IsLast);
                }
            }
        }
        finally
        {
            // Only after a failure: disposing an open transaction rolls the chunk back.
            if (sink is not null)
            {
                await sink.DisposeAsync();
            }

            if (tx is not null)
            {
                await tx.DisposeAsync();
            }
        }

        async Task CommitAsync(bool isLast)
        {
            await sink!.CompleteAsync(ct);
            await sink.DisposeAsync();
            sink = null;

            // The month totals the sweep reads instead of counting a month: in the chunk's transaction, like its rows.
            await EventMonthTotals.AddAsync(connection, tx!.GetDbTransaction(), table, totals.Select(t => new MonthTotal(t.Key.Month, t.Key.Organization, t.Value.Rows, t.Value.Earliest)), ct);
            totals.Clear();

            // Crash tests kill the process here: the chunk's rows are written but not committed.
            FailPoints.Hit("import.chunk_written");
            var now = Instant.FromDateTimeOffset(time.GetUtcNow());
            batch.CommittedLine = lastLine;
            batch.RowsImported += rows;
            batch.RowsRejected += rejected;
            batch.UpdatedAt = now;
            if (isLast)
            {
                batch.Status = ImportBatch.Completed;
                batch.CompletedAt = now;
            }

            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateConcurrencyException)
            {
                throw new InvalidOperationException(
                    $"Import batch {batch.Id} was advanced by another process; this run stops without storing its chunk.");
            }

            if (isLast)
            {
                await audit.AppendAsync(db, Describe(table.Family, batch, extends, request.Actor), ct);
                await db.SaveChangesAsync(ct);
            }

            await tx!.CommitAsync(ct);
            await tx.DisposeAsync();
            tx = null;
            progress?.Stored(rows);
            (rows, rejected) = (0, 0);
            options.AfterChunkCommitted?.Invoke(++number);
        }

        void Tally(List<TRow> written)
        {
            foreach (var row in written)
            {
                var start = table.StartOf(row);
                var key = (EventPartitions.MonthOf(start), table.OrganizationOf(row));
                totals[key] = totals.TryGetValue(key, out var seen)
                    ? (seen.Rows + 1, start < seen.Earliest ? start : seen.Earliest)
                    : (1, start);
            }
        }
    }

    /// <summary>
    /// SQLite's page cache during an import (KiB). Each row touches a leaf of every index; with the default 2 MB cache
    /// those leaves fall out of the cache and are read again, so a larger cache keeps index maintenance in memory.
    /// Bounded: memory does not grow with the file.
    /// </summary>
    private const int SqliteImportCacheKib = 64 * 1024;

    /// <summary>SQLite's default cache (2 MB), restored when the import ends: the pooled connection is reused by others.</summary>
    private const int SqliteDefaultCacheKib = 2000;

    private static async Task SetSqliteCacheAsync(System.Data.Common.DbConnection connection, int kib, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA cache_size = -{kib}");
        await command.ExecuteNonQueryAsync(ct);
    }

    private static AuditEntry Describe(EventFamily family, ImportBatch batch, Guid? extends, AuditActor actor)
    {
        var details = new Dictionary<string, string>
        {
            ["batch_id"] = batch.Id.ToString(),
            ["file_sha256"] = batch.FileSha256,
            ["format"] = batch.Format,
            ["rows_imported"] = batch.RowsImported.ToString(CultureInfo.InvariantCulture),
            ["rows_rejected"] = batch.RowsRejected.ToString(CultureInfo.InvariantCulture),
        };
        if (extends is { } earlier)
        {
            details["extends_batch_id"] = earlier.ToString();
        }

        return new(
            family == EventFamily.Usage ? "usage.imported" : "traffic.imported",
            actor,
            batch.ScopeKey == ImportBatch.EveryOrganization ? null : Guid.Parse(batch.ScopeKey),
            [new AuditObject("import_batch", batch.Id.ToString())],
            Details: details);
    }

    /// <summary>Writes a chunk's slices into the open transaction; <see cref="CompleteAsync"/> before the commit.</summary>
    private interface IRowSink<TRow> : IAsyncDisposable
    {
        Task WriteAsync(List<TRow> rows, CancellationToken ct);

        Task CompleteAsync(CancellationToken ct);
    }

    /// <summary>One binary COPY per chunk, into the parent: PostgreSQL routes each row to its month's partition.</summary>
    private sealed class PostgresSink<TRow>(NpgsqlConnection connection, EventTable<TRow> table) : IRowSink<TRow>
    {
        private NpgsqlBinaryImporter? _copy;

        public async Task WriteAsync(List<TRow> rows, CancellationToken ct)
        {
            if (rows.Count == 0)
            {
                return;
            }

            _copy ??= await connection.BeginBinaryImportAsync($"COPY {table.Name} ({table.ColumnList}) FROM STDIN (FORMAT BINARY)", ct);
            foreach (var row in rows)
            {
                _copy.StartRow();
                table.WritePostgres(_copy, row);
            }
        }

        public async Task CompleteAsync(CancellationToken ct)
        {
            if (_copy is not null)
            {
                await _copy.CompleteAsync(ct);
            }
        }

        /// <summary>Without <see cref="CompleteAsync"/> this cancels the COPY (the transaction then rolls back).</summary>
        public async ValueTask DisposeAsync()
        {
            if (_copy is not null)
            {
                await _copy.DisposeAsync();
                _copy = null;
            }
        }
    }

    /// <summary>One prepared INSERT per month table, kept for the whole chunk.</summary>
    private sealed class SqliteSink<TRow>(SqliteConnection connection, SqliteTransaction tx, EventTable<TRow> table) : IRowSink<TRow>
    {
        private readonly Dictionary<YearMonth, SqliteCommand> _commands = [];
        private YearMonth? _lastMonth;
        private SqliteCommand? _command;

        public Task WriteAsync(List<TRow> rows, CancellationToken ct)
        {
            foreach (var row in rows)
            {
                // Rows mostly arrive in time order, so the last month's statement is usually the right one.
                var month = EventPartitions.MonthOf(table.StartOf(row));
                if (month != _lastMonth)
                {
                    _command = Command(month);
                    _lastMonth = month;
                }

                table.BindSqlite(_command!.Parameters, row);
                _command.ExecuteNonQuery();
            }

            return Task.CompletedTask;
        }

        public Task CompleteAsync(CancellationToken ct) => Task.CompletedTask;

        public ValueTask DisposeAsync()
        {
            foreach (var c in _commands.Values)
            {
                c.Dispose();
            }

            _commands.Clear();
            return ValueTask.CompletedTask;
        }

        private SqliteCommand Command(YearMonth month)
        {
            if (_commands.TryGetValue(month, out var command))
            {
                return command;
            }

            command = connection.CreateCommand();
            command.Transaction = tx;
            command.CommandText = $"INSERT INTO {table.MonthTable(month)} ({table.ColumnList}) VALUES ({string.Join(", ", table.Columns.Select((_, i) => $"$p{i}"))})";
            for (var i = 0; i < table.Columns.Count; i++)
            {
                command.Parameters.Add(new SqliteParameter($"$p{i}", null));
            }

            command.Prepare();
            _commands[month] = command;
            return command;
        }
    }

    /// <summary>
    /// Pass 1: the file's SHA-256 and length, the SHA-256 of each prefix length asked for (when that prefix ends with a
    /// line break: a shorter file whose last line was still being written is no prefix), and a check that the file is
    /// valid UTF-8 (before anything is stored).
    /// </summary>
    private static async Task<(string Sha256, long Length, Dictionary<long, string> Prefixes, FileProblem? Problem)> HashAsync(
        string path, long[] prefixLengths, CancellationToken ct)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var open = prefixLengths.Distinct().Order().Select(n => (Length: n, Hash: IncrementalHash.CreateHash(HashAlgorithmName.SHA256))).ToList();
        var prefixes = new Dictionary<long, string>();
        var decoder = new UTF8Encoding(false, true).GetDecoder();
        var buffer = new byte[1 << 20];
        var chars = new char[(1 << 20) + 4];
        long length = 0;
        long line = 1;
        FileProblem? problem = null;
        try
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            int read;
            while ((read = await stream.ReadAsync(buffer, ct)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                foreach (var (prefixLength, prefixHash) in open.Where(p => p.Length > length && !prefixes.ContainsKey(p.Length)))
                {
                    var take = (int)Math.Min(read, prefixLength - length);
                    prefixHash.AppendData(buffer, 0, take);
                    if (length + take == prefixLength && buffer[take - 1] == (byte)'\n')
                    {
                        prefixes[prefixLength] = Convert.ToHexStringLower(prefixHash.GetHashAndReset());
                    }
                }

                length += read;
                if (problem is null)
                {
                    try
                    {
                        decoder.GetChars(buffer, 0, read, chars, 0, flush: false);
                    }
                    catch (DecoderFallbackException e)
                    {
                        var before = e.Index >= 0 ? Math.Min(e.Index, read) : 0;
                        problem = new FileProblem(line + buffer.AsSpan(0, before).Count((byte)'\n'), null, "import.file.encoding",
                            "The file is not valid UTF-8; save it as UTF-8 and import it again.");
                    }

                    line += buffer.AsSpan(0, read).Count((byte)'\n');
                }
            }
        }
        finally
        {
            foreach (var (_, prefixHash) in open)
            {
                prefixHash.Dispose();
            }
        }

        return (Convert.ToHexStringLower(hash.GetHashAndReset()), length, prefixes, problem);
    }
}

/// <summary>The file's bytes differ between the hash pass and the import pass.</summary>
internal sealed class ImportFileChangedException() : Exception("The file changed during the import.");
