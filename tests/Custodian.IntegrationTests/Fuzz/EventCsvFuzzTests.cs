using System.Text;
using System.Text.RegularExpressions;
using Custodian.Core.Features.Events;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Fuzz;

/// <summary>
/// The usage CSV, traffic CSV and Asterisk Master.csv parsers, driven the way <see cref="EventImporter"/> drives them
/// (strict UTF-8 check, <see cref="CsvRecordReader"/>, the format's first-record check, then each record): a mutated
/// file never throws; each record is a row or a reject naming its line, field and rule; the line numbers are right.
/// </summary>
public sealed partial class EventCsvFuzzTests
{
    private static readonly string Samples = Path.Combine(AppContext.BaseDirectory, "Import", "samples");
    private static readonly Instant Now = Instant.FromUtc(2026, 11, 29, 12, 0);
    private static readonly Guid Demo = Guid.Parse("0193e4a0-0000-7000-8000-000000000001");

    private static string Sample(string name) => File.ReadAllText(Path.Combine(Samples, name));

    [Fact]
    public void Parse_MutatedUsageCsv_EveryRecordIsRowOrLocatedReject()
    {
        Fuzz.Check("events.usage", Mutate.TextOf([Sample("usage.csv")]),
            text => AssertParses(text, () => new UsageCsvFormat()), ciRuns: 400, shrink: Fuzz.ShrinkText, show: Fuzz.Show);
    }

    [Fact]
    public void Parse_MutatedTrafficCsv_EveryRecordIsRowOrLocatedReject()
    {
        Fuzz.Check("events.traffic", Mutate.TextOf([Sample("traffic.csv")]),
            text => AssertParses(text, () => new TrafficCsvFormat()), ciRuns: 400, shrink: Fuzz.ShrinkText, show: Fuzz.Show);
    }

    [Fact]
    public void Parse_MutatedAsteriskMasterCsv_EveryRecordIsRowOrLocatedReject()
    {
        Fuzz.Check("events.asterisk", Mutate.TextOf([Sample("asterisk-16.csv"), Sample("asterisk-17.csv"), Sample("asterisk-18.csv")]),
            text => AssertParses(text, () => new AsteriskCdrFormat()), ciRuns: 400, shrink: Fuzz.ShrinkText, show: Fuzz.Show);
    }

    [Fact]
    public void Parse_MutatedBytes_NeverThrows()
    {
        // Below the text level: invalid UTF-8, UTF-16 BOMs, cut multi-byte sequences.
        var files = new[] { "usage.csv", "traffic.csv", "asterisk-17.csv" }.Select(n => File.ReadAllBytes(Path.Combine(Samples, n))).ToArray();
        Fuzz.Check("events.bytes",
            FsCheck.Fluent.Gen.Select(FsCheck.Fluent.Gen.Choose(0, int.MaxValue), seed =>
            {
                var random = new System.Random(seed);
                var which = random.Next(files.Length);
                return (which, Mutate.Bytes(files[which], random));
            }),
            input => AssertParsesBytes(input.Item2, input.which switch
            {
                0 => () => new UsageCsvFormat(),
                1 => (Func<object>)(() => new TrafficCsvFormat()),
                _ => () => new AsteriskCdrFormat(),
            }),
            ciRuns: 300);
    }

    private static void AssertParses(string text, Func<object> format) => AssertParsesBytes(Encoding.UTF8.GetBytes(text), format);

    private static void AssertParsesBytes(byte[] bytes, Func<object> format)
    {
        switch (format())
        {
            case IImportFormat<UsageRecord> usage:
                ParseAll(bytes, usage);
                break;
            case IImportFormat<TrafficRecord> traffic:
                ParseAll(bytes, traffic);
                break;
            default:
                throw new FuzzSetupException("unknown format");
        }
    }

    /// <summary>The importer's parse pass, minus the database.</summary>
    private static void ParseAll<TRow>(byte[] bytes, IImportFormat<TRow> format)
        where TRow : class
    {
        // Pass 1 of the importer refuses a file that is not UTF-8 before any row is parsed.
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return;
        }

        var context = new ImportContext
        {
            BatchId = Guid.CreateVersion7(),
            Organizations = new Dictionary<string, Guid> { ["demo"] = Demo },
            Zone = DateTimeZoneProviders.Tzdb["Europe/Amsterdam"],
            Now = Now,
            RetainedFrom = Now - Duration.FromDays(400),
            RetentionText = "fuzz",
        };
        using var reader = new StreamReader(new MemoryStream(bytes), new UTF8Encoding(false, true), detectEncodingFromByteOrderMarks: true);
        var csv = new CsvRecordReader(reader);
        var fields = new List<string>();
        var starts = new List<long>();
        if (!csv.Read(fields))
        {
            return;
        }

        starts.Add(csv.Line);
        var problem = format.CheckFirst(fields, context, out var isHeader);
        if (problem is not null)
        {
            Assert.True(problem.Line >= 1);
            Assert.Matches(Rule(), problem.Rule);
            Assert.False(string.IsNullOrWhiteSpace(problem.Message));
            return;
        }

        var pending = !isHeader;

        while (pending || csv.Read(fields))
        {
            if (!pending)
            {
                starts.Add(csv.Line);
            }

            pending = false;
            if (csv.Problem is not null)
            {
                Assert.Matches(Rule(), csv.Problem);
                continue;
            }

            var row = format.Parse(fields, csv.Line, context, out var reject);
            if (row is null)
            {
                Assert.NotNull(reject);
                Assert.Equal(csv.Line, reject.Line);
                Assert.False(string.IsNullOrWhiteSpace(reject.Field), "reject without field");
                Assert.Matches(Rule(), reject.Rule);
                Assert.False(string.IsNullOrWhiteSpace(reject.Message), "reject without message");
            }
            else
            {
                Assert.Null(reject);
            }
        }

        // Without quotes every non-blank physical line is one record, starting on that line.
        var decoded = text.StartsWith('\uFEFF') ? text[1..] : text;
        if (!decoded.Contains('"', StringComparison.Ordinal))
        {
            var expected = LineBreak().Split(decoded)
                .Select((line, index) => (line, number: (long)index + 1))
                .Where(l => l.line.Length > 0)
                .Select(l => l.number)
                .ToList();
            Assert.Equal(expected, starts);
        }
    }

    [GeneratedRegex("\r\n|\r|\n")]
    private static partial Regex LineBreak();

    [GeneratedRegex("^[a-z0-9_]+(\\.[a-z0-9_]+)+$")]
    private static partial Regex Rule();
}
