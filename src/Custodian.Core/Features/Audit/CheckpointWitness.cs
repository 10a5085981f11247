using System.Globalization;

namespace Custodian.Core.Features.Audit;

/// <summary>The outcome of comparing two checkpoints of one log.</summary>
/// <param name="Consistent">True when one checkpoint's tree is a prefix of the other's (or they are equal).</param>
/// <param name="Code"><c>audit.consistent</c>, <c>audit.fork</c> (two different histories were signed), or
/// <c>audit.checkpoint_invalid</c> (a note did not verify).</param>
/// <param name="Message">For an operator.</param>
internal sealed record CheckpointComparison(bool Consistent, string Code, string Message);

/// <summary>
/// The witness check of C2SP tlog-witness and security.md §2.4 L-08: two checkpoints that client organisations (or a
/// witness) stored must describe ONE append-only history. Equal sizes need equal roots; different sizes need a
/// consistency proof from the smaller to the larger. Anything else is a fork: the log showed two parties two different
/// histories (a split view), which only comparing what left the system can reveal. Pure: the proof comes from the caller.
/// </summary>
internal static class CheckpointWitness
{
    /// <param name="a">One opened (signature-checked) checkpoint.</param>
    /// <param name="b">The other.</param>
    /// <param name="proof">The consistency proof from the smaller size to the larger (ignored for equal sizes); null when the log could not produce one.</param>
    public static CheckpointComparison Compare(CheckpointBody a, CheckpointBody b, IReadOnlyList<byte[]>? proof)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Origin != b.Origin)
        {
            return new(false, "audit.checkpoint_invalid", $"the checkpoints name different logs ('{a.Origin}' and '{b.Origin}')");
        }

        if (a.Size == b.Size)
        {
            return a.Root.AsSpan().SequenceEqual(b.Root)
                ? new(true, "audit.consistent", string.Create(CultureInfo.InvariantCulture, $"both checkpoints are of the same tree of {a.Size} events"))
                : new(false, "audit.fork", string.Create(CultureInfo.InvariantCulture,
                    $"two signed checkpoints of size {a.Size} have different roots: the log showed two different histories (fork)"));
        }

        var (small, large) = a.Size < b.Size ? (a, b) : (b, a);
        if (proof is not null && MerkleProofs.VerifyConsistency(small.Size, large.Size, proof, small.Root, large.Root))
        {
            return new(true, "audit.consistent", string.Create(CultureInfo.InvariantCulture,
                $"the tree of {small.Size} events is a prefix of the tree of {large.Size} events (consistency proof verified)"));
        }

        return new(false, "audit.fork", string.Create(CultureInfo.InvariantCulture,
            $"no valid consistency proof from size {small.Size} to size {large.Size}: the two checkpoints are not one append-only history (fork, or the log was rewritten)"));
    }
}
