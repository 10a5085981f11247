using System.Security.Cryptography;
using System.Text;
using Custodian.Core.Identifiers;

namespace Custodian.Core.Features.Shielding;

/// <summary>One broken rule of a shielding list file: where (file, line, field) and which rule.</summary>
/// <param name="File">The file's name.</param>
/// <param name="Line">1-based line number; 0 for the file as a whole.</param>
/// <param name="Field">The column (<c>number</c>), or <c>header</c>.</param>
/// <param name="Code">Stable rule code (<c>shielding.file.header</c>, <c>shielding.number.not_e164</c>, ...).</param>
/// <param name="Message">English prose naming the rule; never repeats the value.</param>
internal sealed record ShieldingFileError(string File, int Line, string Field, string Code, string Message)
{
    public override string ToString() => $"{File}:{Line}: {Field}: {Code}: {Message}";
}

/// <summary>
/// The exchange format of shielded-number lists between providers (SHD-2: "only the numbers to be shielded"):
/// UTF-8 text (a BOM is allowed), lines ending in LF or CRLF; the first line is the header <c>number</c>; then one
/// number per line in E.164 (<c>+</c>, country code, subscriber number, digits only, e.g. <c>+31883082636</c>); no
/// other columns, no blank lines except one final newline, no duplicates. An empty list (header only) is valid: the
/// sender shields nothing any more. Both directions use it: <see cref="Parse"/> for received lists, <see cref="Write"/> for ours.
/// </summary>
internal static class ShieldingFile
{
    public const string Header = "number";
    public const int MaxNumbers = 1_000_000;

    /// <summary>The numbers in file order; or every error found (then nothing may be applied).</summary>
    public static (IReadOnlyList<string> Numbers, IReadOnlyList<ShieldingFileError> Errors) Parse(string fileName, string content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var errors = new List<ShieldingFileError>();
        var numbers = new List<string>();
        var text = content.TrimStart('\uFEFF');
        var lines = text.Split('\n');
        if (lines.Length > 0 && lines[^1].Length == 0)
        {
            lines = lines[..^1];
        }

        if (lines.Length == 0 || !string.Equals(lines[0].TrimEnd('\r'), Header, StringComparison.Ordinal))
        {
            errors.Add(new(fileName, 1, "header", "shielding.file.header", $"The first line must be exactly '{Header}'."));
            return ([], errors);
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 1; i < lines.Length; i++)
        {
            var line = i + 1;
            var value = lines[i].TrimEnd('\r');
            if (value.Length == 0)
            {
                errors.Add(new(fileName, line, Header, "shielding.number.required", "The line is empty; give one number per line."));
                continue;
            }

            if (value.Contains(',', StringComparison.Ordinal) || value.Contains(';', StringComparison.Ordinal))
            {
                errors.Add(new(fileName, line, Header, "shielding.file.columns", "The line has more than one column; the list holds numbers only."));
                continue;
            }

            var normalized = Phone.Normalize(value);
            if (!normalized.IsValid)
            {
                errors.Add(new(fileName, line, Header, normalized.Error.Code, normalized.Error.Message));
                continue;
            }

            // Strict: the exchange format is E.164 as written, so two providers never disagree about a national form.
            if (!string.Equals(normalized.Value, value, StringComparison.Ordinal))
            {
                errors.Add(new(fileName, line, Header, "shielding.number.not_e164", "The number is not written in E.164 (+, country code, digits only)."));
                continue;
            }

            if (!seen.Add(value))
            {
                errors.Add(new(fileName, line, Header, "shielding.number.duplicate", "The number occurs earlier in the file."));
                continue;
            }

            numbers.Add(value);
        }

        if (numbers.Count > MaxNumbers)
        {
            errors.Add(new(fileName, 0, Header, "shielding.file.too_many", $"The list has more than {MaxNumbers} numbers."));
        }

        return errors.Count > 0 ? ([], errors) : (numbers, errors);
    }

    /// <summary>The file for <paramref name="numbers"/> (sorted, each once), LF line ends, no BOM.</summary>
    public static string Write(IEnumerable<string> numbers)
    {
        var text = new StringBuilder(Header).Append('\n');
        foreach (var n in numbers.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            text.Append(n).Append('\n');
        }

        return text.ToString();
    }

    public static string Sha256(string content) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)));
}
