using System.Globalization;
using System.Text;
using System.Text.Json;
using NodaTime;

namespace Custodian.Core.Features.Audit;

/// <summary>
/// The canonical bytes of an audit event, the input of its leaf hash. Rules (security.md §2.3 item 1), fixed forever for
/// leaf format <see cref="Version"/>:
/// <list type="bullet">
/// <item>one JSON object, keys sorted by ordinal, no whitespace, UTF-8;</item>
/// <item>strings are written as they are stored (append normalises them to NFC first); only <c>"</c>, <c>\</c> and
/// control characters are escaped (<c>\b \t \n \f \r</c>, else <c>\u00xx</c> lowercase), everything else is raw UTF-8 —
/// our own writer, so a change in a library's escaping policy can never change a hash;</item>
/// <item>the time is an integer: microseconds since the Unix epoch, UTC;</item>
/// <item>ids are lowercase hyphenated GUIDs; absent values are <c>null</c>;</item>
/// <item><c>objects</c> and <c>details</c> are embedded as JSON values and must be stored in exactly this canonical form.</item>
/// </list>
/// Format: <c>{"action":..,"actor_id":..,"actor_kind":..,"details":{..},"id":..,"objects":[{"id":..,"type":..}],
/// "organization_id":..,"reason":..,"seq":N,"time_us":N,"v":1}</c>.
/// </summary>
internal static class AuditCanonical
{
    public const int Version = 1;

    public static string ActorKindName(AuditActorKind kind) => kind switch
    {
        AuditActorKind.User => "user",
        AuditActorKind.ApiKey => "api_key",
        AuditActorKind.System => "system",
        AuditActorKind.Cli => "cli",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown actor kind."),
    };

    /// <summary>Microseconds since the Unix epoch; the stored instant is already truncated to whole microseconds.</summary>
    public static long ToUnixMicroseconds(Instant instant) => instant.ToUnixTimeTicks() / 10;

    public static Instant TruncateToMicroseconds(Instant instant) =>
        Instant.FromUnixTimeTicks(Math.DivRem(instant.ToUnixTimeTicks(), 10, out var rem) * 10 - (rem < 0 ? 10 : 0));

    /// <summary>Canonical JSON of an object list, as stored in <see cref="AuditEvent.Objects"/>.</summary>
    public static string ObjectsJson(IEnumerable<AuditObject> objects)
    {
        var sb = new StringBuilder("[");
        var first = true;
        foreach (var o in objects)
        {
            sb.Append(first ? "{\"id\":" : ",{\"id\":");
            first = false;
            AppendString(sb, o.Id);
            sb.Append(",\"type\":");
            AppendString(sb, o.Type);
            sb.Append('}');
        }

        return sb.Append(']').ToString();
    }

    /// <summary>Canonical JSON of details, as stored in <see cref="AuditEvent.Details"/>: keys sorted ordinally.</summary>
    public static string DetailsJson(IEnumerable<KeyValuePair<string, string>> details)
    {
        var sb = new StringBuilder("{");
        var first = true;
        foreach (var (key, value) in details.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            sb.Append(first ? "" : ",");
            first = false;
            AppendString(sb, key);
            sb.Append(':');
            AppendString(sb, value);
        }

        return sb.Append('}').ToString();
    }

    /// <summary>The canonical UTF-8 bytes of a stored event (everything except its hashes).</summary>
    public static byte[] Bytes(AuditEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var sb = new StringBuilder(256);
        sb.Append("{\"action\":");
        AppendString(sb, e.Action);
        sb.Append(",\"actor_id\":");
        AppendString(sb, e.ActorId);
        sb.Append(",\"actor_kind\":");
        AppendString(sb, e.ActorKind);
        sb.Append(",\"details\":").Append(e.Details);
        sb.Append(",\"id\":");
        AppendString(sb, e.Id.ToString("D"));
        sb.Append(",\"objects\":").Append(e.Objects);
        sb.Append(",\"organization_id\":");
        if (e.OrganizationId is { } org)
        {
            AppendString(sb, org.ToString("D"));
        }
        else
        {
            sb.Append("null");
        }

        sb.Append(",\"reason\":");
        if (e.Reason is { } reason)
        {
            AppendString(sb, reason);
        }
        else
        {
            sb.Append("null");
        }

        sb.Append(",\"seq\":").Append(e.Seq.ToString(CultureInfo.InvariantCulture));
        sb.Append(",\"time_us\":").Append(ToUnixMicroseconds(e.OccurredAt).ToString(CultureInfo.InvariantCulture));
        sb.Append(",\"v\":").Append(Version.ToString(CultureInfo.InvariantCulture));
        sb.Append('}');
        return StrictUtf8.GetBytes(sb.ToString());
    }

    public static byte[] LeafHash(AuditEvent e) => MerkleTree.LeafHash(Bytes(e));

    /// <summary>
    /// Why a stored event cannot be canonicalised as stored (non-canonical JSON columns, an unknown actor kind, invalid
    /// text, a time with sub-microsecond digits), or null when it can. The verifier reports this as tampering.
    /// </summary>
    public static string? CheckStoredForm(AuditEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.ActorKind is not ("user" or "api_key" or "system" or "cli"))
        {
            return "actor_kind is not a known actor kind";
        }

        if (TruncateToMicroseconds(e.OccurredAt) != e.OccurredAt)
        {
            return "occurred_at has sub-microsecond digits (not written by the audit trail)";
        }

        try
        {
            using var objects = JsonDocument.Parse(e.Objects);
            if (objects.RootElement.ValueKind != JsonValueKind.Array)
            {
                return "objects is not a JSON array";
            }

            var list = new List<AuditObject>();
            foreach (var item in objects.RootElement.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("type", out var type) || !item.TryGetProperty("id", out var id) ||
                    type.ValueKind != JsonValueKind.String || id.ValueKind != JsonValueKind.String)
                {
                    return "objects holds an element that is not {\"id\":..,\"type\":..}";
                }

                list.Add(new AuditObject(type.GetString()!, id.GetString()!));
            }

            if (!string.Equals(ObjectsJson(list), e.Objects, StringComparison.Ordinal))
            {
                return "objects is not in canonical form";
            }

            using var details = JsonDocument.Parse(e.Details);
            if (details.RootElement.ValueKind != JsonValueKind.Object)
            {
                return "details is not a JSON object";
            }

            var pairs = new List<KeyValuePair<string, string>>();
            foreach (var p in details.RootElement.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.String)
                {
                    return "details holds a value that is not a string";
                }

                pairs.Add(new(p.Name, p.Value.GetString()!));
            }

            if (!string.Equals(DetailsJson(pairs), e.Details, StringComparison.Ordinal))
            {
                return "details is not in canonical form";
            }
        }
        catch (JsonException)
        {
            return "objects or details is not valid JSON";
        }

        try
        {
            _ = Bytes(e);
        }
        catch (EncoderFallbackException)
        {
            return "a text field holds invalid UTF-16 (a lone surrogate)";
        }

        return null;
    }

    /// <summary>Throws (a bug in the caller) when a string cannot be encoded exactly: lone surrogates would otherwise be replaced silently.</summary>
    public static void RequireValidText(string? value, string name)
    {
        if (value is null)
        {
            return;
        }

        try
        {
            _ = StrictUtf8.GetByteCount(value);
        }
        catch (EncoderFallbackException)
        {
            throw new ArgumentException($"Audit field '{name}' holds invalid UTF-16 (a lone surrogate).", name);
        }

        if (value.Contains('\0', StringComparison.Ordinal))
        {
            // PostgreSQL text cannot hold NUL; refuse it on both engines so the stored form is the same everywhere.
            throw new ArgumentException($"Audit field '{name}' holds a NUL character.", name);
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static void AppendString(StringBuilder sb, string value)
    {
        sb.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\t': sb.Append("\\t"); break;
                case '\n': sb.Append("\\n"); break;
                case '\f': sb.Append("\\f"); break;
                case '\r': sb.Append("\\r"); break;
                case < ' ': sb.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture)); break;
                default: sb.Append(c); break;
            }
        }

        sb.Append('"');
    }
}
