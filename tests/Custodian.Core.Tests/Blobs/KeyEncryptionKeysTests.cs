using System.Security.Cryptography;
using Custodian.Core.Common;
using Custodian.Core.Features.Blobs;
using Xunit;

namespace Custodian.Core.Tests.Blobs;

public sealed class KeyEncryptionKeysTests
{
    private static readonly Guid Org = Guid.Parse("00000000-0000-4000-8000-0000000000a1");
    private static readonly DataKeyIdentity Identity = new(Guid.NewGuid(), Org, DataKeyOwner.Subject(Guid.NewGuid()));

    private static MasterKey NewMasterKey() => MasterKey.FromBytes(RandomNumberGenerator.GetBytes(MasterKey.Length));

    [Fact]
    public void Wrap_ThenUnwrap_ReturnsDataKey()
    {
        var keks = new KeyEncryptionKeys(NewMasterKey());
        var dataKey = RandomNumberGenerator.GetBytes(32);

        var wrapped = keks.Wrap(dataKey, Identity);

        Assert.Equal(KeyEncryptionKeys.WrappedLength, wrapped.Length);
        Assert.Equal(-1, wrapped.AsSpan().IndexOf(dataKey));
        Assert.Equal(dataKey, keks.TryUnwrap(KeyEncryptionKeys.CurrentId, wrapped, Identity));
    }

    [Fact]
    public void TryUnwrap_OtherMasterKey_Null()
    {
        var wrapped = new KeyEncryptionKeys(NewMasterKey()).Wrap(RandomNumberGenerator.GetBytes(32), Identity);
        Assert.Null(new KeyEncryptionKeys(NewMasterKey()).TryUnwrap(KeyEncryptionKeys.CurrentId, wrapped, Identity));
    }

    [Fact]
    public void TryUnwrap_OtherRowOwnerOrTenant_Null()
    {
        var keks = new KeyEncryptionKeys(NewMasterKey());
        var wrapped = keks.Wrap(RandomNumberGenerator.GetBytes(32), Identity);

        Assert.Null(keks.TryUnwrap(KeyEncryptionKeys.CurrentId, wrapped, Identity with { DataKeyId = Guid.NewGuid() }));
        Assert.Null(keks.TryUnwrap(KeyEncryptionKeys.CurrentId, wrapped, Identity with { OrganizationId = Guid.NewGuid() }));
        Assert.Null(keks.TryUnwrap(KeyEncryptionKeys.CurrentId, wrapped, Identity with { Owner = DataKeyOwner.Subject(Guid.NewGuid()) }));
        Assert.Null(keks.TryUnwrap(KeyEncryptionKeys.CurrentId, wrapped, Identity with { Owner = new(DataKeyOwnerKind.Organization, Identity.Owner.Id) }));
    }

    [Fact]
    public void TryUnwrap_UnknownKekIdOrDamage_Null()
    {
        var keks = new KeyEncryptionKeys(NewMasterKey());
        var wrapped = keks.Wrap(RandomNumberGenerator.GetBytes(32), Identity);

        Assert.Null(keks.TryUnwrap("blob-kek/v0", wrapped, Identity));
        Assert.Null(keks.TryUnwrap(KeyEncryptionKeys.CurrentId, wrapped.AsSpan(0, wrapped.Length - 1), Identity));
        wrapped[20] ^= 0x80;
        Assert.Null(keks.TryUnwrap(KeyEncryptionKeys.CurrentId, wrapped, Identity));
    }

    [Fact]
    public void Constructor_FromMasterKey_UsesTheBlobKekPurpose()
    {
        var master = NewMasterKey();
        var explicitRing = new KeyEncryptionKeys(
            new Dictionary<string, byte[]> { ["blob-kek/v1"] = master.Derive("custodian/blob-kek/v1") }, "blob-kek/v1");
        var dataKey = RandomNumberGenerator.GetBytes(32);

        Assert.Equal(dataKey, explicitRing.TryUnwrap("blob-kek/v1", new KeyEncryptionKeys(master).Wrap(dataKey, Identity), Identity));
    }

    [Fact]
    public void TryUnwrap_AfterRotation_ReadsOldAndWrapsWithNew()
    {
        var v1 = RandomNumberGenerator.GetBytes(32);
        var old = new KeyEncryptionKeys(new Dictionary<string, byte[]> { ["blob-kek/v1"] = v1 }, "blob-kek/v1");
        var rotated = new KeyEncryptionKeys(
            new Dictionary<string, byte[]> { ["blob-kek/v1"] = v1, ["blob-kek/v2"] = RandomNumberGenerator.GetBytes(32) }, "blob-kek/v2");
        var dataKey = RandomNumberGenerator.GetBytes(32);

        Assert.Equal(dataKey, rotated.TryUnwrap("blob-kek/v1", old.Wrap(dataKey, Identity), Identity));
        Assert.Equal("blob-kek/v2", rotated.CurrentKekId);
        Assert.Null(old.TryUnwrap("blob-kek/v2", rotated.Wrap(dataKey, Identity), Identity));
    }
}
