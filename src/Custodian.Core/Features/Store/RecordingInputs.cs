using System.Globalization;
using Custodian.Core.Identifiers;

namespace Custodian.Core.Features.Store;

/// <summary>
/// The request headers that carry an upload's metadata. Headers, not the query string: the metadata holds phone
/// numbers, and personal data does not belong in URLs (security.md, ASVS 14.2.1), which end up in proxy and access
/// logs. The body is the content itself, so a PBX script can send a file with one <c>curl --data-binary</c>.
/// Validation problems name these headers as their fields.
/// </summary>
internal static class UploadHeaders
{
    /// <summary>Provider keys only: the code of the organisation the recording belongs to.</summary>
    public const string Organization = "Custodian-Organization";

    public const string Caller = "Call-Caller";

    public const string Callee = "Call-Callee";

    public const string StartedAt = "Call-Started-At";

    public const string DurationSeconds = "Call-Duration-Seconds";

    public const string TicketId = "Call-Ticket-Id";

    /// <summary>The longest accepted call: a day.</summary>
    public const int MaxDurationSeconds = 86_400;

    internal static int? Duration(FieldValidator v, string? value)
    {
        var text = v.Text(DurationSeconds, value, 10);
        if (text is null)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > MaxDurationSeconds)
        {
            v.Add(DurationSeconds, "field.duration_seconds", string.Create(CultureInfo.InvariantCulture, $"'{DurationSeconds}' must be whole seconds from 0 to {MaxDurationSeconds}."));
            return null;
        }

        return seconds;
    }

    /// <summary>A canonical (key-independent) text of the metadata, for the idempotency request hash.</summary>
    internal static string Canonical(params (string Name, string? Value)[] fields) =>
        string.Join('\n', fields.Select(f => $"{f.Name}:{f.Value}"));
}

/// <summary>The metadata of a recording of a call to the provider's support line (headers: see <see cref="UploadHeaders"/>).</summary>
internal sealed record SupportCallRecordingInput(string? Organization, string? Caller, string? StartedAt, string? DurationSeconds, string? TicketId)
    : IRecordInput<SupportCallRecording>, IOrganizationRecordInput
{
    /// <summary>The linked ticket, once <see cref="Validate"/> accepted it (checked against the owner by the command).</summary>
    public Guid? ParsedTicketId { get; private set; }

    public Action<SupportCallRecording>? Validate(FieldValidator v)
    {
        var caller = v.Identifier(UploadHeaders.Caller, IdentifierKind.PhoneNumber, Caller);
        var started = v.Instant(UploadHeaders.StartedAt, StartedAt);
        var duration = UploadHeaders.Duration(v, DurationSeconds);
        var ticket = v.Text(UploadHeaders.TicketId, TicketId, 36, required: false);
        if (ticket is not null)
        {
            if (Guid.TryParse(ticket, out var id) && id != Guid.Empty)
            {
                ParsedTicketId = id;
            }
            else
            {
                v.Add(UploadHeaders.TicketId, "field.id_format", $"'{UploadHeaders.TicketId}' must be a ticket id (a UUID).");
            }
        }

        return v.IsValid
            ? r => (r.CallerNumber, r.CalledAt, r.DurationSeconds, r.TicketId) = (caller!, started!.Value, duration!.Value, ParsedTicketId)
            : null;
    }

    public string Canonical() => UploadHeaders.Canonical(
        (UploadHeaders.Organization, Organization), (UploadHeaders.Caller, Caller), (UploadHeaders.StartedAt, StartedAt),
        (UploadHeaders.DurationSeconds, DurationSeconds), (UploadHeaders.TicketId, TicketId));
}

/// <summary>The metadata of one of an organisation's own call recordings (headers: see <see cref="UploadHeaders"/>).</summary>
internal sealed record CustomerCallRecordingInput(string? Organization, string? Caller, string? Callee, string? StartedAt, string? DurationSeconds)
    : IRecordInput<CustomerCallRecording>, IOrganizationRecordInput
{
    public Action<CustomerCallRecording>? Validate(FieldValidator v)
    {
        var caller = v.Identifier(UploadHeaders.Caller, IdentifierKind.PhoneNumber, Caller);
        var callee = v.Identifier(UploadHeaders.Callee, IdentifierKind.PhoneNumber, Callee);
        var started = v.Instant(UploadHeaders.StartedAt, StartedAt);
        var duration = UploadHeaders.Duration(v, DurationSeconds);
        return v.IsValid
            ? r => (r.CallerNumber, r.CalleeNumber, r.CalledAt, r.DurationSeconds) = (caller!, callee!, started!.Value, duration!.Value)
            : null;
    }

    public string Canonical() => UploadHeaders.Canonical(
        (UploadHeaders.Organization, Organization), (UploadHeaders.Caller, Caller), (UploadHeaders.Callee, Callee),
        (UploadHeaders.StartedAt, StartedAt), (UploadHeaders.DurationSeconds, DurationSeconds));
}
