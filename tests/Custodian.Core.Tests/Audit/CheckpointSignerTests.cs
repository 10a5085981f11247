using Custodian.Core.Common;
using Custodian.Core.Features.Audit;
using Xunit;

namespace Custodian.Core.Tests.Audit;

public sealed class CheckpointSignerTests
{
    private static readonly MasterKey Key = MasterKey.FromBytes([.. Enumerable.Range(1, 32).Select(i => (byte)i)]);
    private static readonly MasterKey OtherKey = MasterKey.FromBytes(new byte[32]);
    private static readonly CheckpointBody Body = new("custodian.example/audit", 1234, MerkleTree.LeafHash([1, 2, 3]));

    [Fact]
    public void Sign_ThenOpen_ReturnsBody()
    {
        using var signer = new CheckpointSigner(Key, "custodian.example/audit");
        var note = signer.Sign(Body);

        var opened = signer.Verifier.Open(note);

        Assert.Null(opened.Error);
        Assert.Equal(1234, opened.Body!.Size);
        Assert.Equal(Body.Root, opened.Body.Root);
        Assert.StartsWith($"custodian.example/audit\n1234\n{Convert.ToBase64String(Body.Root)}\n\n\u2014 custodian.example/audit ", note, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\n1234\n", "\n1235\n")]
    [InlineData("custodian.example/audit\n", "custodian.example/audix\n")]
    public void Open_BodyAltered_Rejected(string from, string to)
    {
        using var signer = new CheckpointSigner(Key, "custodian.example/audit");
        var note = signer.Sign(Body);
        var altered = note.Replace(from, to, StringComparison.Ordinal);
        Assert.NotEqual(note, altered);

        Assert.NotNull(signer.Verifier.Open(altered).Error);
    }

    [Fact]
    public void Open_SignedByAnotherKey_Rejected()
    {
        using var signer = new CheckpointSigner(Key, "custodian.example/audit");
        using var other = new CheckpointSigner(OtherKey, "custodian.example/audit");

        Assert.NotNull(signer.Verifier.Open(other.Sign(Body)).Error);
    }

    [Fact]
    public void Open_ExtraCosignatureByUnknownKey_Ignored()
    {
        using var signer = new CheckpointSigner(Key, "custodian.example/audit");
        using var witness = new CheckpointSigner(OtherKey, "witness.example");
        var note = signer.Sign(Body);
        var witnessLine = witness.Sign(Body).Split("\n\n")[1];

        Assert.Null(signer.Verifier.Open(note + witnessLine).Error);
    }

    [Fact]
    public void VerifierKey_RoundTrips_AndVerifiesWithoutTheMasterKey()
    {
        using var signer = new CheckpointSigner(Key, "custodian.example/audit");
        var verifier = CheckpointVerifier.FromVerifierKey(signer.VerifierKey);

        Assert.NotNull(verifier);
        Assert.Null(verifier.Open(signer.Sign(Body)).Error);
        Assert.Null(CheckpointVerifier.FromVerifierKey("custodian.example/audit+00000000+" + signer.VerifierKey.Split("+", 3)[2]));
    }

    [Fact]
    public void Signer_SameMasterKey_SameVerifierKey()
    {
        using var a = new CheckpointSigner(Key, "custodian.example/audit");
        using var b = new CheckpointSigner(Key, "custodian.example/audit");
        Assert.Equal(a.VerifierKey, b.VerifierKey);
    }
}
