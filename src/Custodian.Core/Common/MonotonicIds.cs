namespace Custodian.Core.Common;

/// <summary>
/// UUIDv7 ids that increase strictly within this process, in the order both databases sort them (the hex text: SQLite
/// stores EF's upper-case text, PostgreSQL compares the uuid's bytes in textual order). <see cref="Guid.CreateVersion7()"/>
/// alone has a millisecond timestamp and random bits after it, so two ids made in one millisecond sort at random; a
/// timeline ordered by (time, id) would then show two events of the same instant in either order. Here an id that would
/// not sort after the previous one is the previous one plus one (RFC 9562 §6.2 allows such a monotonic counter in the
/// random bits).
/// </summary>
internal static class MonotonicIds
{
    private static readonly Lock Gate = new();
    private static Guid _last;

    public static Guid Next()
    {
        var id = Guid.CreateVersion7();
        lock (Gate)
        {
            if (string.CompareOrdinal(id.ToString("N"), _last.ToString("N")) <= 0)
            {
                id = Increment(_last);
            }

            _last = id;
            return id;
        }
    }

    /// <summary>The next id in textual order: the last byte plus one, carrying into the random bytes before it (not into the variant byte 8).</summary>
    private static Guid Increment(Guid id)
    {
        var bytes = id.ToByteArray(bigEndian: true);
        for (var i = bytes.Length - 1; i > 8; i--)
        {
            if (++bytes[i] != 0)
            {
                break;
            }
        }

        return new Guid(bytes, bigEndian: true);
    }
}
