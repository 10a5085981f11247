using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Persistence;
using NodaTime;

namespace Custodian.Core.Features.Requests.Answers;

/// <summary>One file of the package as the manifest lists it.</summary>
internal sealed record PortabilityFile(string Name, string? Category, int Records, long Size, string Sha256);

/// <summary>The package's <c>manifest.json</c> (docs/formats/portability.md).</summary>
internal sealed record PortabilityManifest(string SchemaVersion, Instant GeneratedAt, IReadOnlyList<string> Categories, IReadOnlyList<PortabilityFile> Files);

/// <summary>
/// The Art. 20 package (POR-1, POR-2): a ZIP with, per portable category that holds records of the person, one JSON
/// and one CSV file, plus <c>schema.json</c> and <c>manifest.json</c> (every other file with its SHA-256 and record
/// count). Only categories the register derives as portable: consent or contract, and provided by the person.
/// </summary>
internal static class PortabilityPackage
{
    public const string SchemaVersion = "1";

    private static readonly string[] LeadingColumns = ["type", "id"];

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new AccessReportJson.InstantConverter() },
    };

    /// <summary>
    /// Writes the package to <paramref name="output"/> (left open) and returns its manifest. Streams: usage and
    /// traffic records are read with a cursor and written straight into the ZIP entries (each hashed as it is
    /// written), twice (JSON, then CSV, whose header needs every column), so memory does not grow with their number.
    /// </summary>
    public static async Task<PortabilityManifest> WriteAsync(
        CustodianDbContext db, ProcessingRegister register, IReadOnlyList<SubjectKey> subject, AnswerScope scope, Instant now, Stream output, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(register);
        ArgumentNullException.ThrowIfNull(scope);
        var portable = register.Categories.Where(c => c.Portable && scope.Includes(c.Id)).ToList();
        var narrowed = scope with { CategoryIds = portable.Select(c => c.Id).ToHashSet(StringComparer.Ordinal) };
        var records = await SubjectRecords.CollectWithoutEventsAsync(db, subject, narrowed, ct);
        var own = new HashSet<string>(subject.Select(k => k.Value), StringComparer.OrdinalIgnoreCase);
        var usageCategory = StoreCatalog.CategoryOf(typeof(UsageRecord));
        var trafficCategory = StoreCatalog.CategoryOf(typeof(TrafficRecord));

        async IAsyncEnumerable<(string Type, string Id, IReadOnlyList<AccessField> Fields)> Rows(string category)
        {
            foreach (var r in records.Where(r => r.Category == category))
            {
                yield return (r.Type, r.Id, AccessReportBuilder.FieldsOf(r.Record, category, own));
            }

            var usage = category == usageCategory;
            var traffic = category == trafficCategory;
            if (usage || traffic)
            {
                await foreach (var r in SubjectRecords.StreamEventsAsync(db, subject, narrowed, usage, traffic, ct))
                {
                    if (r.Category == category)
                    {
                        yield return (r.Type, r.Id, AccessReportBuilder.FieldsOf(r.Record, category, own));
                    }
                }
            }
        }

        var files = new List<PortabilityFile>();
        var categories = new List<string>();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var category in portable)
            {
                await using (var first = Rows(category.Id).GetAsyncEnumerator(ct))
                {
                    if (!await first.MoveNextAsync())
                    {
                        continue;
                    }
                }

                categories.Add(category.Id);
                var columns = new List<string>();
                var known = new HashSet<string>(StringComparer.Ordinal);
                var count = 0;
                files.Add(await AddAsync(zip, $"{category.Id}.json", category.Id, async stream =>
                {
                    await using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = Json.Encoder });
                    writer.WriteStartArray();
                    await foreach (var r in Rows(category.Id))
                    {
                        count++;
                        foreach (var f in r.Fields)
                        {
                            if (known.Add(f.Name))
                            {
                                columns.Add(f.Name);
                            }
                        }

                        JsonSerializer.Serialize(writer, new Dictionary<string, object?>
                        {
                            ["type"] = r.Type,
                            ["id"] = r.Id,
                            ["fields"] = r.Fields.ToDictionary(f => f.Name, f => f.Value, StringComparer.Ordinal),
                        }, Json);
                        if (writer.BytesPending > FlushBytes)
                        {
                            await writer.FlushAsync(ct);
                        }
                    }

                    writer.WriteEndArray();
                    await writer.FlushAsync(ct);
                    return count;
                }, ct));

                files.Add(await AddAsync(zip, $"{category.Id}.csv", category.Id, async stream =>
                {
                    await using var writer = new StreamWriter(stream, new UTF8Encoding(false), FlushBytes, leaveOpen: true);
                    await writer.WriteAsync(string.Join(',', LeadingColumns.Concat(columns).Select(Csv)) + "\r\n");
                    var rows = 0;
                    await foreach (var r in Rows(category.Id))
                    {
                        rows++;
                        var values = new[] { r.Type, r.Id }.Concat(columns.Select(c => r.Fields.FirstOrDefault(f => f.Name == c)?.Value ?? string.Empty));
                        await writer.WriteAsync(string.Join(',', values.Select(Csv)) + "\r\n");
                    }

                    await writer.FlushAsync(ct);
                    // The records were read twice; one written between the two reads would make the files disagree.
                    return rows == count ? rows : throw new InvalidOperationException($"The records of {category.Id} changed while the package was written ({count} then {rows}).");
                }, ct));
            }

            files.Add(await AddAsync(zip, "schema.json", null, 0, Encoding.UTF8.GetBytes(Schema), ct));
            var manifest = new PortabilityManifest(SchemaVersion, now, categories, files);
            await AddAsync(zip, "manifest.json", null, 0, JsonSerializer.SerializeToUtf8Bytes(manifest, Json), ct);
            return manifest;
        }
    }

    public static PortabilityManifest ReadManifest(Stream json) =>
        JsonSerializer.Deserialize<PortabilityManifest>(json, Json) ?? throw new JsonException("empty manifest");

    private const int FlushBytes = 64 * 1024;

    private static Task<PortabilityFile> AddAsync(ZipArchive zip, string name, string? category, int records, byte[] content, CancellationToken ct) =>
        AddAsync(zip, name, category, async stream =>
        {
            await stream.WriteAsync(content, ct);
            return records;
        }, ct);

    /// <summary>Adds an entry written by <paramref name="write"/> (which returns its record count), hashing and counting the bytes on the way.</summary>
    private static async Task<PortabilityFile> AddAsync(ZipArchive zip, string name, string? category, Func<Stream, Task<int>> write, CancellationToken ct)
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

        return new PortabilityFile(name, category, records, size, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    /// <summary>RFC 4180 quoting.</summary>
    private static string Csv(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;

    /// <summary>JSON Schema (2020-12) of the per-category JSON files and the manifest.</summary>
    internal const string Schema = """
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "$id": "urn:custodian:portability:1",
          "title": "Custodian portability package, schema version 1",
          "$defs": {
            "category_file": {
              "description": "<category>.json: the records of one register category, each with its type, id and fields (field name to text value, null when empty). <category>.csv holds the same: columns type, id, then the field names.",
              "type": "array",
              "items": {
                "type": "object",
                "required": ["type", "id", "fields"],
                "properties": {
                  "type": { "type": "string" },
                  "id": { "type": "string" },
                  "fields": { "type": "object", "additionalProperties": { "type": ["string", "null"] } }
                }
              }
            },
            "manifest": {
              "type": "object",
              "required": ["schema_version", "generated_at", "categories", "files"],
              "properties": {
                "schema_version": { "type": "string" },
                "generated_at": { "type": "string", "format": "date-time" },
                "categories": { "type": "array", "items": { "type": "string" } },
                "files": {
                  "type": "array",
                  "items": {
                    "type": "object",
                    "required": ["name", "records", "size", "sha256"],
                    "properties": {
                      "name": { "type": "string" },
                      "category": { "type": ["string", "null"] },
                      "records": { "type": "integer" },
                      "size": { "type": "integer" },
                      "sha256": { "type": "string", "pattern": "^[0-9a-f]{64}$" }
                    }
                  }
                }
              }
            }
          }
        }
        """;
}
