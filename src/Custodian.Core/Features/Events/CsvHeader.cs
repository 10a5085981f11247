namespace Custodian.Core.Features.Events;

/// <summary>
/// The header row of Custodian's own CSV formats: column names in any order, each known and at most once. A typo in a
/// column name is a file-level error (otherwise a whole column would be silently ignored).
/// </summary>
internal sealed class CsvHeader
{
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

    private CsvHeader()
    {
    }

    public int Count { get; private set; }

    public bool Has(string column) => _index.ContainsKey(column);

    /// <summary>The trimmed value of <paramref name="column"/>, or empty when the file has no such column.</summary>
    public string Get(IReadOnlyList<string> fields, string column) =>
        _index.TryGetValue(column, out var i) ? fields[i].Trim() : string.Empty;

    public static CsvHeader? Parse(
        IReadOnlyList<string> fields, IReadOnlyCollection<string> known, IEnumerable<string> required, string formatName, out FileProblem? problem)
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
