using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Custodian.IntegrationTests.Fuzz;

/// <summary>JSON bodies: a valid body with fields deleted, renamed, duplicated or given values of the wrong type, size or range; or broken text.</summary>
internal static class JsonMutate
{
    private static readonly string[] RawValues =
    [
        "null", "true", "false", "0", "-1", "1.5", "1e308", "1e999", "-1e999", "9223372036854775808", "79228162514264337593543950336",
        "\"\"", "\" \"", "\"\\u0000\"", "\"\\ud800\"", "\"9999-12-31\"", "\"0001-01-01\"", "\"2026-02-30\"", "\"9999-12-31T23:59:59Z\"",
        "\"00000000-0000-0000-0000-000000000000\"", "\"not-a-guid\"", "[]", "{}", "[1,2,3]", "{\"a\":{\"b\":[]}}", "\"P-1D\"", "\"P99999Y\"",
        "\"+31612345678\"", "\"06 12345678\"", "\"a@b\"", "\"x@y.example\"", "\"<script>\"", "\"' OR 1=1 --\"", "\"access\"", "\"ACCESS\"",
    ];

    public static string Body(string valid, System.Random random)
    {
        // Values the DOM cannot hold (lone surrogates, nesting past 64, 1e999) go in as placeholders, replaced as text.
        var node = JsonNode.Parse(valid)!.AsObject();
        var raw = new List<string>();
        var text = node.ToJsonString();
        var edits = random.Next(1, 5);
        for (var e = 0; e < edits; e++)
        {
            var keys = node.Select(p => p.Key).ToList();
            var key = keys.Count > 0 ? keys[random.Next(keys.Count)] : "x";
            switch (random.Next(6))
            {
                case 0:
                    node.Remove(key);
                    break;
                case 1:
                    var value = node[key]?.DeepClone();
                    node.Remove(key);
                    node[random.Next(2) == 0 ? key.ToUpperInvariant() : Mutate.RandomUnicode(random, random.Next(1, 8))] = value;
                    break;
                default:
                    raw.Add(RandomValue(random));
                    node[key] = Placeholder(raw.Count - 1);
                    break;
            }

            text = node.ToJsonString();
        }

        for (var i = 0; i < raw.Count; i++)
        {
            text = text.Replace("\"" + Placeholder(i) + "\"", raw[i], StringComparison.Ordinal);
        }

        return random.Next(6) switch
        {
            // Duplicate key: System.Text.Json's DOM refuses them, so write it as text.
            0 when text.Length > 2 => "{\"" + (node.FirstOrDefault().Key ?? "type") + "\":" + RandomValue(random) + "," + text[1..],
            1 => Mutate.Text(text, random),
            _ => text,
        };
    }

    public static string RandomValue(System.Random random) => random.Next(6) switch
    {
        0 => System.Text.Json.JsonSerializer.Serialize(Mutate.RandomUnicode(random, random.Next(0, 40))),
        1 => "\"" + new string('x', random.Next(1_000, 300_000)) + "\"",
        2 => Nested(random.Next(1, 200)),
        3 => random.Next(int.MinValue, int.MaxValue).ToString(CultureInfo.InvariantCulture),
        _ => RawValues[random.Next(RawValues.Length)],
    };

    private static string Placeholder(int i) => "@@fuzz" + i.ToString(CultureInfo.InvariantCulture) + "@@";

    private static string Nested(int depth) => new string('[', depth) + new string(']', depth);

    public static string Noise(System.Random random)
    {
        var sb = new StringBuilder();
        var n = random.Next(0, 200);
        for (var i = 0; i < n; i++)
        {
            sb.Append(random.Next(3) == 0 ? "{}[]\":,"[random.Next(7)] : Mutate.RandomUnicode(random, 1)[0]);
        }

        return sb.ToString();
    }
}
