using System.Globalization;
using System.Text.RegularExpressions;
using NodaTime;
using NodaTime.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Custodian.Core.Features.Register;

/// <summary>
/// Collects diagnostics while reading a YAML document. Every diagnostic points at a node, so the message lands on the
/// line an editor shows; reading never stops at the first problem.
/// </summary>
internal sealed partial class YamlReadContext(string file)
{
    private readonly List<RegisterDiagnostic> _diagnostics = [];

    public string File { get; } = file;

    public IReadOnlyList<RegisterDiagnostic> Diagnostics => _diagnostics;

    public void Error(YamlNode node, string code, string message) => Add(node.Start, DiagnosticSeverity.Error, code, message);

    public void Warning(YamlNode node, string code, string message) => Add(node.Start, DiagnosticSeverity.Warning, code, message);

    public void Add(Mark mark, DiagnosticSeverity severity, string code, string message) =>
        _diagnostics.Add(new RegisterDiagnostic(File, (int)Math.Max(1, mark.Line), (int)Math.Max(1, mark.Column), severity, code, message));

    public MapReader? AsMap(YamlNode? node, string what, params string[] knownKeys)
    {
        if (node is null)
        {
            return null;
        }

        if (node is YamlMappingNode map)
        {
            return new MapReader(this, map, what, knownKeys);
        }

        Error(node, RegisterCodes.InvalidType, $"{what} must be a mapping (key: value lines), found {Describe(node)}; write it as a mapping.");
        return null;
    }

    /// <summary>A scalar's text, or null (with a diagnostic) for anything else or an empty value.</summary>
    public string? AsString(YamlNode node, string what)
    {
        if (node is YamlScalarNode scalar && !IsNull(scalar))
        {
            return scalar.Value;
        }

        Error(node, RegisterCodes.InvalidType, $"{what} must be a text value, found {Describe(node)}; write a value after the colon.");
        return null;
    }

    public string? AsId(YamlNode node, string what)
    {
        var value = AsString(node, what);
        if (value is not null && !IdPattern().IsMatch(value))
        {
            Error(node, RegisterCodes.InvalidId, $"{what} `{value}` is not a valid id; use lower-case snake_case words separated by dots, e.g. `general.contact_person`.");
            return null;
        }

        return value;
    }

    public bool? AsBool(YamlNode node, string what)
    {
        var value = AsString(node, what);
        switch (value)
        {
            case null:
                return null;
            case "true":
                return true;
            case "false":
                return false;
            default:
                Error(node, RegisterCodes.InvalidType, $"{what} must be `true` or `false`, found `{value}`.");
                return null;
        }
    }

    public T? AsEnum<T>(YamlNode node, string what, IReadOnlyDictionary<string, T> allowed)
        where T : struct
    {
        var value = AsString(node, what);
        if (value is null)
        {
            return null;
        }

        if (allowed.TryGetValue(value, out var result))
        {
            return result;
        }

        Error(node, RegisterCodes.InvalidValue, $"{what} `{value}` is not allowed; use one of: {string.Join(", ", allowed.Keys.Select(k => $"`{k}`"))}.");
        return null;
    }

    public LocalDate? AsDate(YamlNode node, string what)
    {
        var value = AsString(node, what);
        if (value is null)
        {
            return null;
        }

        var parsed = LocalDatePattern.Iso.Parse(value);
        if (parsed.Success)
        {
            return parsed.Value;
        }

        Error(node, RegisterCodes.InvalidDate, $"{what} `{value}` is not a date; write it as YYYY-MM-DD, e.g. `2019-05-25`.");
        return null;
    }

    public LocalTime? AsTime(YamlNode node, string what)
    {
        var value = AsString(node, what);
        if (value is null)
        {
            return null;
        }

        var parsed = LocalTimePattern.CreateWithInvariantCulture("HH:mm").Parse(value);
        if (parsed.Success)
        {
            return parsed.Value;
        }

        Error(node, RegisterCodes.InvalidValue, $"{what} `{value}` is not a time of day; write it as HH:mm in quotes, e.g. \"08:00\".");
        return null;
    }

    /// <summary>ISO-8601 calendar periods (P90D, P6M, P3Y, P1Y6M). Time parts are refused: retention is calendar time.</summary>
    public Period? AsPeriod(YamlNode node, string what)
    {
        var value = AsString(node, what);
        if (value is null)
        {
            return null;
        }

        var parsed = PeriodPattern.NormalizingIso.Parse(value);
        if (parsed.Success && !parsed.Value.HasTimeComponent && parsed.Value is { Years: >= 0, Months: >= 0, Weeks: >= 0, Days: >= 0 })
        {
            return parsed.Value;
        }

        Error(node, RegisterCodes.InvalidPeriod, $"{what} `{value}` is not an ISO-8601 calendar period; write e.g. `P90D`, `P6M`, `P3Y` or `P0D` (years, months, weeks, days; not negative, no time part).");
        return null;
    }

    public string? AsCountry(YamlNode node, string what)
    {
        var value = AsString(node, what);
        if (value is not null && !CountryPattern().IsMatch(value))
        {
            Error(node, RegisterCodes.InvalidValue, $"{what} `{value}` is not an ISO 3166-1 alpha-2 code; write two capital letters, e.g. `NL` (quote `\"NO\"` for Norway).");
            return null;
        }

        return value;
    }

    public LocalizedText? AsText(YamlNode node, string what)
    {
        var map = AsMap(node, what, "nl", "en");
        if (map is null)
        {
            return null;
        }

        var nl = map.String("nl");
        var en = map.String("en");
        return nl is null || en is null ? null : new LocalizedText(nl, en);
    }

    /// <summary>Reads a sequence; items that fail to read are left out (their problems are already reported).</summary>
    public IReadOnlyList<T>? AsList<T>(YamlNode node, string what, Func<YamlNode, T?> readItem)
        where T : notnull
    {
        if (node is not YamlSequenceNode sequence)
        {
            Error(node, RegisterCodes.InvalidType, $"{what} must be a list (lines starting with `- `, or `[a, b]`), found {Describe(node)}.");
            return null;
        }

        var items = new List<T>();
        foreach (var child in sequence.Children)
        {
            var item = readItem(child);
            if (item is not null)
            {
                items.Add(item);
            }
        }

        return items;
    }

    public IReadOnlyList<T>? AsStructList<T>(YamlNode node, string what, Func<YamlNode, T?> readItem)
        where T : struct
    {
        if (node is not YamlSequenceNode sequence)
        {
            Error(node, RegisterCodes.InvalidType, $"{what} must be a list (lines starting with `- `, or `[a, b]`), found {Describe(node)}.");
            return null;
        }

        var items = new List<T>();
        foreach (var child in sequence.Children)
        {
            if (readItem(child) is { } item)
            {
                items.Add(item);
            }
        }

        return items;
    }

    public static bool IsNull(YamlScalarNode scalar) =>
        scalar.Style == ScalarStyle.Plain && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";

    public static string Describe(YamlNode node) => node switch
    {
        YamlScalarNode s when IsNull(s) => "nothing",
        YamlScalarNode s => string.Create(CultureInfo.InvariantCulture, $"the text `{s.Value}`"),
        YamlSequenceNode => "a list",
        YamlMappingNode => "a mapping",
        _ => "an alias",
    };

    [GeneratedRegex("^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[A-Z]{2}$", RegexOptions.CultureInvariant)]
    private static partial Regex CountryPattern();
}

/// <summary>Reads one YAML mapping against its list of known keys; unknown keys are reported when it is created.</summary>
internal sealed class MapReader
{
    private readonly YamlReadContext _context;
    private readonly Dictionary<string, (YamlScalarNode Key, YamlNode Value)> _entries = new(StringComparer.Ordinal);

    public MapReader(YamlReadContext context, YamlMappingNode node, string what, IReadOnlyList<string> knownKeys)
    {
        _context = context;
        Node = node;
        What = what;
        var id = node.Children.FirstOrDefault(c => c.Key is YamlScalarNode { Value: "id" }).Value as YamlScalarNode;
        Label = id is { Value: { Length: > 0 } idValue } ? $"{what} `{idValue}`" : what;
        foreach (var (keyNode, value) in node.Children)
        {
            if (keyNode is not YamlScalarNode key || key.Value is null)
            {
                context.Error(keyNode, RegisterCodes.InvalidType, $"keys in {what} must be plain text.");
                continue;
            }

            if (!knownKeys.Contains(key.Value, StringComparer.Ordinal))
            {
                var suggestion = Suggest(key.Value, knownKeys);
                var hint = suggestion is null
                    ? $"allowed keys are {string.Join(", ", knownKeys.Select(k => $"`{k}`"))}"
                    : $"did you mean `{suggestion}`?";
                context.Error(key, RegisterCodes.UnknownKey, $"unknown key `{key.Value}` in {Label}; {hint}");
                continue;
            }

            _entries[key.Value] = (key, value);
        }
    }

    public YamlMappingNode Node { get; }

    public string What { get; }

    /// <summary><see cref="What"/> plus the mapping's id when it has one, so a message names the entry.</summary>
    public string Label { get; }

    public YamlReadContext Context => _context;

    public bool Has(string key) => _entries.ContainsKey(key);

    public YamlScalarNode? KeyNode(string key) => _entries.TryGetValue(key, out var entry) ? entry.Key : null;

    /// <summary>The value node; reports <c>register.missing_key</c> at this mapping when a required key is absent.</summary>
    public YamlNode? Get(string key, bool required = true)
    {
        if (_entries.TryGetValue(key, out var entry))
        {
            return entry.Value;
        }

        if (required)
        {
            _context.Error(Node, RegisterCodes.MissingKey, $"{Label} lacks the required key `{key}`; add `{key}:` to it.");
        }

        return null;
    }

    public string? String(string key, bool required = true) =>
        Get(key, required) is { } node ? _context.AsString(node, $"`{key}`") : null;

    public string? Id(string key = "id", bool required = true) =>
        Get(key, required) is { } node ? _context.AsId(node, $"`{key}`") : null;

    public bool? Bool(string key, bool required = true) =>
        Get(key, required) is { } node ? _context.AsBool(node, $"`{key}`") : null;

    public LocalDate? Date(string key, bool required = true) =>
        Get(key, required) is { } node ? _context.AsDate(node, $"`{key}`") : null;

    public Period? Period(string key, bool required = true) =>
        Get(key, required) is { } node ? _context.AsPeriod(node, $"`{key}`") : null;

    public LocalizedText? Text(string key, bool required = true) =>
        Get(key, required) is { } node ? _context.AsText(node, $"`{key}` in {What}") : null;

    public T? Enum<T>(string key, IReadOnlyDictionary<string, T> allowed, bool required = true)
        where T : struct =>
        Get(key, required) is { } node ? _context.AsEnum(node, $"`{key}`", allowed) : null;

    public IReadOnlyList<LocalizedText>? Paragraphs(string key, bool required = true) =>
        Get(key, required) is { } node ? _context.AsList(node, $"`{key}`", n => _context.AsText(n, $"a paragraph of `{key}`")) : null;

    public MapReader? Map(string key, string what, bool required, params string[] knownKeys) =>
        Get(key, required) is { } node ? _context.AsMap(node, what, knownKeys) : null;

    private static string? Suggest(string unknown, IReadOnlyList<string> knownKeys)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in knownKeys)
        {
            var distance = Levenshtein(unknown, candidate);
            if (distance < bestDistance)
            {
                bestDistance = distance;
                best = candidate;
            }
        }

        // Close enough to be a typo: at most a third of the word, and at least two edits for short keys.
        return best is not null && bestDistance <= Math.Max(2, best.Length / 3) ? best : null;
    }

    private static int Levenshtein(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
