using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Custodian.Core.Common;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using NodaTime;
using Npgsql;

namespace Custodian.Bench;

/// <summary>
/// The retention benchmark for one engine (issue 4 §4). Every measurement runs on its own copy of one base database
/// (SQLite: the file and data folder copied after a WAL checkpoint; PostgreSQL: <c>CREATE DATABASE ... TEMPLATE</c>),
/// wired like the product (fixed master key, the shipped register, blobs, the sweep) with a clock the benchmark sets.
/// </summary>
internal sealed class SweepBenchmark(DatabaseEngine engine, string workDir, PostgresServer? postgres, int repeat, TextWriter log)
{
    private const string UsageCategory = "usage.call_detail_records";
    private const string RecordingCategory = "general.support_call_recordings";

    private static readonly AuditActor Actor = new(AuditActorKind.Cli, "cli:bench");

    private readonly MasterKey _masterKey = MasterKey.FromBytes(RandomNumberGenerator.GetBytes(32));
    private readonly ProcessingRegister _register = LoadRegister();
    private readonly Guid _organizationId = Guid.CreateVersion7();
    private int _copies;

    private string Name => engine == DatabaseEngine.Sqlite ? "sqlite" : "postgres";

    internal sealed record MonthResult(
        long TotalRows, string Month, long MonthRows, double ColdProduct,
        double[] ProductRuns, double[] DeleteRuns, double[] DropRuns, double? Vacuum, double? DropCheckpoint, double? DeleteCheckpoint)
    {
        public double Product => Median(ProductRuns);

        public double Delete => Median(DeleteRuns);

        public double Drop => Median(DropRuns);
    }

    internal sealed record RecordsResult(int Records, int ContentBytes, double[] Runs)
    {
        public double Seconds => Median(Runs);
    }

    /// <summary>Part 1: one wholly expired month of N usage records over seven months.</summary>
    public async Task<MonthResult> MonthsAsync(long rows, ulong seed, CancellationToken ct)
    {
        var shape = new UsageShape(rows, 10_000, 200_000, new YearMonth(2025, 1), 7, seed);
        var expired = shape.From;
        var table = UsageTable.Instance;
        var monthTable = table.MonthTable(expired);

        // The clock of the sweep: the first day on which every record of the oldest month is expired. Expiry is in whole
        // Amsterdam days, months are UTC: on that day the records of the next month's first Amsterdam day (its first
        // 23 or 22 UTC hours) are expired too. They are left out of the data, so the sweep has the month to drop and
        // nothing else, the same rows as the DELETE and the DROP.
        var schedule = RetentionSchedule.For(_register.Category(UsageCategory).Retention);
        var monthEnd = MonthStart(expired.PlusMonths(1));
        var day = RetentionCalendar.DayOf(shape.End);
        while (RetentionCutoff.For(schedule, RetentionCalendar.StartOf(day)).AnchorBefore < monthEnd)
        {
            day = day.PlusDays(1);
        }

        var sweepAt = RetentionCalendar.StartOf(day) + Duration.FromHours(3.5); // 03:30, serve's default
        var cutoff = RetentionCutoff.For(schedule, sweepAt).AnchorBefore;
        log.WriteLine($"[{Name}] clock {sweepAt} (Amsterdam {sweepAt.InZone(RetentionCalendar.Zone):uuuu-MM-dd HH:mm}): records that started before {cutoff} are expired; month {expired:uuuu-MM} is wholly expired");

        var generator = new UsageGenerator(shape);
        var csv = Path.Combine(workDir, "usage.csv");
        var sw = Stopwatch.StartNew();
        generator.WriteCsv(csv);
        log.WriteLine($"[{Name}] CSV of {rows:N0} rows written in {sw.Elapsed.TotalSeconds:F1} s");

        // Seven months of records under a six-month rule are never all within retention at one instant, and the importer
        // refuses expired rows. So they arrive as they would in production: the first six months imported at the start
        // of the seventh, the seventh at its end.
        var lastMonth = MonthStart(expired.PlusMonths(6));
        var (early, late) = SplitCsv(csv, lastMonth);
        await using var baseDb = await CreateBaseAsync("months", lastMonth, ct);
        sw.Restart();
        var importer = baseDb.Db.Services.GetRequiredService<EventImporter>();
        var first = await importer.ImportAsync(new ImportRequest(EventFamily.Usage, early, Actor), null, ct);
        baseDb.Clock.SetUtcNow(shape.End.ToDateTimeOffset());
        var second = await importer.ImportAsync(new ImportRequest(EventFamily.Usage, late, Actor), null, ct);
        if (first.Outcome != ImportOutcome.Imported || second.Outcome != ImportOutcome.Imported || first.RowsImported + second.RowsImported != rows)
        {
            throw new InvalidOperationException($"import: {first.Outcome}/{second.Outcome}, {first.RowsImported + second.RowsImported} rows, {first.Problem ?? second.Problem}");
        }

        File.Delete(early);
        File.Delete(late);

        log.WriteLine($"[{Name}] imported through EventImporter (the product's import path) in {sw.Elapsed.TotalSeconds:F1} s");
        File.Delete(csv);

        var gap = await ExecuteAsync(baseDb.Db, $"DELETE FROM {(engine == DatabaseEngine.Sqlite ? table.MonthTable(expired.PlusMonths(1)) : table.Name)} WHERE start_time >= @from AND start_time < @to", ct,
            ("@from", Time(monthEnd)), ("@to", Time(cutoff)));
        // The month totals (EventMonthTotals) as the product keeps them: the rows above went by a plain DELETE, so the
        // next month's line is recomputed (what the sweep would have left had it deleted them: nothing expired there).
        var next = expired.PlusMonths(1);
        await ExecuteAsync(baseDb.Db, string.Create(CultureInfo.InvariantCulture, $"DELETE FROM event_month_totals WHERE family = 'usage' AND month = {EventPartitions.Code(next)}"), ct);
        await ExecuteAsync(baseDb.Db, string.Create(CultureInfo.InvariantCulture,
            $"INSERT INTO event_month_totals (family, month, organization_id, row_count, earliest_start) SELECT 'usage', {EventPartitions.Code(next)}, organization_id, count(*), min(start_time) FROM {table.MonthTable(next)} GROUP BY organization_id"), ct);
        var monthRows = await baseDb.Db.ScalarAsync($"SELECT count(*) FROM {monthTable}", ct);
        var total = await baseDb.Db.ScalarAsync($"SELECT count(*) FROM {table.Name}", ct);
        log.WriteLine($"[{Name}] removed the {gap:N0} records of {monthEnd}..{cutoff} from the base; {total:N0} records, {monthRows:N0} in {monthTable}");

        // SQLite: the months an earlier nightly sweep would have sealed into their own files (EventMonthFiles) are
        // sealed in the base, so the measured sweep meets the product's layout. The DELETE and the bare removal run on
        // the same layout: the DELETE in the month's file, the bare removal deletes that file.
        string? sealedAlias = null;
        if (engine == DatabaseEngine.Sqlite)
        {
            await using var connection = (SqliteConnection)await baseDb.Db.OpenRawAsync(ct);
            foreach (var month in (await EventPartitions.MainTableMonthsAsync(connection, null, table, ct)).Where(m => m.CompareTo(EventPartitions.SettledBefore(sweepAt)) < 0))
            {
                sw.Restart();
                var sealedRows = await EventMonthFiles.SealAsync(connection, table, month, ct);
                log.WriteLine($"[{Name}] sealed {month:uuuu-MM} ({sealedRows:N0} rows) into its own file in {sw.Elapsed.TotalSeconds:F1} s (not part of the sweep measured below)");
            }

            // And the months still written to sorted so far, as the nightly sweeps before would have left them: the
            // measured sweep then sorts only what arrived since (here nothing), not a whole month at once.
            foreach (var month in (await EventPartitions.MainTableMonthsAsync(connection, null, table, ct)).Where(m => m.CompareTo(EventPartitions.SettledBefore(sweepAt)) >= 0))
            {
                sw.Restart();
                var moved = await EventMonthRewrite.SortTailSqliteAsync(connection, table, month, ct);
                log.WriteLine($"[{Name}] sorted {month:uuuu-MM} so far ({moved:N0} rows) in {sw.Elapsed.TotalSeconds:F1} s (not part of the sweep measured below)");
            }

            sealedAlias = EventMonthFiles.Alias(table, expired);
            SqliteConnection.ClearAllPools();
        }
        else
        {
            // PostgreSQL: likewise, the months an earlier sweep would have rewritten in subscriber order (EventMonthRewrite).
            await using var connection = (NpgsqlConnection)await baseDb.Db.OpenRawAsync(ct);
            foreach (var month in await EventMonthRewrite.PendingAsync(connection, table, EventPartitions.SettledBefore(sweepAt), ct))
            {
                sw.Restart();
                var rewritten = await EventMonthRewrite.RewriteAsync(connection, table, month, ct);
                log.WriteLine($"[{Name}] rewrote {month:uuuu-MM} ({rewritten ?? 0:N0} rows) in subscriber order in {sw.Elapsed.TotalSeconds:F1} s (not part of the sweep measured below)");
            }
        }

        await baseDb.Db.CheckpointAsync(ct);
        if (engine == DatabaseEngine.Postgres)
        {
            await ExecuteAsync(baseDb.Db, "VACUUM ANALYZE", ct);
        }

        // Warm-up: one whole product sweep on a copy, not counted (the first sweep in a process JITs and builds EF's model).
        double cold;
        await using (var copy = await CopyAsync(baseDb, sweepAt, ct))
        {
            cold = await ProductSweepAsync(copy, expired, monthRows, ct);
            log.WriteLine($"[{Name}] warm-up product sweep (first in the process): {cold:F3} s");
        }

        var product = new List<double>();
        var delete = new List<double>();
        var drop = new List<double>();
        var vacuum = new List<double>();
        var dropCheckpoint = new List<double>();
        var deleteCheckpoint = new List<double>();
        for (var run = 1; run <= repeat; run++)
        {
            await using (var copy = await CopyAsync(baseDb, sweepAt, ct))
            {
                product.Add(await ProductSweepAsync(copy, expired, monthRows, ct));
                log.WriteLine($"[{Name}] run {run}: product sweep {product[^1]:F3} s");
            }

            await using (var copy = await CopyAsync(baseDb, sweepAt, ct))
            {
                await using var connection = await copy.Db.OpenRawAsync(ct);
                var source = sealedAlias is not null ? EventMonthFiles.RecordsTable(sealedAlias) : engine == DatabaseEngine.Sqlite ? monthTable : table.Name;
                sw.Restart();
                var deleted = await ExecuteAsync(connection, $"DELETE FROM {source} WHERE start_time < @cutoff", ct, ("@cutoff", Time(cutoff)));
                delete.Add(sw.Elapsed.TotalSeconds);
                Check(deleted, monthRows, "DELETE");
                sw.Restart();
                await ExecuteAsync(connection, engine == DatabaseEngine.Sqlite ? "PRAGMA wal_checkpoint(TRUNCATE)" : $"VACUUM {monthTable}", ct);
                (engine == DatabaseEngine.Sqlite ? deleteCheckpoint : vacuum).Add(sw.Elapsed.TotalSeconds);
                log.WriteLine($"[{Name}] run {run}: DELETE {delete[^1]:F3} s, then {(engine == DatabaseEngine.Sqlite ? "WAL checkpoint" : "VACUUM")} {sw.Elapsed.TotalSeconds:F3} s");
            }

            await using (var copy = await CopyAsync(baseDb, sweepAt, ct))
            {
                await using var connection = await copy.Db.OpenRawAsync(ct);
                sw.Restart();
                if (sealedAlias is not null)
                {
                    // The bare removal of a month file: detach it and delete it (what the product's drop ends with).
                    var file = Path.Combine(EventMonthFiles.FolderOf((SqliteConnection)connection)!, EventMonthFiles.FileName(table, expired));
                    await ExecuteAsync(connection, $"DETACH DATABASE {sealedAlias}", ct);
                    foreach (var suffix in new[] { "", "-wal", "-shm" })
                    {
                        File.Delete(file + suffix);
                    }
                }
                else
                {
                    await ExecuteAsync(connection, $"DROP TABLE {monthTable}", ct);
                }

                drop.Add(sw.Elapsed.TotalSeconds);
                sw.Restart();
                if (engine == DatabaseEngine.Sqlite)
                {
                    await ExecuteAsync(connection, "PRAGMA wal_checkpoint(TRUNCATE)", ct);
                    dropCheckpoint.Add(sw.Elapsed.TotalSeconds);
                }

                log.WriteLine($"[{Name}] run {run}: bare {(sealedAlias is not null ? "month file removal" : "DROP")} {drop[^1]:F3} s{(engine == DatabaseEngine.Sqlite ? $", then WAL checkpoint {sw.Elapsed.TotalSeconds:F3} s" : "")}");
            }
        }

        return new MonthResult(
            total, expired.ToString("yyyy-MM", CultureInfo.InvariantCulture), monthRows, cold, [.. product], [.. delete], [.. drop],
            vacuum.Count > 0 ? Median([.. vacuum]) : null,
            dropCheckpoint.Count > 0 ? Median([.. dropCheckpoint]) : null,
            deleteCheckpoint.Count > 0 ? Median([.. deleteCheckpoint]) : null);
    }

    /// <summary>The whole sweep through <see cref="RetentionSweeper.RunAsync"/>, timed from call to return; checks its receipt.</summary>
    private async Task<double> ProductSweepAsync(Copy copy, YearMonth expired, long monthRows, CancellationToken ct)
    {
        var sweeper = copy.Db.Services.GetRequiredService<RetentionSweeper>();
        var progress = new StepClock();
        var sw = Stopwatch.StartNew();
        var run = await sweeper.RunAsync(progress, ct) ?? throw new InvalidOperationException("the sweep lease was taken");
        var seconds = sw.Elapsed.TotalSeconds;
        var dropped = run.DroppedPartitions();
        var deleted = run.DeletedCounts().Sum(c => c.Count);
        if (dropped.Count != 1 || dropped[0].Month != expired.ToString("yyyy-MM", CultureInfo.InvariantCulture) || dropped[0].Rows != monthRows || deleted != monthRows)
        {
            throw new InvalidOperationException($"the sweep did not drop exactly the expired month: {string.Join(", ", dropped)}; {deleted} deleted");
        }

        log.WriteLine($"[{Name}]   sweep steps: {progress}");
        log.WriteLine($"[{Name}]   per step: {progress.Breakdown()}");
        return seconds;
    }

    /// <summary>Part 2: M expired support-line recordings, each with a small encrypted content under its own data key.</summary>
    public async Task<RecordsResult> RecordsAsync(int records, CancellationToken ct)
    {
        const int contentBytes = 400;
        var created = Instant.FromUtc(2025, 1, 1, 0, 0);
        await using var baseDb = await CreateBaseAsync("records", created, ct);
        var sw = Stopwatch.StartNew();
        await CreateRecordingsAsync(baseDb, records, contentBytes, created, ct);
        await baseDb.Db.CheckpointAsync(ct);
        if (engine == DatabaseEngine.Postgres)
        {
            await ExecuteAsync(baseDb.Db, "VACUUM ANALYZE", ct);
        }

        log.WriteLine($"[{Name}] {records:N0} recordings with blobs and data keys created in {sw.Elapsed.TotalSeconds:F1} s");

        // Every recording was made in January 2025 (90 days: all expired by May); the sweep runs on 1 June.
        var sweepAt = Instant.FromUtc(2025, 6, 1, 1, 30);
        var runs = new List<double>();
        for (var run = 1; run <= repeat; run++)
        {
            await using var copy = await CopyAsync(baseDb, sweepAt, ct);
            var sweeper = copy.Db.Services.GetRequiredService<RetentionSweeper>();
            var progress = new StepClock();
            sw.Restart();
            var receipt = await sweeper.RunAsync(progress, ct) ?? throw new InvalidOperationException("the sweep lease was taken");
            runs.Add(sw.Elapsed.TotalSeconds);
            var deleted = receipt.DeletedCounts().Where(c => c.Category == RecordingCategory).Sum(c => c.Count);
            var left = await copy.Db.ScalarAsync("SELECT count(*) FROM support_call_recordings", ct);
            var liveKeys = await copy.Db.ScalarAsync("SELECT count(*) FROM data_keys WHERE destroyed_at IS NULL", ct);
            var files = Directory.Exists(Path.Combine(copy.DataFolder, "blobs"))
                ? Directory.EnumerateFiles(Path.Combine(copy.DataFolder, "blobs"), "*", SearchOption.AllDirectories).Count()
                : 0;
            if (deleted != records || left != 0 || liveKeys != 0 || files != 0)
            {
                throw new InvalidOperationException($"the sweep left something: {deleted} deleted, {left} rows, {liveKeys} live keys, {files} files");
            }

            log.WriteLine($"[{Name}] run {run}: {records:N0} recordings swept in {runs[^1]:F2} s = {records / runs[^1]:N0} records/s ({receipt.Batches} batches); steps: {progress}");
            log.WriteLine($"[{Name}]   per step: {progress.Breakdown()}");
        }

        return new RecordsResult(records, contentBytes, [.. runs]);
    }

    /// <summary>
    /// The recordings as the store makes them (<see cref="EncryptedBlobs.PutAsync"/>: a data key per recording, wrapped
    /// by the key store's KEK and bound to its row; the content encrypted by <see cref="BlobEncryptingStream"/>; the
    /// row, the blob row and the look-up index entry through EF), but in bulk: the encrypted files are written without
    /// the store's per-file fsyncs and the rows are saved 5,000 per transaction (setting up, not measured).
    /// </summary>
    private async Task CreateRecordingsAsync(Base baseDb, int records, int contentBytes, Instant created, CancellationToken ct)
    {
        var keks = baseDb.Db.Services.GetRequiredService<KeyEncryptionKeys>();
        var store = (FileSystemBlobStore)baseDb.Db.Services.GetRequiredService<IBlobStore>();
        var plaintext = new byte[contentBytes];
        var month = Duration.FromDays(31).TotalSeconds;
        for (var done = 0; done < records;)
        {
            await using var db = baseDb.Db.CreateContext(TenantScope.Everything);
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            for (var i = 0; i < 5_000 && done < records; i++, done++)
            {
                var id = Guid.CreateVersion7();
                var keyId = Guid.NewGuid();
                var blobId = Guid.NewGuid();
                var owner = DataKeyOwner.Subject(id);
                var raw = RandomNumberGenerator.GetBytes(BlobCipher.KeyLength);
                var wrapped = keks.Wrap(raw, new DataKeyIdentity(keyId, _organizationId, owner));
                RandomNumberGenerator.Fill(plaintext);
                byte[] ciphertext;
                long size;
                byte[] sha;
                await using (var encrypting = new BlobEncryptingStream(new MemoryStream(plaintext), raw, keyId, blobId))
                {
                    using var buffer = new MemoryStream();
                    await encrypting.CopyToAsync(buffer, ct);
                    ciphertext = buffer.ToArray();
                    size = encrypting.PlaintextLength;
                    sha = encrypting.Sha256;
                }

                CryptographicOperations.ZeroMemory(raw);
                var storeKey = BlobStoreKeys.NewKey();
                var path = store.PathOf(storeKey);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await File.WriteAllBytesAsync(path, ciphertext, ct);
                db.Add(new DataKey { Id = keyId, OrganizationId = _organizationId, OwnerKind = owner.Kind, OwnerId = owner.Id, WrappedKey = wrapped.Bytes, KekId = wrapped.KekId, CreatedAt = created });
                db.Add(new BlobRecord
                {
                    Id = blobId,
                    OrganizationId = _organizationId,
                    DataKeyId = keyId,
                    StoreKey = storeKey,
                    Size = size,
                    StoredSize = ciphertext.Length,
                    CiphertextSha256 = sha,
                    MediaType = "audio/ogg",
                    CreatedAt = created,
                });
                db.Add(new SupportCallRecording
                {
                    Id = id,
                    OrganizationId = _organizationId,
                    CallerNumber = UsageGenerator.Number(done % 50_000),
                    CalledAt = created + Duration.FromSeconds(month * done / records),
                    DurationSeconds = 60 + (done % 600),
                    ContentBlobId = blobId,
                    MediaType = "audio/ogg",
                    ContentLength = size,
                    CreatedAt = created,
                });
            }

            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
    }

    /// <summary>A base database and its data folder (blobs, key store).</summary>
    private sealed record Base(BenchDatabase Db, string DataFolder, FakeTimeProvider Clock) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Db.DisposeAsync();
            if (Directory.Exists(DataFolder))
            {
                Directory.Delete(DataFolder, recursive: true);
            }
        }
    }

    /// <summary>A copy of a base database with its own data folder, removed on dispose.</summary>
    private sealed record Copy(BenchDatabase Db, string DataFolder) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Db.DisposeAsync();
            if (Directory.Exists(DataFolder))
            {
                Directory.Delete(DataFolder, recursive: true);
            }
        }
    }

    private async Task<Base> CreateBaseAsync(string label, Instant now, CancellationToken ct)
    {
        var data = Path.Combine(workDir, label + ".data");
        var clock = new FakeTimeProvider(now.ToDateTimeOffset());
        var db = await BenchDatabase.CreateAsync(engine, workDir, postgres, label, null, ct, s => Wire(s, data, clock), _organizationId);
        return new Base(db, data, clock);
    }

    /// <summary>
    /// A fresh copy of <paramref name="source"/> with its clock at <paramref name="now"/>, checkpointed so the copy's
    /// measurement does not pay for the copying.
    /// </summary>
    private async Task<Copy> CopyAsync(Base source, Instant now, CancellationToken ct)
    {
        var label = string.Create(CultureInfo.InvariantCulture, $"copy{++_copies}");
        var data = Path.Combine(workDir, label + ".data");
        CopyFolder(source.DataFolder, data);
        var clock = new FakeTimeProvider(now.ToDateTimeOffset());
        BenchDatabase db;
        if (engine == DatabaseEngine.Sqlite)
        {
            // The base was checkpointed (TRUNCATE) and all its connections closed: the main file is the whole database.
            SqliteConnection.ClearAllPools();
            var dir = Path.Combine(workDir, label);
            CopyFolder(Path.GetDirectoryName(new SqliteConnectionStringBuilder(source.Db.Target.ConnectionString).DataSource)!, dir);
            var target = DatabaseTarget.Resolve(Path.Combine(dir, DatabaseTarget.DefaultSqliteFileName), dir);
            db = BenchDatabase.Open(target, _organizationId, () =>
            {
                SqliteConnection.ClearAllPools();
                Directory.Delete(dir, recursive: true);
                return ValueTask.CompletedTask;
            }, s => Wire(s, data, clock));
        }
        else
        {
            var server = postgres!;
            var template = new NpgsqlConnectionStringBuilder(source.Db.Target.ConnectionString).Database!;
            var name = $"bench_{label}_{Guid.NewGuid():N}";
            NpgsqlConnection.ClearAllPools(); // a template database must have no sessions
            await using (var admin = new NpgsqlConnection(server.AdminConnectionString))
            {
                await admin.OpenAsync(ct);

                // The base's idle pooled sessions (the product's data source keeps its own pool): the base is only copied from now on.
                await using (var terminate = new NpgsqlCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = @name AND pid <> pg_backend_pid()", admin))
                {
                    terminate.Parameters.AddWithValue("name", template);
                    await terminate.ExecuteScalarAsync(ct);
                }

                await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"", admin);
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        await command.ExecuteNonQueryAsync(ct);
                        break;
                    }
                    catch (PostgresException ex) when (ex.SqlState == "55006" && attempt < 50)
                    {
                        await Task.Delay(100, ct); // a terminated session is still leaving
                    }
                }
            }

            var target = new DatabaseTarget(DatabaseEngine.Postgres, new NpgsqlConnectionStringBuilder(source.Db.Target.ConnectionString) { Database = name }.ConnectionString);
            db = BenchDatabase.Open(target, _organizationId, async () =>
            {
                NpgsqlConnection.ClearAllPools();
                await server.DropDatabaseAsync(name);
            }, s => Wire(s, data, clock));
        }

        var copy = new Copy(db, data);
        await db.CheckpointAsync(ct);
        return copy;
    }

    private void Wire(IServiceCollection services, string dataFolder, FakeTimeProvider clock) => services
        .AddSingleton<TimeProvider>(clock)
        .AddSingleton(_masterKey)
        .AddSingleton(_register)
        .AddCustodianBlobs(dataFolder)
        .AddCustodianRetentionSweep();

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        if (!Directory.Exists(from))
        {
            return;
        }

        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        }

        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            if (!file.EndsWith("-wal", StringComparison.Ordinal) && !file.EndsWith("-shm", StringComparison.Ordinal))
            {
                var copy = Path.Combine(to, Path.GetRelativePath(from, file));
                File.Copy(file, copy);

                // On disk before the measurement: a fresh copy's gigabyte of dirty page cache would otherwise be written
                // by the first fsync the measured code makes (a commit's checkpoint), which a database that has been in
                // service does not carry.
                using var written = new FileStream(copy, FileMode.Open, FileAccess.ReadWrite);
                written.Flush(flushToDisk: true);
            }
        }
    }

    private object Time(Instant instant) => engine == DatabaseEngine.Postgres ? instant.ToDateTimeUtc() : EventTable.ToSqliteTime(instant);

    private static async Task<int> ExecuteAsync(BenchDatabase db, string sql, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var connection = await db.OpenRawAsync(ct);
        return await ExecuteAsync(connection, sql, ct, parameters);
    }

    private static async Task<int> ExecuteAsync(DbConnection connection, string sql, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 0;
        foreach (var (name, value) in parameters)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value;
            command.Parameters.Add(p);
        }

        return await command.ExecuteNonQueryAsync(ct);
    }

    private static void Check(long actual, long expected, string what)
    {
        if (actual != expected)
        {
            throw new InvalidOperationException($"{what} removed {actual} rows, expected {expected}.");
        }
    }

    private static ProcessingRegister LoadRegister()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "policy", "register.yaml");
        return RegisterLoader.Load(File.ReadAllText(path), path).Register
            ?? throw new InvalidOperationException($"the shipped register at {path} does not load");
    }

    /// <summary>Splits a usage CSV into the rows that start before <paramref name="boundary"/> and the rest (each with the header).</summary>
    private static (string Early, string Late) SplitCsv(string csv, Instant boundary)
    {
        var early = csv + ".early.csv";
        var late = csv + ".late.csv";
        using (var reader = new StreamReader(csv))
        using (var a = new StreamWriter(early) { NewLine = "\n" })
        using (var b = new StreamWriter(late) { NewLine = "\n" })
        {
            var header = reader.ReadLine()!;
            var startColumn = Array.IndexOf(header.Split(','), "start");
            a.WriteLine(header);
            b.WriteLine(header);
            var cut = boundary.ToDateTimeOffset();
            for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
            {
                var start = DateTimeOffset.Parse(line.Split(',')[startColumn], CultureInfo.InvariantCulture);
                (start < cut ? a : b).WriteLine(line);
            }
        }

        return (early, late);
    }

    private static Instant MonthStart(YearMonth month) => month.OnDayOfMonth(1).AtStartOfDayInZone(DateTimeZone.Utc).ToInstant();

    internal static double Median(double[] values) => ImportBenchmark.Percentile(values, 0.5);

    /// <summary>Time per sweep step, from the sweep's progress reports (when each batch committed).</summary>
    private sealed class StepClock : ISweepProgress
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly List<(string Step, long Rows, double At)> _batches = [];
        private readonly List<(string Step, double Seconds)> _steps = [];

        public void Deleted(string step, long rows) => _batches.Add((step, rows, _clock.Elapsed.TotalSeconds));

        public void StepFinished(string step, TimeSpan elapsed) => _steps.Add((step, elapsed.TotalSeconds));

        public override string ToString()
        {
            var ic = CultureInfo.InvariantCulture;
            var total = _clock.Elapsed.TotalSeconds;
            var parts = _batches.GroupBy(b => b.Step).Select(g => string.Create(ic, $"{g.Key} {g.Sum(b => b.Rows):N0} rows in {g.Count()} batches by {g.Max(b => b.At):F3} s"));
            return string.Join("; ", parts) + string.Create(ic, $"; end {total:F3} s");
        }

        /// <summary>Every step's own time in milliseconds, in sweep order (steps that found nothing included): where the time goes.</summary>
        public string Breakdown()
        {
            var ic = CultureInfo.InvariantCulture;
            return string.Join(", ", _steps.Select(s => string.Create(ic, $"{s.Step} {s.Seconds * 1000:F1}")))
                + string.Create(ic, $" (ms; steps sum {_steps.Sum(s => s.Seconds) * 1000:F1})");
        }
    }
}
