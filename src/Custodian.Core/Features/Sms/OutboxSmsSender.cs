using System.Globalization;
using System.Text.Json;

namespace Custodian.Core.Features.Sms;

/// <summary>
/// Writes each message as a small JSON file <c>{ "to", "text", "reference", "at" }</c> named <c>*.sms.json</c> into the
/// outbox folder instead of sending it (beside the mail's <c>.eml</c> files): <c>serve --dev</c> and the tests read codes
/// from there. Written to a temporary name and renamed, so a reader never sees half a message. Names sort by time; a
/// queued message's name is its queue time and id only, so a resend after a kill replaces the file.
/// </summary>
internal sealed class OutboxSmsSender(SmsOptions options, TimeProvider time) : ISmsSender
{
    public const string Extension = ".sms.json";

    public string Folder { get; } = options.OutboxFolder ?? throw new InvalidOperationException("OutboxSmsSender needs SmsOptions.OutboxFolder.");

    public async Task SendAsync(OutgoingSms sms, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(sms);
        Directory.CreateDirectory(Folder);
        var now = time.GetUtcNow();
        var stamp = (sms.QueuedAt ?? now).ToString("yyyyMMdd'T'HHmmssfffffff", CultureInfo.InvariantCulture);
        var name = $"{stamp}-{sms.MessageId ?? Guid.NewGuid():N}{Extension}";
        var temporary = Path.Combine(Folder, $"{name}.{Guid.NewGuid():N}.tmp");
        await using (var stream = File.Create(temporary))
        {
            await JsonSerializer.SerializeAsync(stream, new OutboxSms(sms.To, sms.Text, sms.Reference, now), OutboxSmsJson.Default.OutboxSms, ct);
        }

        File.Move(temporary, Path.Combine(Folder, name), overwrite: true);
    }
}

/// <summary>The file format of <see cref="OutboxSmsSender"/>.</summary>
internal sealed record OutboxSms(string To, string Text, string Reference, DateTimeOffset At);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[System.Text.Json.Serialization.JsonSerializable(typeof(OutboxSms))]
internal sealed partial class OutboxSmsJson : System.Text.Json.Serialization.JsonSerializerContext;
