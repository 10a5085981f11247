using System.Security.Cryptography;
using Custodian.Core.Common;
using Custodian.Core.Features.Blobs;
using Microsoft.Extensions.Time.Testing;
using NodaTime;
using Xunit;

namespace Custodian.Core.Tests.Blobs;

public sealed class KeyEncryptionKeysTests : IDisposable
{
    private static readonly Guid Org = Guid.Parse("00000000-0000-4000-8000-0000000000a1");
    private static readonly DataKeyIdentity Identity = new(Guid.NewGuid(), Org, DataKeyOwner.Subject(Guid.NewGuid()));

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("custodian-kek.");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 21, 15, 0, TimeSpan.Zero));

    public void Dispose() => _dir.Delete(recursive: true);

    private static MasterKey NewMasterKey() => MasterKey.FromBytes(RandomNumberGenerator.GetBytes(MasterKey.Length));

    private string KeysFolder => Path.Combine(_dir.FullName, "keys");

    private KeyEncryptionKeys Ring(MasterKey master, string? folder = null) =>
        new(new KekStore(folder ?? KeysFolder, master), master, _time);

    [Fact]
    public void Constructor_EmptyStore_CreatesOneActiveKekFile()
    {
        var master = NewMasterKey();
        var keks = Ring(master);

        var stored = Assert.Single(new KekStore(KeysFolder, master).Load());
        Assert.Equal(stored.Id, keks.CurrentKekId);
        Assert.Equal(KekState.Active, stored.State);
        Assert.Matches("^kek-20261128T211500Z-[0-9a-f]{4}$", stored.Id);
        Assert.True(File.Exists(Path.Combine(KeysFolder, stored.Id + ".kek")));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(KeysFolder, stored.Id + ".kek")));
        }

        // A second process on the same store uses the same KEK rather than making another.
        Assert.Equal(keks.CurrentKekId, Ring(master).CurrentKekId);
    }

    [Fact]
    public void Wrap_ThenUnwrap_ReturnsDataKey()
    {
        var keks = Ring(NewMasterKey());
        var dataKey = RandomNumberGenerator.GetBytes(32);

        var wrapped = keks.Wrap(dataKey, Identity);

        Assert.Equal(keks.CurrentKekId, wrapped.KekId);
        Assert.Equal(KeyEncryptionKeys.WrappedLength, wrapped.Bytes.Length);
        Assert.Equal(-1, wrapped.Bytes.AsSpan().IndexOf(dataKey));
        Assert.Equal(dataKey, keks.TryUnwrap(wrapped.KekId, wrapped.Bytes, Identity));
    }

    [Fact]
    public void KekFile_DoesNotHoldTheRawKek()
    {
        var master = NewMasterKey();
        Ring(master);
        var kek = Assert.Single(new KekStore(KeysFolder, master).Load());
        var file = File.ReadAllBytes(Path.Combine(KeysFolder, kek.Id + ".kek"));

        Assert.Equal(-1, file.AsSpan().IndexOf(kek.Key));
        Assert.DoesNotContain(Convert.ToBase64String(kek.Key), System.Text.Encoding.UTF8.GetString(file), StringComparison.Ordinal);
    }

    [Fact]
    public void TryUnwrap_OtherKeyStore_Null()
    {
        var master = NewMasterKey();
        var wrapped = Ring(master).Wrap(RandomNumberGenerator.GetBytes(32), Identity);

        // Same master key, another key store (its own random KEK): nothing unwraps.
        Assert.Null(Ring(master, Path.Combine(_dir.FullName, "other")).TryUnwrap(wrapped.KekId, wrapped.Bytes, Identity));
    }

    [Fact]
    public void TryUnwrap_OtherRowOwnerOrTenant_Null()
    {
        var keks = Ring(NewMasterKey());
        var (kekId, wrapped) = keks.Wrap(RandomNumberGenerator.GetBytes(32), Identity);

        Assert.Null(keks.TryUnwrap(kekId, wrapped, Identity with { DataKeyId = Guid.NewGuid() }));
        Assert.Null(keks.TryUnwrap(kekId, wrapped, Identity with { OrganizationId = Guid.NewGuid() }));
        Assert.Null(keks.TryUnwrap(kekId, wrapped, Identity with { Owner = DataKeyOwner.Subject(Guid.NewGuid()) }));
        Assert.Null(keks.TryUnwrap(kekId, wrapped, Identity with { Owner = new(DataKeyOwnerKind.Organization, Identity.Owner.Id) }));
    }

    [Fact]
    public void TryUnwrap_UnknownKekIdOrDamage_Null()
    {
        var keks = Ring(NewMasterKey());
        var (kekId, wrapped) = keks.Wrap(RandomNumberGenerator.GetBytes(32), Identity);

        Assert.Null(keks.TryUnwrap("kek-20200101T000000Z-0000", wrapped, Identity));
        Assert.Null(keks.TryUnwrap(kekId, wrapped.AsSpan(0, wrapped.Length - 1), Identity));
        wrapped[20] ^= 0x80;
        Assert.Null(keks.TryUnwrap(kekId, wrapped, Identity));
    }

    [Fact]
    public void TryUnwrap_LegacyDerivedKek_StillReadsButNeverWraps()
    {
        var master = NewMasterKey();
        var legacy = new KeyEncryptionKeys(
            new Dictionary<string, byte[]> { [KeyEncryptionKeys.LegacyId] = master.Derive(KeyEncryptionKeys.LegacyPurpose) }, KeyEncryptionKeys.LegacyId);
        var dataKey = RandomNumberGenerator.GetBytes(32);
        var old = legacy.Wrap(dataKey, Identity);

        var keks = Ring(master);

        Assert.Equal(dataKey, keks.TryUnwrap(KeyEncryptionKeys.LegacyId, old.Bytes, Identity));
        Assert.NotEqual(KeyEncryptionKeys.LegacyId, keks.Wrap(dataKey, Identity).KekId);
    }

    [Fact]
    public void TryUnwrap_KekMadeByAnotherProcess_ReloadsAndReads()
    {
        var master = NewMasterKey();
        var here = Ring(master);
        var elsewhere = Ring(master);
        var store = new KekStore(KeysFolder, master);
        var now = Instant.FromDateTimeOffset(_time.GetUtcNow());
        _time.Advance(TimeSpan.FromSeconds(1));
        store.Create(Instant.FromDateTimeOffset(_time.GetUtcNow()));
        store.Retire(store.Load().Single(k => k.CreatedAt == now), now);
        elsewhere.Reload();
        var dataKey = RandomNumberGenerator.GetBytes(32);
        var wrapped = elsewhere.Wrap(dataKey, Identity);

        Assert.NotEqual(here.CurrentKekId, wrapped.KekId);
        Assert.Equal(dataKey, here.TryUnwrap(wrapped.KekId, wrapped.Bytes, Identity));
        Assert.Equal(wrapped.KekId, here.CurrentKekId);
    }

    [Fact]
    public void Wrap_CurrentKekFileDestroyedElsewhere_ReloadsAndNeverUsesIt()
    {
        var master = NewMasterKey();
        var keks = Ring(master);
        var destroyed = keks.CurrentKekId;
        var store = new KekStore(KeysFolder, master);
        _time.Advance(TimeSpan.FromSeconds(1));
        store.Create(Instant.FromDateTimeOffset(_time.GetUtcNow()));
        Assert.True(store.Destroy(destroyed));

        var wrapped = keks.Wrap(RandomNumberGenerator.GetBytes(32), Identity);

        Assert.NotEqual(destroyed, wrapped.KekId);
        Assert.False(keks.Contains(destroyed));
    }

    [Fact]
    public void FixedRing_AfterRotation_ReadsOldAndWrapsWithNew()
    {
        var v1 = RandomNumberGenerator.GetBytes(32);
        var old = new KeyEncryptionKeys(new Dictionary<string, byte[]> { ["a"] = v1 }, "a");
        var rotated = new KeyEncryptionKeys(new Dictionary<string, byte[]> { ["a"] = v1, ["b"] = RandomNumberGenerator.GetBytes(32) }, "b");
        var dataKey = RandomNumberGenerator.GetBytes(32);

        Assert.Equal(dataKey, rotated.TryUnwrap("a", old.Wrap(dataKey, Identity).Bytes, Identity));
        Assert.Equal("b", rotated.Wrap(dataKey, Identity).KekId);
        Assert.Null(old.TryUnwrap("b", rotated.Wrap(dataKey, Identity).Bytes, Identity));
    }
}
