using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Custodian.Core.Features.Events;
using NodaTime;

namespace Custodian.Bench;

/// <summary>
/// <c>parse</c>: the import's parsing and validation alone (CSV reader and usage format, one thread, no database), to
/// see how much of an import's time is parsing. The import runs it on its own thread beside the writer, so on a
/// 2-core machine it competes with the database for the second core.
/// </summary>
internal static class ParseCommand
{
    public static Command Build()
    {
        var rows = new Option<long>("--rows") { Description = "Usage records to generate", DefaultValueFactory = _ => 2_000_000 };
        var command = new Command("parse", "Time the product's CSV parsing and validation of N generated usage records, without a database") { rows };
        command.SetAction(async (parse, ct) =>
        {
            Console.WriteLine(Machine.Describe());
            var shape = new UsageShape(parse.GetValue(rows), 10_000, 200_000, UsageShape.RecentMonths(3), 3, 1);
            var work = Directory.CreateTempSubdirectory("custodian-bench.");
            try
            {
                var path = Path.Combine(work.FullName, "usage.csv");
                new UsageGenerator(shape).WriteCsv(path);
                var context = new ImportContext
                {
                    BatchId = Guid.CreateVersion7(),
                    Organizations = new Dictionary<string, Guid> { [UsageGenerator.OrganizationCode] = Guid.CreateVersion7() },
                    Now = Instant.FromDateTimeOffset(TimeProvider.System.GetUtcNow()),
                };
                var sw = Stopwatch.StartNew();
                await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
                using var text = new StreamReader(file, new UTF8Encoding(false, true), true, 1 << 16);
                var csv = new CsvRecordReader(text);
                var fields = new List<string>(32);
                var format = new UsageCsvFormat();
                csv.Read(fields);
                format.CheckFirst(fields, context, out _);
                long ok = 0;
                while (csv.Read(fields))
                {
                    ok += format.Parse(fields, csv.Line, context, out _) is null ? 0 : 1;
                }

                var seconds = sw.Elapsed.TotalSeconds;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"parsed {ok:N0} of {shape.Rows:N0} rows in {seconds:F1} s: {shape.Rows / seconds:N0} rows/s, {seconds * 1e6 / shape.Rows:F2} µs/row"));
                return ok == shape.Rows ? 0 : 1;
            }
            finally
            {
                work.Delete(recursive: true);
            }
        });
        return command;
    }
}
