using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Custodian.Core.Common;

namespace Custodian.Core.Features.Events;

/// <summary>Hashes every byte read through it, so the import pass can prove it read the same file the hash pass did.</summary>
internal sealed class HashingStream(Stream inner) : ReadOnlyStream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = inner.Read(buffer, offset, count);
        _hash.AppendData(buffer, offset, n);
        return n;
    }

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        _hash.AppendData(buffer[..n]);
        return n;
    }

    /// <summary>Reads (and hashes) whatever the reader above left unread.</summary>
    public void ReadToEnd()
    {
        var buffer = new byte[1 << 16];
        while (Read(buffer, 0, buffer.Length) > 0)
        {
        }
    }

    public string HashHex() => Convert.ToHexStringLower(_hash.GetHashAndReset());

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>
/// The reject file: CSV with <c>line,field,rule,message</c>, created at the first rejected row. It names where the row
/// is in the source file and why it was refused, but does not copy the row: that would put personal data in a second,
/// unmanaged file. Each run writes its own; a resumed run lists the rejected rows of the lines stored before it too
/// (a kill leaves the earlier run's file cut off anywhere), so the file always names every rejected row of the batch.
/// </summary>
internal sealed class RejectWriter(string path) : IAsyncDisposable
{
    private StreamWriter? _writer;

    public long Count { get; private set; }

    public string Path => path;

    public async Task WriteAsync(RowReject reject, CancellationToken ct)
    {
        if (_writer is null)
        {
            _writer = new StreamWriter(path, append: false, new UTF8Encoding(false));
            await _writer.WriteLineAsync("line,field,rule,message".AsMemory(), ct);
        }

        Count++;
        await _writer.WriteLineAsync(string.Join(',',
            reject.Line.ToString(CultureInfo.InvariantCulture), Escape(reject.Field), Escape(reject.Rule), Escape(reject.Message)).AsMemory(), ct);
    }

    public async Task FlushAsync(CancellationToken ct)
    {
        if (_writer is not null)
        {
            await _writer.FlushAsync(ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_writer is not null)
        {
            await _writer.DisposeAsync();
        }
    }

    private static string Escape(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
}
