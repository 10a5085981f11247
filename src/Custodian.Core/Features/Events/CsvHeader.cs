namespace Custodian.Core.Features.Events;

/// <summary>
/// The header row of Custodian's own CSV formats: column names in any order, each known and at most once. A typo in a
/// column name is a file-level error (otherwise a whole column would be silently ignored).
/// </summary>
internal sealed class CsvHeader
{
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

    // For each known column (by its position in the format's list), its field index in this file, or -1: a row's
    // fields are then found without hashing a name per field per row.
    private int[] _byKnown = [];

    private CsvHeader()
    {
    }

    public int Count { get; private set; }

    public bool Has(string column) => _index.ContainsKey(column);

    /// <summary>The trimmed value of the known column number <paramref name="known"/>, or empty when the file has no such column.</summary>
    public string Get(IReadOnlyList<string> fields, int known) =>
        _byKnown[known] is var i and >= 0 ? fields[i].Trim() : string.Empty;

    public static CsvHeader? Parse(
        IReadOnlyList<string> fields, IReadOnlyList<string> known, IEnumerable<string> required, string formatName, out FileProblem? problem)
    {
        var header = new CsvHeader { Count = fields.Count };
        for (var i = 0; i < fields.Count; i++)
        {
            var name = fields[i].Trim().TrimStart('\uFEFF').ToLowerInvariant();
            if (!known.Contains(name))
            {
                problem = new FileProblem(1, name, "import.header.unknown_column",
                    $"Column '{name}' is not part of the {formatName} format (a header row is required; the columns are: {string.Join(", ", known)}).");
                return null;
            }

            if (!header._index.TryAdd(name, i))
            {
                problem = new FileProblem(1, name, "import.header.duplicate_column", $"Column '{name}' appears twice in the header.");
                return null;
            }
        }

        header._byKnown = [.. known.Select(k => header._index.TryGetValue(k, out var i) ? i : -1)];
        foreach (var column in required)
        {
            if (!header.Has(column))
            {
                problem = new FileProblem(1, column, "import.header.missing_column", $"The header lacks the required column '{column}'.");
                return null;
            }
        }

        problem = null;
        return header;
    }

    public RowReject? CheckCount(IReadOnlyList<string> fields, long line) =>
        fields.Count == Count
            ? null
            : new RowReject(line, "*", "csv.field_count", $"The row has {fields.Count} fields; the header has {Count}.");
}
