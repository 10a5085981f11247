using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;

namespace Custodian.Bench;

/// <summary>What one engine measured.</summary>
internal sealed record EngineResult(
    string Engine,
    string Version,
    long Rows,
    double ProductSeconds,
    double RawSeconds,
    int Lookups,
    double RecordsPerLookup,
    double ProductP50Ms,
    double ProductP99Ms,
    double RawP50Ms,
    double RawP99Ms,
    long DatabaseBytes)
{
    public double ProductRowsPerSecond => Rows / ProductSeconds;

    public double RawRowsPerSecond => Rows / RawSeconds;

    /// <summary>Product rate over raw rate: the target is ≥ 0.70.</summary>
    public double Ratio => ProductRowsPerSecond / RawRowsPerSecond;
}

/// <summary>
/// The import benchmark for one engine (issue 3 §7): the product's import of the CSV file on a fresh database, then the
/// raw engine limit for the same rows, table layout and indexes on another fresh database, then the look-up latency of
/// one subscriber's records through the product and as a bare query.
/// </summary>
internal sealed class ImportBenchmark(
    UsageGenerator generator, string csvPath, string workDir, PostgresServer? postgres, int lookups, int? chunkRows, TextWriter log)
{
    private static readonly AuditActor Actor = new(AuditActorKind.Cli, "cli:bench");

    /// <summary>The product's import, the raw baseline and the look-ups.</summary>
    public Task<EngineResult> RunAsync(DatabaseEngine engine, CancellationToken ct) => RunAsync(engine, raw: true, ct);

    /// <param name="engine">The engine.</param>
    /// <param name="raw">Whether to measure the raw baseline too (its figures are NaN when not).</param>
    /// <param name="ct">Cancellation.</param>
    /// <param name="afterLookups">More measurements on the product's database while it exists (the <c>scale</c> command).</param>
    public async Task<EngineResult> RunAsync(DatabaseEngine engine, bool raw, CancellationToken ct, Func<BenchDatabase, CancellationToken, Task>? afterLookups = null)
    {
        var name = engine == DatabaseEngine.Sqlite ? "sqlite" : "postgres";
        var rows = generator.Shape.Rows;

        // The product's database is dropped before the raw one is made: at 100 million rows each holds ~35 GB.
        double productSeconds;
        string version;
        long size;
        double recordsPerLookup;
        double[] productLatencies, rawLatencies;
        await using (var product = await BenchDatabase.CreateAsync(engine, workDir, postgres, "product", ConfigureImport, ct))
        {
            version = await product.VersionAsync(ct);
            log.WriteLine($"[{name}] product import of {Count(rows)} rows through EventImporter ...");
            productSeconds = await ImportThroughProductAsync(product, ct);
            log.WriteLine($"[{name}]   {productSeconds:F1} s, {Count((long)(rows / productSeconds))} rows/s");
            await product.CheckpointAsync(ct);
            size = await SizeAsync(product, ct);

            (recordsPerLookup, productLatencies, rawLatencies) = await MeasureLookupsAsync(product, name, ct);
            if (afterLookups is not null)
            {
                await afterLookups(product, ct);
            }
        }

        var rawSeconds = double.NaN;
        if (!raw)
        {
            return Result();
        }

        await using (var rawDatabase = await BenchDatabase.CreateAsync(engine, workDir, postgres, "raw", null, ct))
        {
            log.WriteLine($"[{name}] raw baseline: {(engine == DatabaseEngine.Sqlite ? "prepared inserts in one transaction" : "one binary COPY into the partitioned parent")} ...");
            rawSeconds = await RawInsertAsync(rawDatabase, ct);
            log.WriteLine($"[{name}]   {rawSeconds:F1} s, {Count((long)(rows / rawSeconds))} rows/s");
        }

        return Result();

        EngineResult Result() => new(
            name, version, rows, productSeconds, rawSeconds, productLatencies.Length, recordsPerLookup,
            Percentile(productLatencies, 0.50), Percentile(productLatencies, 0.99),
            Percentile(rawLatencies, 0.50), Percentile(rawLatencies, 0.99), size);
    }

    /// <summary>The product's defaults unless <c>--chunk-rows</c> overrides them (to try a tuning before changing the default).</summary>
    private void ConfigureImport(ImportOptions options)
    {
        if (chunkRows is { } rows)
        {
            options.ChunkRows = rows;
        }
    }

    /// <summary>The CLI's path: <see cref="EventImporter.ImportAsync"/> on the file, timed from call to return (hash pass, parsing, writing, bookkeeping, audit).</summary>
    private async Task<double> ImportThroughProductAsync(BenchDatabase database, CancellationToken ct)
    {
        var importer = database.Services.GetRequiredService<EventImporter>();
        var rejects = Path.Combine(workDir, "rejects.csv");
        var sw = Stopwatch.StartNew();
        var result = await importer.ImportAsync(new ImportRequest(EventFamily.Usage, csvPath, Actor, RejectFile: rejects), null, ct);
        sw.Stop();
        if (result.Outcome != ImportOutcome.Imported || result.RowsImported != generator.Shape.Rows || result.RowsRejected != 0)
        {
            throw new InvalidOperationException(
                $"The product's import did not store every row: {result.Outcome}, {result.RowsImported} stored, {result.RowsRejected} rejected " +
                $"({result.Problem?.ToString() ?? string.Join(" | ", File.Exists(rejects) ? File.ReadLines(rejects).Take(4) : [])}). The generator is wrong.");
        }

        await CheckCountAsync(database, ct);
        return sw.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// The engine limit: the same records, already in memory (no CSV, no validation), into the same month tables with the
    /// same indexes, created beforehand by the product's <see cref="EventPartitions"/> (not timed). SQLite: one prepared
    /// INSERT per month table, all rows in one transaction, the product's PRAGMAs and import cache size. PostgreSQL: one
    /// binary COPY into the partitioned parent. The records are made in slices of <see cref="RawSliceRows"/> (100 million
    /// would not fit in memory); the clock stops while the next slice is made, so only the engine's writing is timed.
    /// </summary>
    internal async Task<double> RawInsertAsync(BenchDatabase database, CancellationToken ct)
    {
        var table = UsageTable.Instance;
        var shape = generator.Shape;
        var batchId = Guid.CreateVersion7();
        var slices = Slices(database.OrganizationId, batchId);

        await using var connection = await database.OpenRawAsync(ct);
        await EventPartitions.EnsurePartitionsAsync(connection, database.Engine, table, shape.From, shape.From.PlusMonths(shape.Months - 1), ct);

        var clock = new Stopwatch();
        var wall = Stopwatch.StartNew();
        if (connection is SqliteConnection sqlite)
        {
            await using (var pragma = sqlite.CreateCommand())
            {
                pragma.CommandText = "PRAGMA cache_size = -65536"; // the product's import cache (64 MiB), so both have the same memory
                await pragma.ExecuteNonQueryAsync(ct);
            }

            InsertSqlite(sqlite, table, slices, database.OrganizationId, batchId, clock);
        }
        else
        {
            await CopyPostgresAsync((NpgsqlConnection)connection, table, slices, clock, ct);
        }

        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  records made in {(wall.Elapsed - clock.Elapsed).TotalSeconds:F1} s between the slices (not timed), written in {clock.Elapsed.TotalSeconds:F1} s"));
        GC.Collect();
        await CheckCountAsync(database, ct);
        return clock.Elapsed.TotalSeconds;
    }

    private const int RawSliceRows = 5_000_000;

    /// <summary>The generated records in slices, each made before it is handed out (the caller's clock is stopped meanwhile).</summary>
    private IEnumerable<List<UsageRecord>> Slices(Guid organizationId, Guid batchId)
    {
        var slice = new List<UsageRecord>((int)Math.Min(RawSliceRows, generator.Shape.Rows));
        foreach (var call in generator.Calls())
        {
            slice.Add(generator.ToRecord(call, organizationId, batchId));
            if (slice.Count == RawSliceRows)
            {
                yield return slice;
                slice.Clear();
            }
        }

        if (slice.Count > 0)
        {
            yield return slice;
        }
    }

    private static void InsertSqlite(SqliteConnection connection, UsageTable table, IEnumerable<List<UsageRecord>> slices, Guid organizationId, Guid batchId, Stopwatch clock)
    {
        using var tx = connection.BeginTransaction();
        using var inserter = new RawSqliteMonthInserter(connection, table, organizationId, batchId) { Transaction = tx };
        foreach (var slice in slices)
        {
            clock.Start();
            foreach (var r in slice)
            {
                inserter.Insert(r);
            }

            clock.Stop();
        }

        clock.Start();
        tx.Commit();
        clock.Stop();
    }

    private static async Task CopyPostgresAsync(NpgsqlConnection connection, UsageTable table, IEnumerable<List<UsageRecord>> slices, Stopwatch clock, CancellationToken ct)
    {
        clock.Start();
        await using var w = await connection.BeginBinaryImportAsync($"COPY {table.Name} ({table.ColumnList}) FROM STDIN (FORMAT BINARY)", ct);
        clock.Stop();
        foreach (var slice in slices)
        {
            clock.Start();
            await WriteSliceAsync(w, slice, ct);
            clock.Stop();
        }

        clock.Start();
        await w.CompleteAsync(ct);
        clock.Stop();
    }

    private static async Task WriteSliceAsync(NpgsqlBinaryImporter w, List<UsageRecord> records, CancellationToken ct)
    {
        foreach (var r in records)
        {
            await w.StartRowAsync(ct);
            w.Write(r.OrganizationId, NpgsqlDbType.Uuid);
            w.Write(r.StartTime.ToDateTimeUtc(), NpgsqlDbType.TimestampTz);
            w.Write(r.RecordKey, NpgsqlDbType.Text);
            w.Write(r.Kind, NpgsqlDbType.Text);
            w.Write(r.Direction, NpgsqlDbType.Text);
            WriteText(w, r.CallerNumber);
            w.Write(r.CalleeNumber, NpgsqlDbType.Text);
            w.Write(r.DurationSeconds, NpgsqlDbType.Integer);
            w.Write(r.BilledSeconds, NpgsqlDbType.Integer);
            WriteText(w, r.Outcome);
            WriteText(w, r.CellId);
            WriteText(w, r.Country);
            if (r.Volume is { } volume)
            {
                w.Write(volume, NpgsqlDbType.Bigint);
            }
            else
            {
                w.WriteNull();
            }

            if (r.Cost is { } cost)
            {
                w.Write(cost, NpgsqlDbType.Numeric);
            }
            else
            {
                w.WriteNull();
            }

            WriteText(w, r.Currency);
            WriteText(w, r.ServiceReference);
            w.Write(r.ImportBatchId, NpgsqlDbType.Uuid);
        }

        static void WriteText(NpgsqlBinaryImporter w, string? value)
        {
            if (value is null)
            {
                w.WriteNull();
            }
            else
            {
                w.Write(value, NpgsqlDbType.Text);
            }
        }
    }

    /// <summary>
    /// All records of one subscriber (as caller or callee) for <see cref="UsageShape.Subscribers"/> picked at random:
    /// through the product's <see cref="EventLookup"/> (a new tenant-scoped context per look-up, as a request has) and
    /// as the bare query on one open connection. Warm cache: every look-up runs once before the measured pass.
    /// </summary>
    private async Task<(double RecordsPerLookup, double[] Product, double[] Raw)> MeasureLookupsAsync(BenchDatabase database, string name, CancellationToken ct)
    {
        var random = new SplitMix64(generator.Shape.Seed ^ 0x5EED);
        var numbers = Enumerable.Range(0, lookups).Select(_ => generator.SubscriberNumber((int)random.Below((ulong)generator.Shape.Subscribers))).ToArray();
        var scope = TenantScope.For(database.OrganizationId);

        async Task<int> ProductAsync(string number)
        {
            await using var db = database.CreateContext(scope);
            return (await EventLookup.FindAsync(db, SubjectIdentifierKind.Phone, number, ct)).Count;
        }

        await using var connection = await database.OpenRawAsync(ct);
        await using var command = RawLookupCommand(connection, database);
        int Raw(string number)
        {
            command.Parameters[0].Value = number;
            var n = 0;
            using var reader = command.ExecuteReader();
            var values = new object[reader.FieldCount];
            while (reader.Read())
            {
                reader.GetValues(values);
                n++;
            }

            return n;
        }

        log.WriteLine($"[{name}] look-ups: {lookups} subscribers, warm-up pass then measured pass ...");
        long found = 0;
        foreach (var number in numbers)
        {
            var viaProduct = await ProductAsync(number);
            var viaRaw = Raw(number);
            if (viaProduct != viaRaw)
            {
                throw new InvalidOperationException($"The product's look-up found {viaProduct} records, the bare query {viaRaw}.");
            }

            found += viaProduct;
        }

        var product = new double[numbers.Length];
        var raw = new double[numbers.Length];
        for (var i = 0; i < numbers.Length; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await ProductAsync(numbers[i]);
            product[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            start = Stopwatch.GetTimestamp();
            Raw(numbers[i]);
            raw[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        var perLookup = (double)found / numbers.Length;
        log.WriteLine($"[{name}]   {perLookup:F0} records per subscriber; product p50/p99 {Percentile(product, 0.5):F1}/{Percentile(product, 0.99):F1} ms, " +
            $"bare query {Percentile(raw, 0.5):F1}/{Percentile(raw, 0.99):F1} ms");
        return (perLookup, product, raw);
    }

    /// <summary>The same look-up as <see cref="EventLookup"/>'s usage part (both identifier columns, tenant, time order), prepared once.</summary>
    private static DbCommand RawLookupCommand(DbConnection connection, BenchDatabase database)
    {
        var table = UsageTable.Instance;
        var command = connection.CreateCommand();
        command.CommandText =
            $"SELECT {table.ColumnList} FROM {table.Name} WHERE caller_number = @value AND organization_id = @org " +
            $"UNION ALL SELECT {table.ColumnList} FROM {table.Name} WHERE callee_number = @value AND organization_id = @org " +
            "AND (caller_number IS NULL OR caller_number <> @value) ORDER BY start_time";
        var value = command.CreateParameter();
        value.ParameterName = "@value";
        value.Value = "";
        command.Parameters.Add(value);
        var org = command.CreateParameter();
        org.ParameterName = "@org";
        org.Value = database.Engine == DatabaseEngine.Postgres ? database.OrganizationId : EventTable.ToSqliteId(database.OrganizationId);
        command.Parameters.Add(org);
        command.Prepare();
        return command;
    }

    private async Task CheckCountAsync(BenchDatabase database, CancellationToken ct)
    {
        var stored = await database.ScalarAsync("SELECT count(*) FROM usage_records", ct);
        if (stored != generator.Shape.Rows)
        {
            throw new InvalidOperationException($"{stored} rows in usage_records, expected {generator.Shape.Rows}.");
        }
    }

    internal static async Task<long> SizeAsync(BenchDatabase database, CancellationToken ct) =>
        database.Engine == DatabaseEngine.Postgres
            ? await database.ScalarAsync("SELECT pg_database_size(current_database())", ct)
            : await database.ScalarAsync("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()", ct);

    /// <summary>Nearest-rank percentile.</summary>
    public static double Percentile(double[] values, double p)
    {
        if (values.Length == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(p * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    private static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
