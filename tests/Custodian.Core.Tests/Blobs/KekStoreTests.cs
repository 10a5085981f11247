using System.Security.Cryptography;
using Custodian.Core.Common;
using Custodian.Core.Features.Blobs;
using NodaTime;
using Xunit;

namespace Custodian.Core.Tests.Blobs;

public sealed class KekStoreTests : IDisposable
{
    private static readonly Instant Now = Instant.FromUtc(2026, 11, 28, 21, 15, 0);

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("custodian-kekstore.");

    public void Dispose() => _dir.Delete(recursive: true);

    private static MasterKey NewMasterKey() => MasterKey.FromBytes(RandomNumberGenerator.GetBytes(MasterKey.Length));

    [Fact]
    public void Create_Retire_Load_RoundTripsMetadataAndKey()
    {
        var store = new KekStore(_dir.FullName, NewMasterKey());
        var first = store.Create(Now);
        var second = store.Create(Now + Duration.FromSeconds(1));
        store.Retire(first, Now + Duration.FromMinutes(2));

        var loaded = store.Load();

        Assert.Equal([first.Id, second.Id], loaded.Select(k => k.Id));
        Assert.Equal(KekState.Retired, loaded[0].State);
        Assert.Equal(Now + Duration.FromMinutes(2), loaded[0].RetiredAt);
        Assert.Equal(first.Key, loaded[0].Key);
        Assert.Equal(second.Id, KekStore.Current(loaded)!.Id);
        Assert.Empty(Directory.GetFiles(_dir.FullName, "*.tmp"));
    }

    [Fact]
    public void Destroy_RemovesTheFileForGood()
    {
        var store = new KekStore(_dir.FullName, NewMasterKey());
        var kek = store.Create(Now);

        Assert.True(store.Destroy(kek.Id));
        Assert.False(store.Destroy(kek.Id));
        Assert.Empty(store.Load());
        Assert.Empty(Directory.GetFiles(_dir.FullName));
    }

    [Fact]
    public void Load_SealedUnderAnotherMasterKey_ErrorNamesTheFile()
    {
        var kek = new KekStore(_dir.FullName, NewMasterKey()).Create(Now);

        var ex = Assert.Throws<KeyStoreException>(() => new KekStore(_dir.FullName, NewMasterKey()).Load());

        Assert.Equal("keys.kek_unsealable", ex.Code);
        Assert.Equal(Path.Combine(_dir.FullName, kek.Id + ".kek"), ex.Path);
        Assert.StartsWith(ex.Path + ": error keys.kek_unsealable:", ex.Message, StringComparison.Ordinal);
        Assert.Contains("another master key", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("flip-sealed-byte", "keys.kek_unsealable")]
    [InlineData("truncate", "keys.kek_damaged")]
    [InlineData("rename", "keys.kek_damaged")]
    [InlineData("version", "keys.kek_version")]
    public void Load_DamagedFile_ErrorNamesTheFile(string damage, string code)
    {
        var master = NewMasterKey();
        var store = new KekStore(_dir.FullName, master);
        var kek = store.Create(Now);
        var path = store.PathOf(kek.Id);
        var text = File.ReadAllText(path);
        switch (damage)
        {
            case "flip-sealed-byte":
                var sealedKey = System.Text.Json.JsonDocument.Parse(text).RootElement.GetProperty("sealedKey").GetString()!;
                var bytes = Convert.FromBase64String(sealedKey);
                bytes[15] ^= 1;
                File.WriteAllText(path, text.Replace(sealedKey, Convert.ToBase64String(bytes), StringComparison.Ordinal));
                break;
            case "truncate":
                File.WriteAllText(path, text[..(text.Length / 2)]);
                break;
            case "rename":
                // A KEK file moved under another id (e.g. to pass an old KEK off as the current one).
                var other = store.PathOf("kek-20300101T000000Z-abcd");
                File.Move(path, other);
                path = other;
                break;
            case "version":
                File.WriteAllText(path, text.Replace("\"version\": 1", "\"version\": 9", StringComparison.Ordinal));
                break;
        }

        var ex = Assert.Throws<KeyStoreException>(() => new KekStore(_dir.FullName, master).Load());

        Assert.Equal(code, ex.Code);
        Assert.Equal(path, ex.Path);
    }

    [Fact]
    public void Load_MissingFolder_Empty() =>
        Assert.Empty(new KekStore(Path.Combine(_dir.FullName, "nope"), NewMasterKey()).Load());
}
