using Custodian.Core.Common;
using Custodian.Core.Persistence;
using Custodian.Hosting;
using Custodian.Testing;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.IntegrationTests.Nodes;

/// <summary>The data-protection key ring in the database (issue 8 §3): shared by every node, encrypted under the master key.</summary>
public sealed class DataProtectionKeyStoreTests : IDisposable
{
    private static readonly MasterKey Key = MasterKey.FromBytes([.. Enumerable.Range(7, 32).Select(i => (byte)i)]);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("custodian-dpkeys-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task Protect_OnOneNode_UnprotectsOnAnotherWithTheSameDatabase(Engine engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        await using var nodeA = Node(db.Target, Path.Combine(_dir.FullName, "a"));
        await using var nodeB = Node(db.Target, Path.Combine(_dir.FullName, "b"));

        var token = nodeA.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Protect("session-42");

        Assert.Equal("session-42", nodeB.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Unprotect(token));
        await using var context = db.CreateContext();
        var rows = await context.Set<DataProtectionKeyRow>().AsNoTracking().ToListAsync(Ct);
        var row = Assert.Single(rows);
        Assert.Contains("encryptedKey", row.Xml, StringComparison.Ordinal);
        Assert.DoesNotContain("<masterKey", row.Xml, StringComparison.Ordinal); // the key material is only in the encrypted element
    }

    /// <summary>An upgrade of a running single node: tokens made with the key files of the old version still open, and the files are moved in.</summary>
    [Theory, AllEngines]
    public async Task LegacyKeyFiles_AreMovedIntoTheDatabase_OldTokensStillOpen(Engine engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        var data = Path.Combine(_dir.FullName, "data");
        var legacy = DataProtectionSetup.LegacyFolder(data);
        string token;
        var old = new ServiceCollection().AddLogging();
        old.AddDataProtection().SetApplicationName("custodian").PersistKeysToFileSystem(new DirectoryInfo(legacy))
            .AddKeyManagementOptions(o => o.XmlEncryptor = new MasterKeyXmlEncryptor(Key));
        old.AddSingleton(Key);
        await using (var before = old.BuildServiceProvider())
        {
            token = before.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Protect("old-session");
        }

        Assert.Single(Directory.GetFiles(legacy, "*.xml"));

        await using (var after = Node(db.Target, data))
        {
            Assert.Equal("old-session", after.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Unprotect(token));
        }

        Assert.Empty(Directory.GetFiles(legacy, "*.xml"));
        Assert.Single(Directory.GetFiles(legacy, "*.xml" + DatabaseXmlRepository.ImportedSuffix));

        // Another node (an empty data folder) reads the moved key from the database.
        await using var other = Node(db.Target, Path.Combine(_dir.FullName, "other"));
        Assert.Equal("old-session", other.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Unprotect(token));
    }

    public void Dispose() => _dir.Delete(recursive: true);

    private static ServiceProvider Node(DatabaseTarget target, string dataFolder)
    {
        var services = new ServiceCollection().AddLogging().AddSingleton(TimeProvider.System).AddCustodianDatabase(target);
        DataProtectionSetup.AddCustodianDataProtection(services, Key, dataFolder);
        return services.BuildServiceProvider();
    }
}
