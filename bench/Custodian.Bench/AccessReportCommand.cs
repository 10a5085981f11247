using System.CommandLine;
using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Requests.Answers;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Custodian.Bench;

/// <summary>
/// <c>access-report</c>: issue 6's "done when" benchmark on SQLite. N usage records over three months, spread so that
/// each subscriber has about 10,000 (N / 10,000 subscribers); the time to build one subscriber's whole access report
/// (the model through <see cref="AccessReportBuilder"/>, then the HTML and JSON renderings) beside the raw engine
/// limit measured in the same run: the bare indexed SELECT of that subscriber's rows on one open connection.
/// </summary>
internal static class AccessReportCommand
{
    /// <summary>Issue 6: under 2 seconds for 10,000 records among 10 million.</summary>
    public const double TargetSeconds = 2.0;

    public static Command Build()
    {
        var rows = new Option<long>("--rows") { Description = "Usage records in the database (10000000 for the full run)", DefaultValueFactory = _ => 1_000_000 };
        var perSubscriber = new Option<int>("--per-subscriber") { Description = "Records per subscriber (the report's size)", DefaultValueFactory = _ => 10_000 };
        var repeat = new Option<int>("--repeat") { Description = "Measured runs after one warm-up; the median and the maximum are reported", DefaultValueFactory = _ => 5 };
        var workDir = new Option<string?>("--work-dir") { Description = "Folder for the SQLite database (default: the temp folder); removed afterwards" };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the usage generator", DefaultValueFactory = _ => 1 };
        var command = new Command("access-report", "Access report of one subscriber with ~10,000 usage records among N (SQLite): product (model + HTML + JSON) vs the bare indexed SELECT")
        {
            rows, perSubscriber, repeat, workDir, seed,
        };
        command.SetAction(async (parse, ct) =>
        {
            var n = parse.GetValue(rows);
            var k = parse.GetValue(perSubscriber);
            var r = parse.GetValue(repeat);
            if (k < 1 || n < k || r < 1)
            {
                await Console.Error.WriteLineAsync("--per-subscriber at least 1, --rows at least --per-subscriber, --repeat at least 1.");
                return 2;
            }

            return await RunAsync(n, k, r, parse.GetValue(workDir), parse.GetValue(seed), ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(long rows, int perSubscriber, int repeat, string? workDirRoot, ulong seed, CancellationToken ct)
    {
        var log = Console.Out;
        log.WriteLine(Machine.Describe());
        var work = workDirRoot is null
            ? Directory.CreateTempSubdirectory("custodian-access-bench.")
            : Directory.CreateDirectory(Path.Combine(workDirRoot, "custodian-access-bench." + Guid.NewGuid().ToString("N")[..10]));
        try
        {
            var subscribers = (int)Math.Max(1, rows / perSubscriber);
            var shape = new UsageShape(rows, subscribers, 200_000, UsageShape.RecentMonths(3), 3, seed);
            var generator = new UsageGenerator(shape);
            await using var database = await BenchDatabase.CreateAsync(DatabaseEngine.Sqlite, work.FullName, null, "access", null, ct);

            log.WriteLine($"[sqlite] loading {rows:N0} usage records ({subscribers:N0} subscribers) through prepared inserts (not timed) ...");
            var load = Stopwatch.StartNew();
            await LoadAsync(database, generator, ct);
            log.WriteLine($"[sqlite]   loaded in {load.Elapsed.TotalSeconds:F1} s");

            var number = generator.SubscriberNumber(0);
            var subject = new[] { new SubjectKey(SubjectIdentifierKind.Phone, number) };
            var register = database.Services.GetRequiredService<ProcessingRegister>();
            var builder = new AccessReportBuilder(register, database.Services.GetRequiredService<ReadAuditBatcher>(), TimeProvider.System);
            var actor = new AuditActor(AuditActorKind.Cli, "bench:access-report");

            await using var connection = await database.OpenRawAsync(ct);
            await using var raw = RawCommand(connection, database.OrganizationId, number);

            async Task<(double Seconds, int Records, long Html, long Json)> Product()
            {
                var sw = Stopwatch.StartNew();
                await using var db = database.CreateContext(TenantScope.For(database.OrganizationId));
                var report = await builder.BuildAsync(db, subject, AnswerScope.All, actor, ct);
                var html = AccessReportHtml.Render(report, StatementLanguage.Dutch);
                using var json = new MemoryStream();
                AccessReportJson.Write(report, json);
                return (sw.Elapsed.TotalSeconds, report.RecordCount, html.Length, json.Length);
            }

            (double Seconds, int Records) Raw()
            {
                var sw = Stopwatch.StartNew();
                var count = 0;
                using (var reader = raw.ExecuteReader())
                {
                    var values = new object[reader.FieldCount];
                    while (reader.Read())
                    {
                        reader.GetValues(values);
                        count++;
                    }
                }

                return (sw.Elapsed.TotalSeconds, count);
            }

            var warm = await Product();
            var warmRaw = Raw();
            if (warm.Records != warmRaw.Records)
            {
                throw new InvalidOperationException($"The report holds {warm.Records} records, the bare query found {warmRaw.Records}.");
            }

            log.WriteLine($"[sqlite] subscriber with {warm.Records:N0} records; HTML {warm.Html / 1024.0:N0} KiB, JSON {warm.Json / 1024.0:N0} KiB");
            var product = new List<double>();
            var bare = new List<double>();
            for (var i = 0; i < repeat; i++)
            {
                product.Add((await Product()).Seconds);
                bare.Add(Raw().Seconds);
            }

            var p50 = Median(product);
            var r50 = Median(bare);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[sqlite] access report (model + HTML + JSON): median {p50 * 1000:F0} ms, max {product.Max() * 1000:F0} ms over {repeat} runs (target < {TargetSeconds * 1000:F0} ms: {(product.Max() < TargetSeconds ? "met" : "NOT met")})"));
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[sqlite] bare indexed SELECT of the same rows: median {r50 * 1000:F1} ms, max {bare.Max() * 1000:F1} ms; product / bare = {p50 / r50:F1}x"));
            return product.Max() < TargetSeconds ? 0 : 1;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            work.Delete(recursive: true);
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[(sorted.Count - 1) / 2];
    }

    /// <summary>The same SELECT as <see cref="EventLookup"/>'s usage part (both number columns, tenant, time order), prepared once.</summary>
    private static DbCommand RawCommand(DbConnection connection, Guid organizationId, string number)
    {
        var table = UsageTable.Instance;
        var command = connection.CreateCommand();
        command.CommandText =
            $"SELECT {table.ColumnList} FROM {table.Name} WHERE caller_number = @value AND organization_id = @org " +
            $"UNION ALL SELECT {table.ColumnList} FROM {table.Name} WHERE callee_number = @value AND organization_id = @org " +
            "AND (caller_number IS NULL OR caller_number <> @value) ORDER BY start_time";
        var value = command.CreateParameter();
        value.ParameterName = "@value";
        value.Value = number;
        command.Parameters.Add(value);
        var org = command.CreateParameter();
        org.ParameterName = "@org";
        org.Value = EventTable.ToSqliteId(organizationId);
        command.Parameters.Add(org);
        command.Prepare();
        return command;
    }

    /// <summary>Streams the generated records into the month tables (created by the product's <see cref="EventPartitions"/>), 500,000 rows per transaction.</summary>
    internal static async Task LoadAsync(BenchDatabase database, UsageGenerator generator, CancellationToken ct)
    {
        var table = UsageTable.Instance;
        var shape = generator.Shape;
        var batchId = Guid.CreateVersion7();
        await using var connection = await database.OpenRawAsync(ct);
        await EventPartitions.EnsurePartitionsAsync(connection, DatabaseEngine.Sqlite, table, shape.From, shape.From.PlusMonths(shape.Months - 1), ct);
        var sqlite = (SqliteConnection)connection;
        var tx = sqlite.BeginTransaction();
        using var inserter = new RawSqliteMonthInserter(sqlite, table, database.OrganizationId, batchId) { Transaction = tx };
        long n = 0;
        try
        {
            foreach (var call in generator.Calls())
            {
                inserter.Insert(generator.ToRecord(call, database.OrganizationId, batchId));
                if (++n % 500_000 == 0)
                {
                    tx.Commit();
                    tx.Dispose();
                    tx = sqlite.BeginTransaction();
                    inserter.Transaction = tx;
                }
            }

            tx.Commit();
        }
        finally
        {
            tx.Dispose();
        }
    }
}
