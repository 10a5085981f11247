namespace Custodian.Core.Common;

/// <summary>
/// A forward-only, read-only stream: the shape of every transforming stream in Custodian (hashing, encrypting,
/// decrypting, upload checking). Subclasses implement reading and say what Length and Position mean for them.
/// </summary>
internal abstract class ReadOnlyStream : Stream
{
    public sealed override bool CanRead => true;

    public sealed override bool CanSeek => false;

    public sealed override bool CanWrite => false;

    public sealed override void Flush()
    {
    }

    public sealed override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public sealed override void SetLength(long value) => throw new NotSupportedException();

    public sealed override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
