using System.Buffers;
using System.Text;

namespace Custodian.Core.Features.Events;

/// <summary>
/// Reads CSV records one at a time from a stream (RFC 4180: comma-separated, fields optionally in double quotes, a
/// quote inside a quoted field doubled, line breaks allowed inside quotes), keeping only the current record in memory.
/// Blank lines are skipped. A record that breaks the quoting rules or exceeds <see cref="MaxRecordChars"/> is still
/// consumed to its end, so the next record starts in the right place, and comes back with a <see cref="Problem"/>.
/// </summary>
internal sealed class CsvRecordReader(TextReader reader)
{
    /// <summary>Longer records are cut (and rejected): one runaway quote must not pull the rest of the file into memory.</summary>
    public const int MaxRecordChars = 64 * 1024;

    private static readonly SearchValues<char> Special = SearchValues.Create(",\r\n\"");

    private readonly char[] _buffer = new char[64 * 1024];
    private readonly StringBuilder _field = new();
    private string? _whole;
    private int _position;
    private int _length;
    private long _line = 1;
    private int _recordChars;

    /// <summary>Physical line (1-based) where the last record read starts.</summary>
    public long Line { get; private set; }

    /// <summary>Physical line where the last record read ends (differs from <see cref="Line"/> when a quoted field holds line breaks).</summary>
    public long EndLine { get; private set; }

    /// <summary>Null, or the rule the last record broke: <c>csv.unterminated_quote</c>, <c>csv.quote</c>, <c>csv.too_long</c>.</summary>
    public string? Problem { get; private set; }

    /// <summary>Reads the next non-blank record into <paramref name="fields"/>; false at the end of the input.</summary>
    public bool Read(List<string> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        while (true)
        {
            fields.Clear();
            Problem = null;
            _recordChars = 0;
            if (Peek() < 0)
            {
                return false;
            }

            Line = _line;
            var blank = true;
            while (true)
            {
                var end = ReadField(out var hadContent);
                blank &= !hadContent && end != ',';
                fields.Add(Take());
                if (end != ',')
                {
                    break;
                }
            }

            EndLine = _line - 1;
            if (!blank)
            {
                if (EndLine < Line)
                {
                    EndLine = Line; // last line without a line break
                }

                return true;
            }
        }
    }

    /// <summary>Reads one field into the builder; returns the delimiter that ended it: ',', '\n' (any line break) or -1 (end).</summary>
    private int ReadField(out bool hadContent)
    {
        hadContent = false;
        var c = Peek();
        if (c == '"')
        {
            hadContent = true;
            Next();
            while (true)
            {
                c = Next();
                if (c < 0)
                {
                    Problem ??= "csv.unterminated_quote";
                    return -1;
                }

                if (c == '"')
                {
                    if (Peek() == '"')
                    {
                        Next();
                        Append('"');
                        continue;
                    }

                    break;
                }

                if (c == '\r' || c == '\n')
                {
                    Append('\n');
                    ConsumeLineBreak(c);
                    continue;
                }

                Append((char)c);
            }

            // After the closing quote only a delimiter may follow; anything else is kept but marks the record.
            while (true)
            {
                c = Next();
                switch (c)
                {
                    case < 0:
                        return -1;
                    case ',':
                        return ',';
                    case '\r' or '\n':
                        ConsumeLineBreak(c);
                        return '\n';
                    default:
                        Problem ??= "csv.quote";
                        Append((char)c);
                        break;
                }
            }
        }

        // Fast path: an unquoted field that ends inside the buffer becomes one string, without copying char by char.
        var rest = _buffer.AsSpan(_position, _length - _position);
        var end = rest.IndexOfAny(Special);
        if (end >= 0 && rest[end] != '"')
        {
            if (end > 0)
            {
                hadContent = true;
                _recordChars += end;
                if (_recordChars > MaxRecordChars)
                {
                    Problem ??= "csv.too_long";
                }
                else
                {
                    _whole = new string(rest[..end]);
                }
            }

            _position += end;
            c = Next();
            if (c == ',')
            {
                return ',';
            }

            ConsumeLineBreak(c);
            return '\n';
        }

        while (true)
        {
            c = Next();
            switch (c)
            {
                case < 0:
                    return -1;
                case ',':
                    return ',';
                case '\r' or '\n':
                    ConsumeLineBreak(c);
                    return '\n';
                case '"':
                    Problem ??= "csv.quote";
                    hadContent = true;
                    Append('"');
                    break;
                default:
                    hadContent = true;
                    Append((char)c);
                    break;
            }
        }
    }

    private void ConsumeLineBreak(int c)
    {
        if (c == '\r' && Peek() == '\n')
        {
            Next();
        }

        _line++;
    }

    private void Append(char c)
    {
        if (++_recordChars > MaxRecordChars)
        {
            Problem ??= "csv.too_long";
            return;
        }

        _field.Append(c);
    }

    private string Take()
    {
        if (_whole is { } whole)
        {
            _whole = null;
            return whole;
        }

        var s = _field.Length == 0 ? string.Empty : _field.ToString();
        _field.Clear();
        return s;
    }

    private int Peek()
    {
        if (_position >= _length && !Fill())
        {
            return -1;
        }

        return _buffer[_position];
    }

    private int Next()
    {
        if (_position >= _length && !Fill())
        {
            return -1;
        }

        return _buffer[_position++];
    }

    private bool Fill()
    {
        _length = reader.Read(_buffer, 0, _buffer.Length);
        _position = 0;
        return _length > 0;
    }
}
