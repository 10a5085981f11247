using Custodian.Core.Features.Events;
using Xunit;

namespace Custodian.Core.Tests.Events;

public sealed class CsvRecordReaderTests
{
    private static List<(long Line, long EndLine, string? Problem, string[] Fields)> ReadAll(string text)
    {
        var reader = new CsvRecordReader(new StringReader(text));
        var fields = new List<string>();
        var records = new List<(long, long, string?, string[])>();
        while (reader.Read(fields))
        {
            records.Add((reader.Line, reader.EndLine, reader.Problem, [.. fields]));
        }

        return records;
    }

    [Fact]
    public void Read_QuotedFieldsWithCommasQuotesAndLineBreaks_AreOneFieldAndLinesAreCounted()
    {
        var records = ReadAll("a,\"b, c\",\"say \"\"hi\"\"\"\r\n\"multi\nline\",x\n\nlast,,");

        Assert.Equal(3, records.Count);
        Assert.Equal((1L, 1L, (string?)null), (records[0].Line, records[0].EndLine, records[0].Problem));
        Assert.Equal(["a", "b, c", "say \"hi\""], records[0].Fields);
        Assert.Equal((2L, 3L, (string?)null), (records[1].Line, records[1].EndLine, records[1].Problem));
        Assert.Equal(["multi\nline", "x"], records[1].Fields);
        Assert.Equal((5L, 5L, (string?)null), (records[2].Line, records[2].EndLine, records[2].Problem));
        Assert.Equal(["last", "", ""], records[2].Fields);
    }

    [Fact]
    public void Read_BrokenQuoting_MarksTheRecordAndKeepsTheNextOneInPlace()
    {
        var records = ReadAll("\"a\"b,c\nd\"e,f\ng,h\n\"open,i\nj");

        Assert.Equal("csv.quote", records[0].Problem);
        Assert.Equal("csv.quote", records[1].Problem);
        Assert.Equal((3L, (string?)null), (records[2].Line, records[2].Problem));
        Assert.Equal(["g", "h"], records[2].Fields);
        Assert.Equal("csv.unterminated_quote", records[3].Problem);
    }

    [Fact]
    public void Read_FieldsAcrossTheBufferBoundary_AreWhole()
    {
        var longField = new string('x', 70_000 - 10);
        var text = string.Concat(Enumerable.Range(0, 3).Select(i => $"{i},{new string('y', 30_000)},\"q{i}\"\n")) + $"z,{longField[..1000]}\n";

        var records = ReadAll(text);

        Assert.Equal(4, records.Count);
        Assert.All(records.Take(3), r => Assert.Equal(30_000, r.Fields[1].Length));
        Assert.Equal(["2", new string('y', 30_000), "q2"], records[2].Fields);
        Assert.Equal(1000, records[3].Fields[1].Length);
    }

    [Fact]
    public void Read_RecordLongerThanTheLimit_IsMarkedAndNotKept()
    {
        var records = ReadAll($"\"{new string('x', CsvRecordReader.MaxRecordChars + 5)}\",a\nnext,row\n");

        Assert.Equal("csv.too_long", records[0].Problem);
        Assert.True(records[0].Fields[0].Length <= CsvRecordReader.MaxRecordChars);
        Assert.Equal(["next", "row"], records[1].Fields);
    }
}
