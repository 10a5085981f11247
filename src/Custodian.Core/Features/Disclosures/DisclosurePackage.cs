using System.Buffers;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Requests.Answers;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Persistence;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Core.Features.Disclosures;

/// <summary>One file of a disclosure package as its manifest lists it.</summary>
internal sealed record DisclosureFile(string Name, int Records, long Size, string Sha256);

/// <summary>The package's <c>manifest.json</c>.</summary>
internal sealed record DisclosureManifest(
    string SchemaVersion,
    string OrderReference,
    string OrderType,
    Instant PeriodFrom,
    Instant PeriodUntil,
    IReadOnlyList<string> Categories,
    int TargetCount,
    Instant GeneratedAt,
    IReadOnlyList<DisclosureFile> Files);

/// <summary>
/// The data an order asks for, exactly: the records of its targets (the union over its identifiers, each record once;
/// store records through the subject index, usage and traffic records through <see cref="EventLookup"/>) in its
/// categories, and, for records with a time of their own (usage and traffic records), only those inside its period.
/// Store records (a subscription, a contact person) have no such time: they are produced as held at production time.
/// Written as a ZIP: <c>records.csv</c>, <c>records.json</c> and <c>manifest.json</c> with each file's SHA-256.
/// Unlike an access answer nothing is masked: the other party of a call is what a traffic-data order asks for (AUT-2 c).
/// </summary>
internal static class DisclosurePackage
{
    public const string SchemaVersion = "1";

    private static readonly string[] LeadingColumns = ["category", "type", "id", "organization_id", "time"];

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new AccessReportJson.InstantConverter() },
    };

    /// <summary>The records in the order's scope (the context must be provider-wide), all in memory: for small checks; productions use <see cref="WriteAsync"/>.</summary>
    public static async Task<IReadOnlyList<SubjectRecord>> CollectAsync(CustodianDbContext db, AuthorityOrder order, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(order);
        var records = await SubjectRecords.CollectAsync(db, KeysOf(order), ScopeOf(order), ct);
        return [.. records.Where(r => TimeOf(r.Record) is not { } t || (t >= order.PeriodFrom && t < order.PeriodUntil))];
    }

    /// <summary>
    /// Collects the order's records and writes the package to <paramref name="output"/> (left open); returns its
    /// manifest, whose record counts are what was written. Streams (issue 8 §5): the store records (a handful per target)
    /// are read first; the usage and traffic records are counted by the database (<see cref="EventLookup.CountSetAsync"/>)
    /// and then read with a cursor, by time, inside the order's period (in the query, not after it), straight into the
    /// CSV and then again into the JSON entry, each hashed as it is written. Same content as the records sorted by
    /// category, time and id in memory; throws when the records change between the count and the two reads.
    /// </summary>
    public static async Task<DisclosureManifest> WriteAsync(CustodianDbContext db, AuthorityOrder order, Instant now, Stream output, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(output);
        var keys = KeysOf(order);
        var scope = ScopeOf(order);
        var held = (await SubjectRecords.CollectWithoutEventsAsync(db, keys, scope, ct))
            .OrderBy(r => r.Category, StringComparer.Ordinal).ThenBy(r => r.Id, StringComparer.Ordinal).ToList();
        var window = (order.PeriodFrom, order.PeriodUntil);
        var sets = new Dictionary<string, (bool Usage, EventSet Set, long Count)>(StringComparer.Ordinal);
        foreach (var (usage, category, kinds) in new[]
        {
            (true, UsageRecord.Category, new[] { SubjectIdentifierKind.Phone }),
            (false, TrafficRecord.Category, new[] { SubjectIdentifierKind.Phone, SubjectIdentifierKind.Email, SubjectIdentifierKind.Ip }),
        })
        {
            var set = new EventSet([.. keys.Where(k => kinds.Contains(k.Kind)).Select(k => k.Value).Distinct(StringComparer.Ordinal)], [], window);
            if (scope.Includes(category) && !set.IsEmpty)
            {
                var count = (await EventLookup.CountSetAsync(db, usage, set, ct)).Sum(c => c.Count);
                if (count > 0)
                {
                    sets[category] = (usage, set, count);
                }
            }
        }

        var categories = held.Select(r => r.Category).Concat(sets.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var expected = held.Count + sets.Values.Sum(s => s.Count);
        var columns = new List<string>();
        foreach (var category in categories)
        {
            columns.AddRange(held.Where(r => r.Category == category).SelectMany(r => AccessReportBuilder.FieldsOf(r.Record, r.Category, None).Select(f => f.Name)));
            if (sets.TryGetValue(category, out var s))
            {
                columns.AddRange(AccessReportBuilder.FieldNamesOf(s.Usage ? typeof(UsageRecord) : typeof(TrafficRecord), category));
            }
        }

        columns = [.. columns.Distinct(StringComparer.Ordinal)];

        // Every row in the package's order: per category, its store records (no time) by id, then its events by time and id.
        async IAsyncEnumerable<Row> RowsAsync()
        {
            foreach (var category in categories)
            {
                foreach (var r in held.Where(r => r.Category == category))
                {
                    yield return RowOf(r);
                }

                if (sets.TryGetValue(category, out var s))
                {
                    await foreach (var r in InTimeOrderAsync(db, category, s.Usage, s.Set, ct))
                    {
                        yield return r;
                    }
                }
            }
        }

        var files = new List<DisclosureFile>();
        await using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            files.Add(await AddAsync(zip, "records.csv", async stream =>
            {
                await using var writer = new StreamWriter(stream, new UTF8Encoding(false), ChunkChars, leaveOpen: true);
                var sb = new StringBuilder(ChunkChars * 2);
                sb.Append(string.Join(',', LeadingColumns.Concat(columns).Select(Csv))).Append("\r\n");
                var rows = 0;
                await foreach (var r in RowsAsync())
                {
                    rows++;
                    var values = new[] { r.Category, r.Type, r.Id, r.Organization, r.Time }
                        .Concat(columns.Select(c => r.Fields.FirstOrDefault(f => f.Name == c)?.Value ?? string.Empty));
                    sb.Append(string.Join(',', values.Select(Csv))).Append("\r\n");
                    if (sb.Length >= ChunkChars)
                    {
                        await writer.WriteAsync(sb, ct);
                        sb.Clear();
                    }
                }

                await writer.WriteAsync(sb, ct);
                await writer.FlushAsync(ct);
                return Checked(rows, expected);
            }, ct));

            files.Add(await AddAsync(zip, "records.json", async stream =>
            {
                // The writer fills a buffer, never the stream: each chunk goes out with an asynchronous write.
                var buffer = new ArrayBufferWriter<byte>(ChunkChars * 2);
                var rows = 0;
                await using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = Json.Encoder }))
                {
                    writer.WriteStartArray();
                    await foreach (var r in RowsAsync())
                    {
                        rows++;
                        JsonSerializer.Serialize(writer, new Dictionary<string, object?>
                        {
                            ["category"] = r.Category,
                            ["type"] = r.Type,
                            ["id"] = r.Id,
                            ["organization_id"] = r.Organization,
                            ["time"] = r.Time.Length == 0 ? null : r.Time,
                            ["fields"] = r.Fields.ToDictionary(f => f.Name, f => f.Value, StringComparer.Ordinal),
                        }, Json);
                        if (writer.BytesPending + buffer.WrittenCount >= ChunkChars)
                        {
                            writer.Flush();
                            await stream.WriteAsync(buffer.WrittenMemory, ct);
                            buffer.ResetWrittenCount();
                        }
                    }

                    writer.WriteEndArray();
                }

                await stream.WriteAsync(buffer.WrittenMemory, ct);
                return Checked(rows, expected);
            }, ct));

            var manifest = new DisclosureManifest(
                SchemaVersion, order.Reference, AuthorityOrderTypes.Name(order.Type), order.PeriodFrom, order.PeriodUntil,
                order.Categories, order.Targets.Count, now, files);
            var bytes = JsonSerializer.SerializeToUtf8Bytes(manifest, Json);
            await AddAsync(zip, "manifest.json", async stream =>
            {
                await stream.WriteAsync(bytes, ct);
                return 0;
            }, ct);
            return manifest;
        }
    }

    private const int ChunkChars = 32 * 1024;

    private static readonly IReadOnlySet<string> None = new HashSet<string>();

    private sealed record Row(string Category, string Type, string Id, string Organization, string Time, IReadOnlyList<AccessField> Fields);

    private static Row RowOf(SubjectRecord r) => new(
        r.Category, r.Type, r.Id, r.OrganizationId.ToString(),
        TimeOf(r.Record) is { } t ? InstantPattern.ExtendedIso.Format(t) : string.Empty,
        AccessReportBuilder.FieldsOf(r.Record, r.Category, None));

    /// <summary>
    /// The set's records by time and then id (the cursor gives them by time; records of the same instant, few, are
    /// put in id order before they are passed on).
    /// </summary>
    private static async IAsyncEnumerable<Row> InTimeOrderAsync(
        CustodianDbContext db, string category, bool usage, EventSet set, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var same = new List<SubjectRecord>();
        Instant? at = null;
        await foreach (var record in EventLookup.StreamSetAsync(db, usage, set, ct))
        {
            var time = TimeOf(record)!.Value;
            if (at != time && same.Count > 0)
            {
                foreach (var r in same.OrderBy(r => r.Id, StringComparer.Ordinal))
                {
                    yield return RowOf(r);
                }

                same.Clear();
            }

            at = time;
            same.Add(SubjectRecords.Of(record, category));
        }

        foreach (var r in same.OrderBy(r => r.Id, StringComparer.Ordinal))
        {
            yield return RowOf(r);
        }
    }

    private static int Checked(int rows, long expected) => rows == expected
        ? rows
        : throw new InvalidOperationException($"The order's records changed while the package was written ({expected} counted, {rows} read).");

    private static List<SubjectKey> KeysOf(AuthorityOrder order) => [.. order.Targets
        .Select(t => SubjectKey.Of(SubjectKey.ParseKind(t.Kind) ?? throw new InvalidOperationException($"Stored target kind '{t.Kind}' is unknown."), t.Value))
        .OfType<SubjectKey>()];

    private static AnswerScope ScopeOf(AuthorityOrder order) => new(order.Categories.ToHashSet(StringComparer.Ordinal));

    public static DisclosureManifest ReadManifest(Stream json) =>
        JsonSerializer.Deserialize<DisclosureManifest>(json, Json) ?? throw new JsonException("empty manifest");

    /// <summary>A record's own time, for the period; null for store records, which have none.</summary>
    internal static Instant? TimeOf(object record) => record switch
    {
        UsageRecord u => u.StartTime,
        TrafficRecord t => t.StartTime,
        _ => null,
    };

    /// <summary>Adds an entry written by <paramref name="write"/> (which returns its record count), hashing and counting the bytes on the way.</summary>
    private static async Task<DisclosureFile> AddAsync(ZipArchive zip, string name, Func<Stream, Task<int>> write, CancellationToken ct)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        int records;
        long size;
        await using (var stream = await entry.OpenAsync(ct))
        await using (var hashing = new HashingWriteStream(stream, hash))
        {
            records = await write(hashing);
            size = hashing.Length;
        }

        return new DisclosureFile(name, records, size, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    /// <summary>RFC 4180 quoting.</summary>
    private static string Csv(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
}
