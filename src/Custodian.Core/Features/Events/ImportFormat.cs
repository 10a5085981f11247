using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Custodian.Core.Identifiers;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Core.Features.Events;

/// <summary>A row that was not stored: where, which field, which rule. Never the value itself (it is personal data).</summary>
internal sealed record RowReject(long Line, string Field, string Rule, string Message);

/// <summary>A problem with the file as a whole (unknown format, wrong header): nothing of the file is stored.</summary>
internal sealed record FileProblem(long Line, string? Field, string Rule, string Message);

/// <summary>One input format of one record family: checks the first record, then turns each data record into a row or a reject.</summary>
internal interface IImportFormat<TRow>
{
    /// <summary><c>custodian</c> or <c>asterisk</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Checks the first record of the file (the header, for formats that have one). Returns a problem when the file
    /// cannot be of this format; sets <paramref name="isHeader"/> when the record is not data.
    /// </summary>
    FileProblem? CheckFirst(IReadOnlyList<string> fields, ImportContext context, out bool isHeader);

    /// <summary>Parses one data record. Exactly one of the result and <paramref name="reject"/> is non-null.</summary>
    TRow? Parse(IReadOnlyList<string> fields, long line, ImportContext context, out RowReject? reject);
}

/// <summary>What a format needs to know while parsing: the batch, the organisations, the time zone and the plausible time range.</summary>
internal sealed class ImportContext
{
    /// <summary>A start more than this far ahead of the clock is an error in the source, not a record.</summary>
    public static readonly Duration FutureTolerance = Duration.FromDays(1);

    /// <summary>Records before this are refused (a zeroed clock in a PBX writes 1970).</summary>
    public static readonly Instant Earliest = Instant.FromUtc(2000, 1, 1, 0, 0);

    private string? _lastCode;
    private Guid _lastId;

    public required Guid BatchId { get; init; }

    /// <summary>Set by <c>--tenant</c>: every row belongs to this organisation.</summary>
    public Guid? TenantId { get; init; }

    /// <summary>Organisation codes (lower case) to ids, for rows that name their organisation.</summary>
    public required IReadOnlyDictionary<string, Guid> Organizations { get; init; }

    /// <summary>Time zone of local times in the file (Asterisk).</summary>
    public DateTimeZone Zone { get; init; } = DateTimeZone.Utc;

    public required Instant Now { get; init; }

    public PhoneCache Phones { get; } = new();

    public Instant Latest => Now + FutureTolerance;

    /// <summary>
    /// Records that started before this instant are already expired under the register's retention rule of the
    /// family (<see cref="Retention.RetentionCutoff.AnchorBefore"/> at <see cref="Now"/>): they are refused, because the
    /// next sweep would delete them anyway and, on PostgreSQL, recreating a month the sweep dropped can collide with
    /// held rows in the DEFAULT partition. Null: no retention bound (the rule is not counted from the record's time).
    /// </summary>
    public Instant? RetainedFrom { get; init; }

    /// <summary>The family's category and rule in words, for the reject message (<c>usage.call_detail_records: six months after the record's time</c>).</summary>
    public string RetentionText { get; init; } = string.Empty;

    /// <summary>
    /// The row's organisation: the <c>--tenant</c> one, else the one named by <paramref name="code"/>. With both, a row
    /// that names another organisation is rejected rather than silently moved.
    /// </summary>
    public Guid? ResolveOrganization(string field, string? code, long line, bool mustMatchTenant, out RowReject? reject)
    {
        reject = null;
        var trimmed = code?.Trim() ?? string.Empty;
        Guid? named = null;
        if (trimmed.Length > 0)
        {
            // Rows of one file mostly name the same organisation: skip the lower-casing and look-up when it repeats.
            if (string.Equals(trimmed, _lastCode, StringComparison.Ordinal))
            {
                named = _lastId;
            }
            else if (Organizations.TryGetValue(trimmed.ToLowerInvariant(), out var id))
            {
                (_lastCode, _lastId) = (trimmed, id);
                named = id;
            }
            else if (TenantId is null || mustMatchTenant)
            {
                reject = new RowReject(line, field, "import.organization.unknown", $"No organisation has this code; create it first or use --tenant.");
                return null;
            }
        }

        if (TenantId is { } tenant)
        {
            if (mustMatchTenant && named is { } n && n != tenant)
            {
                reject = new RowReject(line, field, "import.organization.mismatch", "The row names another organisation than --tenant.");
                return null;
            }

            return tenant;
        }

        if (named is null)
        {
            reject = new RowReject(line, field, "import.organization.missing", "The row names no organisation and no --tenant was given.");
        }

        return named;
    }

    public bool CheckTime(string field, Instant start, long line, out RowReject? reject)
    {
        reject = start < Earliest || start > Latest
            ? new RowReject(line, field, "import.time.out_of_range", "The time is before 2000-01-01 or more than a day in the future.")
            : start < RetainedFrom
                ? new RowReject(line, field, "import.retention_expired",
                    $"The record's retention has already expired ({RetentionText}; records that started before {RetainedFromText} are expired); the next sweep would delete it, so it is not stored.")
                : null;
        return reject is null;
    }

    private string RetainedFromText => RetainedFrom is { } from ? InstantPattern.ExtendedIso.Format(from) : "-";

    /// <summary>A stable key for a row that has no id of its own: a hash of what identifies it, so the same row gives the same key.</summary>
    public static string DerivedKey(params ReadOnlySpan<string?> parts)
    {
        var text = string.Join('|', parts.ToArray());
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return "h:" + Convert.ToHexStringLower(hash[..16]);
    }
}

/// <summary>
/// Phone numbers repeat a lot in call records (a subscriber makes many calls), and libphonenumber's validation is the
/// most expensive step of a row: remember recent results. Bounded, so memory does not grow with the file.
/// </summary>
internal sealed class PhoneCache
{
    private const int Capacity = 100_000;
    private readonly Dictionary<string, IdentifierResult> _results = new(StringComparer.Ordinal);

    public IdentifierResult Normalize(string input)
    {
        if (_results.TryGetValue(input, out var known))
        {
            return known;
        }

        if (_results.Count >= Capacity)
        {
            _results.Clear();
        }

        var result = Phone.Normalize(input);
        _results[input] = result;
        return result;
    }
}

/// <summary>Field parsing shared by the CSV formats: each returns false with a reject naming the field and the rule.</summary>
internal static class Fields
{
    private static readonly OffsetDateTimePattern TimePattern = OffsetDateTimePattern.ExtendedIso;

    public static bool Required(string field, string value, long line, out RowReject? reject)
    {
        reject = value.Length == 0 ? new RowReject(line, field, "import.field.required", $"'{field}' is required.") : null;
        return reject is null;
    }

    public static bool MaxLength(string field, string value, int max, long line, out RowReject? reject)
    {
        reject = value.Length > max ? new RowReject(line, field, "import.field.too_long", $"'{field}' is longer than {max} characters.") : null;
        return reject is null;
    }

    /// <summary>Checks <paramref name="value"/> against a closed list and replaces it by the list's own instance, so a
    /// million rows share one "outbound" string instead of holding a million copies.</summary>
    public static bool OneOf(string field, ref string value, IReadOnlyList<string> allowed, long line, out RowReject? reject)
    {
        foreach (var a in allowed)
        {
            if (string.Equals(a, value, StringComparison.Ordinal))
            {
                value = a;
                reject = null;
                return true;
            }
        }

        reject = new RowReject(line, field, "import.field.not_allowed", $"'{field}' must be one of {string.Join(", ", allowed)}.");
        return false;
    }

    /// <summary>An instant written with its offset: <c>2026-11-03T09:15:00Z</c> or <c>2026-11-03T10:15:00+01:00</c>.</summary>
    public static bool Time(string field, string value, long line, out Instant instant, out RowReject? reject)
    {
        if (TryUtcSeconds(value, out instant))
        {
            reject = null;
            return true;
        }

        var parsed = TimePattern.Parse(value);
        if (parsed.Success)
        {
            instant = parsed.Value.ToInstant();
            reject = null;
            return true;
        }

        instant = default;
        reject = new RowReject(line, field, "import.time.format",
            $"'{field}' must be an ISO 8601 date and time with its UTC offset, e.g. 2026-11-03T09:15:00Z or 2026-11-03T10:15:00+01:00.");
        return false;
    }

    /// <summary>Fast path for the common <c>2026-11-03T09:15:00Z</c> (the general pattern handles everything else).</summary>
    private static bool TryUtcSeconds(string v, out Instant instant)
    {
        instant = default;
        if (v.Length != 20 || v[4] != '-' || v[7] != '-' || v[10] != 'T' || v[13] != ':' || v[16] != ':' || v[19] != 'Z')
        {
            return false;
        }

        if (!Digits(v, 0, 4, out var year) || !Digits(v, 5, 2, out var month) || !Digits(v, 8, 2, out var day)
            || !Digits(v, 11, 2, out var hour) || !Digits(v, 14, 2, out var minute) || !Digits(v, 17, 2, out var second)
            || year < 1 || month is < 1 or > 12 || day < 1 || day > CalendarSystem.Iso.GetDaysInMonth(year, month)
            || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        instant = Instant.FromUtc(year, month, day, hour, minute, second);
        return true;
    }

    private static bool Digits(string v, int start, int count, out int value)
    {
        value = 0;
        for (var i = start; i < start + count; i++)
        {
            var d = v[i] - '0';
            if ((uint)d > 9)
            {
                return false;
            }

            value = (value * 10) + d;
        }

        return true;
    }

    public static bool Seconds(string field, string value, long line, out int seconds, out RowReject? reject)
    {
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out seconds) && seconds <= 31 * 24 * 3600)
        {
            reject = null;
            return true;
        }

        reject = new RowReject(line, field, "import.seconds.invalid", $"'{field}' must be a whole number of seconds from 0 to 2678400.");
        return false;
    }

    public static bool Count(string field, string value, long line, out long count, out RowReject? reject)
    {
        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out count))
        {
            reject = null;
            return true;
        }

        reject = new RowReject(line, field, "import.count.invalid", $"'{field}' must be a whole number of 0 or more.");
        return false;
    }

    public static bool Phone(string field, string value, ImportContext context, long line, out string? e164, out RowReject? reject)
    {
        var result = context.Phones.Normalize(value);
        if (result.IsValid)
        {
            e164 = result.Value;
            reject = null;
            return true;
        }

        e164 = null;
        reject = new RowReject(line, field, result.Error.Code, result.Error.Message);
        return false;
    }

    public static bool Country(string field, string value, long line, out string? country, out RowReject? reject)
    {
        country = value.ToUpperInvariant();
        if (country.Length == 2 && char.IsAsciiLetterUpper(country[0]) && char.IsAsciiLetterUpper(country[1]))
        {
            reject = null;
            return true;
        }

        reject = new RowReject(line, field, "import.country.invalid", $"'{field}' must be an ISO 3166-1 two-letter country code such as NL.");
        return false;
    }

    public static bool Cost(string value, string currency, long line, out decimal cost, out string? code, out RowReject? reject)
    {
        code = null;
        if (!decimal.TryParse(value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out cost)
            || cost.Scale > 6 || Math.Abs(cost) >= 1_000_000_000_000m)
        {
            reject = new RowReject(line, "cost", "import.cost.invalid", "'cost' must be a decimal number with a point and at most 6 decimals, e.g. 0.0125.");
            return false;
        }

        var upper = currency.ToUpperInvariant();
        if (upper.Length != 3 || !upper.All(char.IsAsciiLetterUpper))
        {
            reject = new RowReject(line, "currency", "import.currency.invalid", "'currency' must be an ISO 4217 code such as EUR when 'cost' is given.");
            return false;
        }

        code = upper == "EUR" ? "EUR" : upper;
        reject = null;
        return true;
    }
}
