using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Core.Features.Requests.Answers;

/// <summary>
/// The access report as JSON (docs/formats/access-report.md): snake_case field names, instants in ISO-8601 UTC,
/// texts as <c>{"nl": ..., "en": ...}</c>. Field names are a contract; a change bumps <see cref="AccessReport.SchemaVersion"/>.
/// </summary>
internal static class AccessReportJson
{
    internal static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new InstantConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        // The serializer's own (reflection) metadata, named so the streamed writer can ask it for the property order.
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };

    public static async Task WriteAsync(AccessReport report, Stream stream, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(report);
        await JsonSerializer.SerializeAsync(stream, report, Options, ct);
    }

    /// <summary>
    /// Writes the same JSON as <see cref="Write"/> to <paramref name="output"/> (left open), the records read from
    /// <paramref name="source"/>'s cursor as they are written; <c>record_count</c>, the model's last property, is the
    /// number written. Memory holds one chunk of output. Returns the number of records written; throws when a
    /// category's records differ from its counted number (the data changed meanwhile).
    /// </summary>
    public static async Task<long> WriteAsync(AccessReportSource source, Stream output, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(output);
        // The writer fills a buffer, never the stream: the chunks go out with an asynchronous write each, so a full
        // pipe makes this wait instead of blocking a thread.
        var buffer = new ArrayBufferWriter<byte>(ChunkBytes * 2);
        await using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = Options.Encoder });
        long total = 0;
        writer.WriteStartObject();
        foreach (var property in Properties(typeof(AccessReport)))
        {
            writer.WritePropertyName(property.Name);
            if (property.Name == CategoriesName)
            {
                writer.WriteStartArray();
                foreach (var part in source.Categories)
                {
                    writer.WriteStartObject();
                    foreach (var p in Properties(typeof(AccessCategory)))
                    {
                        writer.WritePropertyName(p.Name);
                        if (p.Name != RecordsName)
                        {
                            JsonSerializer.Serialize(writer, p.Get!(part.Header), p.PropertyType, Options);
                            continue;
                        }

                        writer.WriteStartArray();
                        long written = 0;
                        await foreach (var record in source.RecordsAsync(part, ct))
                        {
                            JsonSerializer.Serialize(writer, record, Options);
                            written++;
                            if (writer.BytesPending + buffer.WrittenCount >= ChunkBytes)
                            {
                                await DrainAsync(writer, buffer, output, ct);
                            }
                        }

                        AccessReportSource.CheckCount(part, written);
                        total += written;
                        writer.WriteEndArray();
                    }

                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }
            else if (property.Name == RecordCountName)
            {
                JsonSerializer.Serialize(writer, (int)total, Options);
            }
            else
            {
                JsonSerializer.Serialize(writer, property.Get!(source.Head), property.PropertyType, Options);
            }
        }

        writer.WriteEndObject();
        await DrainAsync(writer, buffer, output, ct);
        await output.FlushAsync(ct);
        return total;
    }

    private const int ChunkBytes = 64 * 1024;

    private static readonly string CategoriesName = Options.PropertyNamingPolicy!.ConvertName(nameof(AccessReport.Categories));
    private static readonly string RecordsName = Options.PropertyNamingPolicy!.ConvertName(nameof(AccessCategory.Records));
    private static readonly string RecordCountName = Options.PropertyNamingPolicy!.ConvertName(nameof(AccessReport.RecordCount));

    /// <summary>The properties the serializer writes for <paramref name="type"/>, in its order and with its names.</summary>
    private static IEnumerable<JsonPropertyInfo> Properties(Type type) =>
        Options.GetTypeInfo(type).Properties.OrderBy(p => p.Order);

    private static async Task DrainAsync(Utf8JsonWriter writer, ArrayBufferWriter<byte> buffer, Stream output, CancellationToken ct)
    {
        writer.Flush();
        await output.WriteAsync(buffer.WrittenMemory, ct);
        buffer.ResetWrittenCount();
    }

    public static void Write(AccessReport report, Stream stream) => JsonSerializer.Serialize(stream, report, Options);

    public static AccessReport Read(Stream stream) =>
        JsonSerializer.Deserialize<AccessReport>(stream, Options) ?? throw new JsonException("empty access report");

    internal sealed class InstantConverter : JsonConverter<Instant>
    {
        public override Instant Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            InstantPattern.ExtendedIso.Parse(reader.GetString() ?? string.Empty).GetValueOrThrow();

        public override void Write(Utf8JsonWriter writer, Instant value, JsonSerializerOptions options) =>
            writer.WriteStringValue(InstantPattern.ExtendedIso.Format(value));
    }
}
