using System.Globalization;
using System.Text;
using Custodian.Core.Features.Events;
using NodaTime;

namespace Custodian.Bench;

/// <summary>Shape of the synthetic data: how many rows, over whom, over which months, from which seed.</summary>
/// <param name="Rows">Number of usage records.</param>
/// <param name="Subscribers">The organisation's own numbers; at 10 million rows and 10,000 subscribers one subscriber
/// has ~1,000 records as caller or callee (the look-up the targets are about).</param>
/// <param name="Counterparts">Distinct outside numbers the subscribers call and are called by (skewed: a few are called a lot).</param>
/// <param name="From">First month; the rows are spread evenly in time order over <paramref name="Months"/> months.</param>
/// <param name="Months">Months covered, so the import fills several month partitions.</param>
/// <param name="Seed">Same seed, same rows, same file bytes.</param>
internal sealed record UsageShape(long Rows, int Subscribers, int Counterparts, YearMonth From, int Months, ulong Seed)
{
    /// <summary>Start of the first month (UTC).</summary>
    public Instant Start => From.OnDayOfMonth(1).AtStartOfDayInZone(DateTimeZone.Utc).ToInstant();

    public Instant End => From.PlusMonths(Months).OnDayOfMonth(1).AtStartOfDayInZone(DateTimeZone.Utc).ToInstant();

    /// <summary>
    /// The first of <paramref name="months"/> whole months that end with the last one before the current month: data the
    /// importer accepts today (it refuses rows already past their retention, and the benchmarks import on the real clock).
    /// </summary>
    public static YearMonth RecentMonths(int months) =>
        Instant.FromDateTimeOffset(TimeProvider.System.GetUtcNow()).InUtc().Date.ToYearMonth().PlusMonths(-months);
}

/// <summary>One synthetic call, in the compact form both sides start from (the CSV line and the pre-parsed record).</summary>
internal readonly record struct SyntheticCall(
    long Index, int Subscriber, int Counterpart, bool Outbound, bool Withheld, bool Mobile, Instant Start, int Duration, int Billed,
    int Outcome, int Cell, int Country, long CostMicros);

/// <summary>
/// Deterministic synthetic usage records. The same calls become a file in Custodian's usage CSV format (for the
/// product's import) and <see cref="UsageRecord"/>s exactly as the import stores them (for the raw engine baseline).
/// </summary>
/// <remarks>
/// Numbers come from the demo's artificial Dutch mobile block (<c>+31 6 40xx xxxx</c>, see <c>DemoIdentifiers</c>):
/// subscribers first, counterparts after them, so a subscriber's records are exactly those that name it. Not the
/// Ofcom drama ranges: their 2,000 numbers would give a callee index of a handful of huge keys, unlike real traffic.
/// </remarks>
internal sealed class UsageGenerator(UsageShape shape)
{
    public const string OrganizationCode = "bench";

    private const int NumberBlockStart = 40_001_000;

    private static readonly string[] Countries = ["NL", "BE", "DE", "FR"];

    private readonly string[] _subscriberNumbers = [.. Enumerable.Range(0, shape.Subscribers).Select(Number)];
    private readonly string[] _counterpartNumbers = [.. Enumerable.Range(shape.Subscribers, shape.Counterparts).Select(Number)];
    private readonly string[] _services = [.. Enumerable.Range(0, shape.Subscribers).Select(i => string.Create(CultureInfo.InvariantCulture, $"BENCH-{i:D6}"))];
    private readonly string[] _cells = [.. Enumerable.Range(0, 2000).Select(i => string.Create(CultureInfo.InvariantCulture, $"204-08-{1000 + (i / 50)}-{10000 + i}"))];

    public UsageShape Shape => shape;

    public string SubscriberNumber(int i) => _subscriberNumbers[i];

    public static string Number(int n) => string.Create(CultureInfo.InvariantCulture, $"+316{NumberBlockStart + n:D8}");

    /// <summary>The calls in time order.</summary>
    public IEnumerable<SyntheticCall> Calls()
    {
        var random = new SplitMix64(shape.Seed);
        var spanSeconds = (shape.End - shape.Start).TotalSeconds;
        for (long i = 0; i < shape.Rows; i++)
        {
            var subscriber = (int)random.Below((ulong)shape.Subscribers);

            // Skewed: u² puts most calls on the low counterpart numbers (family, office, voicemail), the rest spread wide.
            var u = random.NextDouble();
            var counterpart = (int)(u * u * shape.Counterparts);
            var outbound = random.Below(100) < 60;
            var withheld = !outbound && random.Below(100) < 5;
            var mobile = random.Below(100) < 70;
            var outcomeRoll = random.Below(100);
            var outcome = outcomeRoll < 85 ? 0 : outcomeRoll < 93 ? 1 : outcomeRoll < 98 ? 2 : 3;
            var duration = outcome == 0 ? (int)(5 + random.Below(600)) : 0;
            var billed = duration - (duration % 6); // billed in 6-second steps, never more than the duration
            var cell = mobile ? (int)random.Below((ulong)_cells.Length) : -1;
            var countryRoll = random.Below(100);
            var country = !mobile ? -1 : countryRoll < 94 ? 0 : (int)(1 + (countryRoll % 3));
            var costMicros = outbound && billed > 0 ? billed * 250L : -1; // € 0.015 a minute
            var start = shape.Start + Duration.FromSeconds((long)(spanSeconds * i / shape.Rows));
            yield return new SyntheticCall(i, subscriber, counterpart, outbound, withheld, mobile, start, duration, billed, outcome, cell, country, costMicros);
        }
    }

    public static readonly string Header = "organization,record_id,service,kind,direction,caller,callee,start,duration,billed,outcome,cell_id,country,cost,currency";

    /// <summary>Writes the whole file (Custodian's usage CSV, docs/formats/usage-csv.md); returns its size in bytes.</summary>
    public long WriteCsv(string path)
    {
        using (var writer = new StreamWriter(path, append: false, new UTF8Encoding(false), 1 << 20))
        {
            writer.NewLine = "\n";
            writer.WriteLine(Header);
            var line = new StringBuilder(256);
            foreach (var call in Calls())
            {
                line.Clear();
                AppendCsv(line, call);
                writer.Write(line);
            }
        }

        return new FileInfo(path).Length;
    }

    private void AppendCsv(StringBuilder s, SyntheticCall c)
    {
        var (caller, callee) = Parties(c);
        var ic = CultureInfo.InvariantCulture;
        s.Append(OrganizationCode).Append(',')
            .Append(RecordKey(c)).Append(',')
            .Append(_services[c.Subscriber]).Append(',')
            .Append(c.Mobile ? "mobile" : "voip").Append(',')
            .Append(c.Outbound ? "outbound" : "inbound").Append(',')
            .Append(caller).Append(',')
            .Append(callee).Append(',')
            .Append(ic, $"{c.Start.InUtc():uuuu'-'MM'-'dd'T'HH':'mm':'ss}Z").Append(',')
            .Append(ic, $"{c.Duration}").Append(',')
            .Append(ic, $"{c.Billed}").Append(',')
            .Append(UsageCsvFormat.Outcomes[c.Outcome]).Append(',')
            .Append(c.Cell >= 0 ? _cells[c.Cell] : "").Append(',')
            .Append(c.Country >= 0 ? Countries[c.Country] : "").Append(',');
        if (c.CostMicros >= 0)
        {
            s.Append(Cost(c.CostMicros).ToString(ic)).Append(",EUR");
        }
        else
        {
            s.Append(',');
        }

        s.Append('\n');
    }

    /// <summary>The record the product's import makes of this call (the raw baseline inserts exactly these).</summary>
    public UsageRecord ToRecord(SyntheticCall c, Guid organizationId, Guid batchId)
    {
        var (caller, callee) = Parties(c);
        return new UsageRecord
        {
            OrganizationId = organizationId,
            RecordKey = RecordKey(c),
            StartTime = c.Start,
            Kind = c.Mobile ? UsageCsvFormat.Kinds[1] : UsageCsvFormat.Kinds[0],
            Direction = c.Outbound ? UsageCsvFormat.Directions[0] : UsageCsvFormat.Directions[1],
            CallerNumber = caller.Length == 0 ? null : caller,
            CalleeNumber = callee,
            DurationSeconds = c.Duration,
            BilledSeconds = c.Billed,
            Outcome = UsageCsvFormat.Outcomes[c.Outcome],
            CellId = c.Cell >= 0 ? _cells[c.Cell] : null,
            Country = c.Country >= 0 ? Countries[c.Country] : null,
            Volume = null,
            Cost = c.CostMicros >= 0 ? Cost(c.CostMicros) : null,
            Currency = c.CostMicros >= 0 ? "EUR" : null,
            ServiceReference = _services[c.Subscriber],
            ImportBatchId = batchId,
        };
    }

    private (string Caller, string Callee) Parties(SyntheticCall c)
    {
        var subscriber = _subscriberNumbers[c.Subscriber];
        var other = _counterpartNumbers[c.Counterpart];
        return c.Outbound ? (subscriber, other) : (c.Withheld ? "" : other, subscriber);
    }

    private static string RecordKey(SyntheticCall c) => string.Create(CultureInfo.InvariantCulture, $"bench-{c.Index:D10}");

    private static decimal Cost(long micros) => decimal.Round(micros / 1_000_000m, 4);
}

/// <summary>SplitMix64: tiny, fast, and the same sequence on every runtime (unlike an unseeded or future <see cref="Random"/>).</summary>
internal sealed class SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong Next()
    {
        var z = _state += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }

    public ulong Below(ulong bound) => Next() % bound;

    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));
}
