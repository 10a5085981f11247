using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace Custodian.IntegrationTests.Fuzz;

/// <summary>
/// Input generators for fuzzing: a valid document with random edits, and pure noise. FsCheck draws a seed; the edits
/// are made by a <see cref="System.Random"/> on that seed, so each input follows from FsCheck's replay seed alone.
/// </summary>
internal static class Mutate
{
    /// <summary>Text that makes parsers stumble: separators, quotes, encodings, limits, YAML syntax.</summary>
    private static readonly string[] CommonTokens =
    [
        "", " ", "\t", "\0", "\uFEFF", "\r", "\n", "\r\n", "\"", "\"\"", "'", ",", ";", ":", "#", "%", "\\", "\u00A0", "\u2028",
        "\uD800", "\uDFFF", "\U0001F600", "é", "ß", "İ", "ı", "\u202E", "０１２", "٣", "-", "+", "0", "-0", "00", "+31", "+",
        "2147483647", "2147483648", "-2147483649", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
        "79228162514264337593543950335", "1e999", "-1e-999", "NaN", "Infinity", "0x1F", "1_000", "1.5", "1,5", "0.0000001",
        "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-03T25:00:00Z",
        "2026-11-03T10:15:00+99:00", "2026-03-29 02:30:00", "2026-10-25 02:30:00", "1970-01-01 00:00:00",
        "null", "true", "false", "~", "<script>alert(1)</script>", "../../etc/passwd", "%s%n", "{{x}}", "${x}",
    ];

    private static readonly string[] YamlTokens =
    [
        "&a", "*a", "*missing", "<<: *a", "!!binary", "!!python/object", "!custom", "[", "]", "{", "}", "- ", "? ", "|", ">", "|-",
        "---", "...", "%YAML 1.1", "%TAG ! tag:x,2000:", ".inf", "-.inf", ".nan", "P-1M", "P99999999Y", "PT1H", "P0D", "P1Y2M",
        "2026-02-30", "2026-13-01", "10000-01-01", "yes", "no", "on", "off",
    ];

    /// <summary>A random line: mostly tokens, sometimes noise.</summary>
    private static string RandomLine(System.Random random, bool yaml)
    {
        var sb = new StringBuilder();
        var parts = random.Next(1, 6);
        for (var i = 0; i < parts; i++)
        {
            sb.Append(random.Next(4) switch
            {
                0 => RandomUnicode(random, random.Next(0, 20)),
                1 when yaml => YamlTokens[random.Next(YamlTokens.Length)],
                _ => CommonTokens[random.Next(CommonTokens.Length)],
            });
        }

        return sb.ToString();
    }

    /// <summary>Any UTF-16 code units, including lone surrogates, controls and non-characters.</summary>
    public static string RandomUnicode(System.Random random, int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = random.Next(5) switch
            {
                0 => (char)random.Next(0, 0x20),
                1 => (char)random.Next(0x20, 0x7F),
                2 => (char)random.Next(0x80, 0x800),
                3 => (char)random.Next(0xD800, 0xE000),
                _ => (char)random.Next(0, 0x10000),
            };
        }

        return new string(chars);
    }

    /// <summary><paramref name="document"/> with 1–6 random edits of lines, fields and characters.</summary>
    public static string Text(string document, System.Random random, bool yaml = false, char separator = ',')
    {
        var lines = document.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').ToList();
        var edits = random.Next(1, 7);
        for (var e = 0; e < edits && lines.Count > 0; e++)
        {
            var i = random.Next(lines.Count);
            switch (random.Next(14))
            {
                case 0:
                    lines.RemoveAt(i);
                    break;
                case 1:
                    lines.Insert(i, lines[i]);
                    break;
                case 2:
                    var j = random.Next(lines.Count);
                    (lines[i], lines[j]) = (lines[j], lines[i]);
                    break;
                case 3:
                    lines.Insert(i, RandomLine(random, yaml));
                    break;
                case 4:
                    // Replace one field (CSV) or the value after the key (YAML) by a token.
                    var fields = lines[i].Split(separator).ToList();
                    var f = random.Next(fields.Count);
                    fields[f] = yaml && fields[f].Contains(':', StringComparison.Ordinal)
                        ? fields[f][..(fields[f].IndexOf(':', StringComparison.Ordinal) + 1)] + " " + RandomLine(random, yaml)
                        : RandomLine(random, yaml);
                    lines[i] = string.Join(separator, fields);
                    break;
                case 5:
                    var all = lines[i].Split(separator).ToList();
                    if (all.Count > 1)
                    {
                        var k = random.Next(all.Count);
                        if (random.Next(2) == 0)
                        {
                            all.RemoveAt(k);
                        }
                        else
                        {
                            all.Insert(k, all[random.Next(all.Count)]);
                        }
                    }

                    lines[i] = string.Join(separator, all);
                    break;
                case 6:
                    if (lines[i].Length > 0)
                    {
                        var at = random.Next(lines[i].Length);
                        lines[i] = lines[i][..at] + RandomUnicode(random, random.Next(1, 4)) + lines[i][(at + 1)..];
                    }

                    break;
                case 7:
                    // A huge field.
                    var huge = new string(random.Next(3) switch { 0 => 'x', 1 => '9', _ => '"' }, random.Next(1_000, 150_000));
                    lines[i] = lines[i] + (yaml ? " " : separator.ToString()) + huge;
                    break;
                case 8:
                    lines[i] = random.Next(2) == 0 ? "  " + lines[i] : lines[i].TrimStart();
                    break;
                case 9:
                    // Truncate the document somewhere in this line.
                    lines = lines.Take(i).Append(lines[i][..random.Next(lines[i].Length + 1)]).ToList();
                    break;
                case 10:
                    lines[i] = lines[i] + (random.Next(2) == 0 ? "\r" : "\0");
                    break;
                case 11:
                    lines.Insert(i, string.Empty);
                    break;
                case 12:
                    lines[i] = lines[i].Replace('"', '\'');
                    break;
                default:
                    if (lines[i].Length > 0)
                    {
                        var at = random.Next(lines[i].Length);
                        lines[i] = lines[i][..at] + CommonTokens[random.Next(CommonTokens.Length)] + lines[i][at..];
                    }

                    break;
            }
        }

        // Line ends: LF, CRLF, or a mix; sometimes a BOM in front.
        var ends = random.Next(3);
        var text = new StringBuilder();
        if (random.Next(8) == 0)
        {
            text.Append('\uFEFF');
        }

        for (var i = 0; i < lines.Count; i++)
        {
            text.Append(lines[i]);
            if (i < lines.Count - 1 || random.Next(2) == 0)
            {
                text.Append(ends switch { 0 => "\n", 1 => "\r\n", _ => random.Next(2) == 0 ? "\n" : "\r\n" });
            }
        }

        return text.ToString();
    }

    /// <summary>Pure noise: random tokens and characters, 0–4000 chars.</summary>
    public static string Noise(System.Random random, bool yaml = false)
    {
        var sb = new StringBuilder();
        var lines = random.Next(0, 60);
        for (var i = 0; i < lines; i++)
        {
            sb.Append(random.Next(3) == 0 ? RandomUnicode(random, random.Next(0, 80)) : RandomLine(random, yaml)).Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>Half mutated documents (from <paramref name="documents"/>), a quarter noise, a quarter the extra generator.</summary>
    public static Gen<string> TextOf(IReadOnlyList<string> documents, bool yaml = false, char separator = ',', Func<System.Random, string>? extra = null) =>
        Gen.Choose(0, int.MaxValue).Select(seed =>
        {
            var random = new System.Random(seed);
            return random.Next(4) switch
            {
                0 => Noise(random, yaml),
                1 when extra is not null => extra(random),
                _ => Text(documents[random.Next(documents.Count)], random, yaml, separator),
            };
        });

    /// <summary><paramref name="file"/> with 1–8 byte-level edits: flips, overwrites with limit values, cuts, inserts, repeats.</summary>
    public static byte[] Bytes(byte[] file, System.Random random)
    {
        var bytes = file.ToList();
        var edits = random.Next(1, 9);
        for (var e = 0; e < edits && bytes.Count > 0; e++)
        {
            var i = random.Next(bytes.Count);
            switch (random.Next(7))
            {
                case 0:
                    bytes[i] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    bytes[i] = (byte)random.Next(256);
                    break;
                case 2:
                    // A 32-bit integer at a limit (sizes and lengths in headers).
                    uint[] limits = [0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFF, 0x10000];
                    var value = limits[random.Next(limits.Length)];
                    for (var b = 0; b < 4 && i + b < bytes.Count; b++)
                    {
                        bytes[i + b] = (byte)(value >> (8 * (3 - b)));
                    }

                    break;
                case 3:
                    bytes.RemoveRange(i, bytes.Count - i);
                    break;
                case 4:
                    var noise = new byte[random.Next(1, 64)];
                    random.NextBytes(noise);
                    bytes.InsertRange(i, noise);
                    break;
                case 5:
                    var length = Math.Min(random.Next(1, 256), bytes.Count - i);
                    bytes.InsertRange(i, bytes.GetRange(i, length));
                    break;
                default:
                    bytes.RemoveRange(i, Math.Min(random.Next(1, 32), bytes.Count - i));
                    break;
            }
        }

        return [.. bytes];
    }
}
