using System.Globalization;
using Custodian.Core.Identifiers;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Core.Features.Store;

/// <summary>
/// Collects every broken rule of one input, so that a caller hears about all of them at once. Identifiers go through
/// <see cref="Identifier.Normalize"/> and come back canonical; the identifier's own error code names the rule.
/// Messages never repeat the rejected value (it may be personal data and problems end up in logs).
/// </summary>
internal sealed class FieldValidator
{
    private readonly List<FieldError> _errors = [];

    /// <summary>Accept the documentation address ranges (RFC 5737/3849) as public IP addresses: demo and test data only.</summary>
    public bool AllowDocumentationAddresses { get; init; }

    public IReadOnlyList<FieldError> Errors => _errors;

    public bool IsValid => _errors.Count == 0;

    public void Add(string field, string code, string message) => _errors.Add(new FieldError(field, code, message));

    public ValidationError ToError() => new([.. _errors]);

    /// <summary>Trimmed text; null when absent and not required.</summary>
    public string? Text(string field, string? value, int maxLength, bool required = true)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            if (required)
            {
                Add(field, "field.required", $"'{field}' is required.");
            }

            return null;
        }

        if (trimmed.Length > maxLength)
        {
            Add(field, "field.too_long", string.Create(CultureInfo.InvariantCulture, $"'{field}' may be at most {maxLength} characters."));
            return null;
        }

        if (trimmed.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t')))
        {
            Add(field, "field.control_characters", $"'{field}' contains control characters.");
            return null;
        }

        return trimmed;
    }

    /// <summary>A person's name: trimmed, inner whitespace collapsed to single spaces, one line.</summary>
    public string? Name(string field, string? value, bool required = true)
    {
        var text = Text(field, value, 200, required);
        if (text is null)
        {
            return null;
        }

        if (text.Any(char.IsControl))
        {
            Add(field, "field.control_characters", $"'{field}' must be a single line.");
            return null;
        }

        return string.Join(' ', text.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>The canonical form of an identifier, or null (with an error when it was present or required).</summary>
    public string? Identifier(string field, IdentifierKind kind, string? value, bool required = true)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                Add(field, "field.required", $"'{field}' is required.");
            }

            return null;
        }

        var result = kind == IdentifierKind.PublicIpAddress
            ? PublicIpAddress.Normalize(value, AllowDocumentationAddresses)
            : Identifiers.Identifier.Normalize(kind, value);
        if (!result.IsValid)
        {
            Add(field, result.Error.Code, result.Error.Message);
            return null;
        }

        return result.Value;
    }

    public LocalDate? Date(string field, string? value, bool required = true)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                Add(field, "field.required", $"'{field}' is required (a date, yyyy-MM-dd).");
            }

            return null;
        }

        var parsed = LocalDatePattern.Iso.Parse(value.Trim());
        if (!parsed.Success)
        {
            Add(field, "field.date_format", $"'{field}' must be a date in the form yyyy-MM-dd.");
            return null;
        }

        return parsed.Value;
    }

    public Instant? Instant(string field, string? value, bool required = true)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                Add(field, "field.required", $"'{field}' is required (an instant, e.g. 2025-01-31T09:30:00Z).");
            }

            return null;
        }

        var parsed = InstantPattern.ExtendedIso.Parse(value.Trim());
        if (!parsed.Success)
        {
            var offset = OffsetDateTimePattern.ExtendedIso.Parse(value.Trim());
            if (offset.Success)
            {
                return offset.Value.ToInstant();
            }

            Add(field, "field.instant_format", $"'{field}' must be an ISO-8601 instant with 'Z' or an offset, e.g. 2025-01-31T09:30:00Z.");
            return null;
        }

        return parsed.Value;
    }

    public Period? Period(string field, string? value, bool required = true)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                Add(field, "field.required", $"'{field}' is required (an ISO-8601 period such as P6M).");
            }

            return null;
        }

        var parsed = PeriodPattern.NormalizingIso.Parse(value.Trim());
        if (!parsed.Success || parsed.Value.HasTimeComponent)
        {
            Add(field, "field.period_format", $"'{field}' must be an ISO-8601 calendar period such as P90D, P6M or P3Y.");
            return null;
        }

        return parsed.Value;
    }

    /// <summary>One of <paramref name="allowed"/> (compared exactly: the API's enum values are lower-case words).</summary>
    public string? OneOf(string field, string? value, IReadOnlyCollection<string> allowed, bool required = true)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                Add(field, "field.required", $"'{field}' is required: one of {string.Join(", ", allowed)}.");
            }

            return null;
        }

        var trimmed = value.Trim();
        if (!allowed.Contains(trimmed))
        {
            Add(field, "field.not_allowed", $"'{field}' must be one of {string.Join(", ", allowed)}.");
            return null;
        }

        return trimmed;
    }

    public Guid? Id(string field, Guid? value, bool required = true)
    {
        if (value is null || value == Guid.Empty)
        {
            if (required)
            {
                Add(field, "field.required", $"'{field}' is required (an id).");
            }

            return null;
        }

        return value;
    }
}
