using Custodian.Core.Common;
using Custodian.Core.Features.Audit;
using Xunit;

namespace Custodian.Core.Tests.Audit;

public sealed class AuditHasherTests
{
    private static readonly AuditHasher Hasher = new(MasterKey.FromBytes([.. Enumerable.Range(1, 32).Select(i => (byte)i)]));

    [Fact]
    public void HashIdentifier_SameInput_SameHashWithoutThePlaintext()
    {
        var h = Hasher.HashIdentifier("phone", "+31612398745");
        Assert.Equal(h, Hasher.HashIdentifier("phone", "+31612398745"));
        Assert.Matches("^hmac1:[0-9a-f]{64}$", h);
        Assert.DoesNotContain("612398745", h, StringComparison.Ordinal);
    }

    [Fact]
    public void HashIdentifier_KindOrKeyDiffers_HashDiffers()
    {
        var other = new AuditHasher(MasterKey.FromBytes(new byte[32]));
        Assert.NotEqual(Hasher.HashIdentifier("phone", "123"), Hasher.HashIdentifier("imei", "123"));
        Assert.NotEqual(Hasher.HashIdentifier("phone", "123"), other.HashIdentifier("phone", "123"));
        // The separator keeps (kind, value) pairs apart that would concatenate to the same text.
        Assert.NotEqual(Hasher.HashIdentifier("ab", "c"), Hasher.HashIdentifier("a", "bc"));
    }
}
