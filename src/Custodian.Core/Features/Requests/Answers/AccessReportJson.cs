using System.Text.Json;
using System.Text.Json.Serialization;
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
    };

    public static async Task WriteAsync(AccessReport report, Stream stream, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(report);
        await JsonSerializer.SerializeAsync(stream, report, Options, ct);
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
