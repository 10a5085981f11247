using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Custodian.Core.Features.Register;
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

    /// <summary>Writes the package to <paramref name="output"/> (left open) and returns its manifest.</summary>
    public static async Task<PortabilityManifest> WriteAsync(
        CustodianDbContext db, ProcessingRegister register, IReadOnlyList<SubjectKey> subject, AnswerScope scope, Instant now, Stream output, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(register);
        ArgumentNullException.ThrowIfNull(scope);
        var portable = register.Categories.Where(c => c.Portable && scope.Includes(c.Id)).ToList();
        var narrowed = scope with { CategoryIds = portable.Select(c => c.Id).ToHashSet(StringComparer.Ordinal) };
        var records = await SubjectRecords.CollectAsync(db, subject, narrowed, ct);
        var own = new HashSet<string>(subject.Select(k => k.Value), StringComparer.OrdinalIgnoreCase);

        var files = new List<PortabilityFile>();
        var categories = new List<string>();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var category in portable)
            {
                var rows = records.Where(r => r.Category == category.Id)
                    .Select(r => (r.Type, r.Id, Fields: AccessReportBuilder.FieldsOf(r.Record, category.Id, own)))
                    .ToList();
                if (rows.Count == 0)
                {
                    continue;
                }

                categories.Add(category.Id);
                var json = JsonSerializer.SerializeToUtf8Bytes(
                    rows.Select(r => new Dictionary<string, object?>
                    {
                        ["type"] = r.Type,
                        ["id"] = r.Id,
                        ["fields"] = r.Fields.ToDictionary(f => f.Name, f => f.Value, StringComparer.Ordinal),
                    }),
                    Json);
                files.Add(await AddAsync(zip, $"{category.Id}.json", category.Id, rows.Count, json, ct));

                var columns = rows.SelectMany(r => r.Fields.Select(f => f.Name)).Distinct(StringComparer.Ordinal).ToList();
                var csv = new StringBuilder();
                csv.Append(string.Join(',', LeadingColumns.Concat(columns).Select(Csv))).Append("\r\n");
                foreach (var r in rows)
                {
                    var values = new[] { r.Type, r.Id }.Concat(columns.Select(c => r.Fields.FirstOrDefault(f => f.Name == c)?.Value ?? string.Empty));
                    csv.Append(string.Join(',', values.Select(Csv))).Append("\r\n");
                }

                files.Add(await AddAsync(zip, $"{category.Id}.csv", category.Id, rows.Count, new UTF8Encoding(false).GetBytes(csv.ToString()), ct));
            }

            files.Add(await AddAsync(zip, "schema.json", null, 0, Encoding.UTF8.GetBytes(Schema), ct));
            var manifest = new PortabilityManifest(SchemaVersion, now, categories, files);
            await AddAsync(zip, "manifest.json", null, 0, JsonSerializer.SerializeToUtf8Bytes(manifest, Json), ct);
            return manifest;
        }
    }

    public static PortabilityManifest ReadManifest(Stream json) =>
        JsonSerializer.Deserialize<PortabilityManifest>(json, Json) ?? throw new JsonException("empty manifest");

    private static async Task<PortabilityFile> AddAsync(ZipArchive zip, string name, string? category, int records, byte[] content, CancellationToken ct)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
        await using (var stream = await entry.OpenAsync(ct))
        {
            await stream.WriteAsync(content, ct);
        }

        return new PortabilityFile(name, category, records, content.LongLength, Convert.ToHexStringLower(SHA256.HashData(content)));
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
