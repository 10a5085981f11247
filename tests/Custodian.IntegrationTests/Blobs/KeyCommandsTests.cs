using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Custodian.Core.Common;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Tenancy;
using Custodian.IntegrationTests.Host;
using Custodian.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.IntegrationTests.Blobs;

/// <summary><c>custodian keys status|rotate|destroy-retired</c> as an operator runs them.</summary>
public sealed class KeyCommandsTests : IDisposable
{
    private static readonly Guid Org = Guid.Parse("00000000-0000-4000-8000-0000000000d1");

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("custodian-keys-cli.");

    public void Dispose() => _dir.Delete(recursive: true);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Keys => Path.Combine(_dir.FullName, "kek-volume");

    [Theory, AllEngines]
    public async Task StatusRotateDestroyRetired_OnStoredBlobs_ReportAndRewrap(Engine engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        var (common, master) = await PrepareAsync(db);
        var blobs = await PutBlobsAsync(db, master, 3);

        var (exit, output, error) = await CliTests.RunAsync([.. common, "keys", "status", "--json"]);
        Assert.True(exit == 0, error);
        using (var status = JsonDocument.Parse(output))
        {
            var kek = Assert.Single(status.RootElement.GetProperty("keks").EnumerateArray());
            Assert.Equal("active", kek.GetProperty("state").GetString());
            Assert.True(kek.GetProperty("current").GetBoolean());
            Assert.Equal(3, kek.GetProperty("dataKeys").GetInt32());
            Assert.Equal(1, status.RootElement.GetProperty("destroyedDataKeys").GetInt32());
            Assert.Equal(Keys, status.RootElement.GetProperty("keyStore").GetString());
        }

        (exit, output, error) = await CliTests.RunAsync([.. common, "keys", "rotate"]);
        Assert.True(exit == 0, error);
        Assert.Contains("Re-wrapped 3 data keys", output, StringComparison.Ordinal);

        (exit, output, error) = await CliTests.RunAsync([.. common, "keys", "status"]);
        Assert.True(exit == 0, error);
        Assert.Contains("active, current", output, StringComparison.Ordinal);
        Assert.Contains("retired", output, StringComparison.Ordinal);
        Assert.Contains("Destroyed data keys: 1", output, StringComparison.Ordinal);

        // Retired just now: the default retention (35 days) keeps it, and so does the shortest one allowed.
        (exit, output, error) = await CliTests.RunAsync([.. common, "keys", "destroy-retired", "--retention", "1h"]);
        Assert.True(exit == 0, error);
        Assert.Contains("nothing destroyed", output, StringComparison.Ordinal);
        Assert.Contains("keys.retention_below_setting", error, StringComparison.Ordinal);
        Assert.Equal(2, Directory.GetFiles(Keys, "*.kek").Length);

        (exit, _, error) = await CliTests.RunAsync([.. common, "keys", "destroy-retired", "--retention", "10m"]);
        Assert.Equal(2, exit);
        Assert.Contains("keys.retention_too_short", error, StringComparison.Ordinal);

        (exit, _, error) = await CliTests.RunAsync([.. common, "keys", "destroy-retired", "--retention", "soon"]);
        Assert.Equal(2, exit);
        Assert.Contains("keys.bad_retention", error, StringComparison.Ordinal);

        // Everything is still readable with the server-side services after the CLI's rotation.
        await using var services = Services(db, master);
        await using var context = db.CreateContext(TenantScope.Everything);
        foreach (var id in blobs)
        {
            await using var stream = await services.GetRequiredService<EncryptedBlobs>().OpenReadAsync(context, id, Ct);
            Assert.Equal(1, stream.ReadByte());
        }

        Assert.Equal(1, await context.Set<AuditEvent>().CountAsync(e => e.Action == "key.rotated", Ct));
    }

    [Fact]
    public async Task Status_KekFileSealedUnderAnotherMasterKey_ExitsOneNamingTheFile()
    {
        await using var db = await TestDatabase.CreateAsync(Engine.Sqlite);
        var (common, master) = await PrepareAsync(db);
        await PutBlobsAsync(db, master, 1);
        var foreign = new KekStore(Keys, MasterKey.FromBytes(RandomNumberGenerator.GetBytes(MasterKey.Length)))
            .Create(NodaTime.Instant.FromUtc(2026, 1, 1, 0, 0));

        var (exit, _, error) = await CliTests.RunAsync([.. common, "keys", "status"]);

        Assert.Equal(1, exit);
        Assert.StartsWith($"{Path.Combine(Keys, foreign.Id + ".kek")}: error keys.kek_unsealable:", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_WrongKeyStoreFolder_ExitsOneWithKekMissing()
    {
        await using var db = await TestDatabase.CreateAsync(Engine.Sqlite);
        var (common, master) = await PrepareAsync(db);
        await PutBlobsAsync(db, master, 2);
        common[Array.IndexOf(common, "--keys") + 1] = Path.Combine(_dir.FullName, "not-mounted");

        var (exit, output, error) = await CliTests.RunAsync([.. common, "keys", "status"]);

        Assert.Equal(1, exit);
        Assert.Contains("No key-encryption keys yet", output, StringComparison.Ordinal);
        Assert.Contains("error keys.kek_missing: 2 live data keys", error, StringComparison.Ordinal);
    }

    /// <summary>The real executable, as an operator's shell or cron job runs it, with the key store given by the environment.</summary>
    [Fact]
    public async Task Executable_KeysRotate_EnvironmentKeyStore_ExitsZero()
    {
        await using var db = await TestDatabase.CreateAsync(Engine.Sqlite);
        var (common, master) = await PrepareAsync(db);
        await PutBlobsAsync(db, master, 1);
        var start = new ProcessStartInfo(Custodian.Testing.Crash.CrashChild.DefaultExecutable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["CUSTODIAN_KEYS"] = Keys },
        };
        foreach (var arg in common.Where((a, i) => a != "--keys" && (i == 0 || common[i - 1] != "--keys")).Concat(["keys", "rotate"]))
        {
            start.ArgumentList.Add(arg);
        }

        using var child = Process.Start(start)!;
        var stdout = child.StandardOutput.ReadToEndAsync(Ct);
        var stderr = child.StandardError.ReadToEndAsync(Ct);
        await child.WaitForExitAsync(Ct);

        Assert.True(child.ExitCode == 0, await stderr);
        Assert.Contains("Re-wrapped 1 data keys", await stdout, StringComparison.Ordinal);
        Assert.Equal(2, Directory.GetFiles(Keys, "*.kek").Length);
    }

    /// <summary>A master key file and the common flags (database, data folder, master key, key store on its own "volume").</summary>
    private async Task<(string[] Common, MasterKey Master)> PrepareAsync(TestDatabase db)
    {
        var bytes = RandomNumberGenerator.GetBytes(MasterKey.Length);
        var keyFile = Path.Combine(_dir.FullName, "master.key");
        await File.WriteAllTextAsync(keyFile, Convert.ToBase64String(bytes), Ct);
        var dbArg = db.Engine == Engine.Sqlite
            ? new SqliteConnectionStringBuilder(db.Target.ConnectionString).DataSource
            : db.Target.ConnectionString;
        return (["--db", dbArg, "--data", _dir.FullName, "--master-key-file", keyFile, "--keys", Keys], MasterKey.FromBytes(bytes));
    }

    private ServiceProvider Services(TestDatabase db, MasterKey master) => TestDatabase.ServicesFor(db.Target, s => s
        .AddSingleton(TimeProvider.System)
        .AddSingleton(master)
        .AddCustodianAudit()
        .AddCustodianBlobs(_dir.FullName, Keys));

    /// <summary>Stores <paramref name="live"/> one-byte blobs of distinct subjects, plus one whose key is then destroyed.</summary>
    private async Task<List<Guid>> PutBlobsAsync(TestDatabase db, MasterKey master, int live)
    {
        await using var services = Services(db, master);
        var blobs = services.GetRequiredService<EncryptedBlobs>();
        await using var context = db.CreateContext(TenantScope.Everything);
        var ids = new List<Guid>();
        for (var i = 0; i <= live; i++)
        {
            var record = await blobs.PutAsync(context, Org, DataKeyOwner.Subject(Guid.NewGuid()), new MemoryStream([1]), "text/plain", Ct);
            if (i == live)
            {
                await blobs.DestroyDataKeyAsync(context, record.DataKeyId, Ct);
            }
            else
            {
                ids.Add(record.Id);
            }
        }

        return ids;
    }
}
