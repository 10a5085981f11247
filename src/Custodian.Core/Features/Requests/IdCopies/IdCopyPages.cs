using System.Buffers.Binary;

namespace Custodian.Core.Features.Requests.IdCopies;

/// <summary>
/// The plaintext format of an ID copy's blob: a 4-byte page count, then per page width, height and length (4 bytes
/// each, big-endian) followed by the PNG. One blob per copy keeps one key, one reference and one deletion.
/// </summary>
internal static class IdCopyPages
{
    public static byte[] Pack(IReadOnlyList<IdCopyPage> pages)
    {
        using var output = new MemoryStream();
        var word = new byte[4];
        void Write(int value)
        {
            BinaryPrimitives.WriteInt32BigEndian(word, value);
            output.Write(word);
        }

        Write(pages.Count);
        foreach (var page in pages)
        {
            Write(page.Width);
            Write(page.Height);
            Write(page.Png.Length);
            output.Write(page.Png);
        }

        return output.ToArray();
    }

    public static IReadOnlyList<IdCopyPage> Unpack(byte[] packed)
    {
        var position = 0;
        int Read()
        {
            var value = BinaryPrimitives.ReadInt32BigEndian(packed.AsSpan(position, 4));
            position += 4;
            return value;
        }

        var count = Read();
        var pages = new List<IdCopyPage>(count);
        for (var i = 0; i < count; i++)
        {
            var width = Read();
            var height = Read();
            var length = Read();
            pages.Add(new IdCopyPage(packed.AsSpan(position, length).ToArray(), width, height));
            position += length;
        }

        return pages;
    }
}
