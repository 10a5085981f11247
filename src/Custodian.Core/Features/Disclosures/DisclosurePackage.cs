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

    /// <summary>The records in the order's scope (the context must be provider-wide).</summary>
    public static async Task<IReadOnlyList<SubjectRecord>> CollectAsync(CustodianDbContext db, AuthorityOrder order, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(order);
        var keys = order.Targets
            .Select(t => SubjectKey.Of(SubjectKey.ParseKind(t.Kind) ?? throw new InvalidOperationException($"Stored target kind '{t.Kind}' is unknown."), t.Value))
            .OfType<SubjectKey>()
            .ToList();
        var scope = new AnswerScope(order.Categories.ToHashSet(StringComparer.Ordinal));
        var records = await SubjectRecords.CollectAsync(db, keys, scope, ct);
        return [.. records.Where(r => TimeOf(r.Record) is not { } t || (t >= order.PeriodFrom && t < order.PeriodUntil))];
    }

    /// <summary>Writes the package to <paramref name="output"/> (left open) and returns its manifest.</summary>
    public static async Task<DisclosureManifest> WriteAsync(AuthorityOrder order, IReadOnlyList<SubjectRecord> records, Instant now, Stream output, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(records);
        IReadOnlySet<string> none = new HashSet<string>();
        var rows = records
            .OrderBy(r => r.Category, StringComparer.Ordinal).ThenBy(r => TimeOf(r.Record)).ThenBy(r => r.Id, StringComparer.Ordinal)
            .Select(r => (r.Category, r.Type, r.Id, Organization: r.OrganizationId.ToString(), Time: TimeOf(r.Record) is { } t ? InstantPattern.ExtendedIso.Format(t) : string.Empty,
                Fields: AccessReportBuilder.FieldsOf(r.Record, r.Category, none)))
            .ToList();

        var files = new List<DisclosureFile>();
        using var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
        var csv = new StringBuilder();
        var columns = rows.SelectMany(r => r.Fields.Select(f => f.Name)).Distinct(StringComparer.Ordinal).ToList();
        csv.Append(string.Join(',', LeadingColumns.Concat(columns).Select(Csv))).Append("\r\n");
        foreach (var r in rows)
        {
            var values = new[] { r.Category, r.Type, r.Id, r.Organization, r.Time }
                .Concat(columns.Select(c => r.Fields.FirstOrDefault(f => f.Name == c)?.Value ?? string.Empty));
            csv.Append(string.Join(',', values.Select(Csv))).Append("\r\n");
        }

        files.Add(await AddAsync(zip, "records.csv", rows.Count, new UTF8Encoding(false).GetBytes(csv.ToString()), ct));
        var json = JsonSerializer.SerializeToUtf8Bytes(
            rows.Select(r => new Dictionary<string, object?>
            {
                ["category"] = r.Category,
                ["type"] = r.Type,
                ["id"] = r.Id,
                ["organization_id"] = r.Organization,
                ["time"] = r.Time.Length == 0 ? null : r.Time,
                ["fields"] = r.Fields.ToDictionary(f => f.Name, f => f.Value, StringComparer.Ordinal),
            }),
            Json);
        files.Add(await AddAsync(zip, "records.json", rows.Count, json, ct));
        var manifest = new DisclosureManifest(
            SchemaVersion, order.Reference, AuthorityOrderTypes.Name(order.Type), order.PeriodFrom, order.PeriodUntil,
            order.Categories, order.Targets.Count, now, files);
        await AddAsync(zip, "manifest.json", 0, JsonSerializer.SerializeToUtf8Bytes(manifest, Json), ct);
        return manifest;
    }

    public static DisclosureManifest ReadManifest(Stream json) =>
        JsonSerializer.Deserialize<DisclosureManifest>(json, Json) ?? throw new JsonException("empty manifest");

    /// <summary>A record's own time, for the period; null for store records, which have none.</summary>
    internal static Instant? TimeOf(object record) => record switch
    {
        UsageRecord u => u.StartTime,
        TrafficRecord t => t.StartTime,
        _ => null,
    };

    private static async Task<DisclosureFile> AddAsync(ZipArchive zip, string name, int records, byte[] content, CancellationToken ct)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
        await using (var stream = await entry.OpenAsync(ct))
        {
            await stream.WriteAsync(content, ct);
        }

        return new DisclosureFile(name, records, content.LongLength, Convert.ToHexStringLower(SHA256.HashData(content)));
    }

    /// <summary>RFC 4180 quoting.</summary>
    private static string Csv(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
}
