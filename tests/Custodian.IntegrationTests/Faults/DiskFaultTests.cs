using System.Net;
using System.Text.Json;
using Custodian.Core.Common;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.IntegrationTests.Host;
using Custodian.IntegrationTests.Import;
using Custodian.IntegrationTests.Store;
using Custodian.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Faults;

/// <summary>
/// Issue 8 §4: the disk under the database and the blob store fills up or turns read-only for real (a small tmpfs of
/// the test's own). The action fails with a clear coded error, nothing acknowledged is lost, nothing is half-applied,
/// and the running product recovers by itself when the disk is usable again. SQLite only: the PostgreSQL server's own
/// disk filling up is in <see cref="PostgresDiskFullTests"/>.
/// </summary>
public sealed class DiskFaultTests
{
    private const int Rows = 30_000;
    private const int ChunkRows = 2_000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ImportAndUpload_DiskFills_FailCleanlyAndRecoverWhenSpaceReturns()
    {
        await using var disk = await Tmpfs.MountAsync(64L << 20);
        var data = Directory.CreateDirectory(Path.Combine(disk.Path, "data")).FullName;
        var dbFolder = Directory.CreateDirectory(Path.Combine(disk.Path, "db")).FullName;
        var outside = Directory.CreateTempSubdirectory("custodian-faults.");
        try
        {
            await using var api = await StoreApi.StartOnAsync(await CustodianServer.StartAsync(await TestDatabase.CreateSqliteInAsync(dbFolder), dataFolder: data));
            var (_, tenant) = await api.CreateTenantAsync("demo");
            await UploadAsync(tenant, HttpStatusCode.Created, null);
            var file = Path.Combine(outside.FullName, "usage.csv");
            await File.WriteAllTextAsync(file, UsageFile.Generate(Rows, rejectEvery: 0, Instant.FromDateTimeOffset(TimeProvider.System.GetUtcNow()) - Duration.FromDays(20)), Ct);

            // Room for a few chunks, not for the file.
            await disk.ResizeAsync(disk.Used + (1L << 20));
            var failure = await Assert.ThrowsAnyAsync<Exception>(() => ImportAsync(api.Server, file));
            Assert.Equal(StorageFaults.DiskFull, StorageFaults.Classify(failure)?.Code);
            var stored = await CountAsync(api.Server, "SELECT count(*) FROM usage_records");
            Assert.True(stored % ChunkRows == 0, $"{stored} rows: a chunk was half applied");

            // Whatever the rollback gave back is taken again, so every later write meets a full disk.
            Fill(disk.Path);

            // The operator's command says what is wrong in one line, exit code 1.
            var key = Path.Combine(data, "master.key");
            var (exit, _, error) = await CliTests.RunAsync("import", "usage", file, "--db", api.Server.Database.Target.ConnectionString, "--data", data, "--master-key-file", key);
            Assert.Equal(1, exit);
            Assert.StartsWith("error storage.disk_full: No space left", error, StringComparison.Ordinal);
            Assert.DoesNotContain(" at Custodian", error, StringComparison.Ordinal);

            // The API answers 507 with the code; no recording row, and its audit event went with the transaction.
            await UploadAsync(tenant, HttpStatusCode.InsufficientStorage, StorageFaults.DiskFull);
            Assert.Equal(1, await CountAsync(api.Server, "SELECT count(*) FROM support_call_recordings"));
            Assert.Equal(stored, await CountAsync(api.Server, "SELECT count(*) FROM usage_records"));

            // Space returns: the same running server and the same command carry on.
            await disk.ResizeAsync(256L << 20);
            var result = await ImportAsync(api.Server, file);
            Assert.Equal(ImportOutcome.Imported, result.Outcome);
            Assert.Equal(Rows, await CountAsync(api.Server, "SELECT count(*) FROM usage_records"));
            Assert.Equal(Rows, await CountAsync(api.Server, "SELECT count(DISTINCT record_key) FROM usage_records"));
            await UploadAsync(tenant, HttpStatusCode.Created, null);
            await AssertBlobsAndRowsAgreeAsync(api.Server);
            await AssertAuditIntactAsync(api.Server);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            outside.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Upload_BlobStoreReadOnly_AnswersUnavailableAndRecoversWhenWritable()
    {
        // Only the blob store is on the tmpfs: a file system cannot turn read-only while the database holds files open on it.
        await using var disk = await Tmpfs.MountAsync(16L << 20);
        await using var api = await StoreApi.StartOnAsync(await CustodianServer.StartAsync(await TestDatabase.CreateAsync(Engine.Sqlite), dataFolder: disk.Path));
        var (_, tenant) = await api.CreateTenantAsync("demo");
        await UploadAsync(tenant, HttpStatusCode.Created, null);

        await disk.ReadOnlyAsync();
        try
        {
            await UploadAsync(tenant, HttpStatusCode.ServiceUnavailable, StorageFaults.ReadOnly);
            Assert.Equal(1, await CountAsync(api.Server, "SELECT count(*) FROM support_call_recordings"));
        }
        finally
        {
            await disk.ReadWriteAsync();
        }

        await UploadAsync(tenant, HttpStatusCode.Created, null);
        Assert.Equal(2, await CountAsync(api.Server, "SELECT count(*) FROM support_call_recordings"));
        await AssertBlobsAndRowsAgreeAsync(api.Server);
        await AssertAuditIntactAsync(api.Server);
    }

    private static async Task UploadAsync(HttpClient tenant, HttpStatusCode expected, string? code)
    {
        var (status, body) = await ContentUpload.SendAsync(tenant, "/api/v1/support-call-recordings", ContentUpload.Wav(2), "audio/wav", ContentUpload.Call("+31640000201"));
        Assert.True(status == expected, $"{(int)status}: {body}");
        if (code is not null)
        {
            var problem = JsonDocument.Parse(body).RootElement;
            Assert.Equal(code, problem.GetProperty("code").GetString());
            Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
        }
    }

    private static async Task<ImportResult> ImportAsync(CustodianServer server, string file)
    {
        var s = server.Services;
        var importer = new EventImporter(
            s.GetRequiredService<IDbContextFactory<CustodianDbContext>>(), s.GetRequiredService<IAuditTrail>(), s.GetRequiredService<TimeProvider>(),
            new ImportOptions { ChunkRows = ChunkRows }, s.GetRequiredService<ProcessingRegister>());
        return await importer.ImportAsync(new ImportRequest(EventFamily.Usage, file, ImportFixture.Operator), null, Ct);
    }

    private static void Fill(string folder)
    {
        var chunk = new byte[64 * 1024];
        using var filler = new FileStream(Path.Combine(folder, "filler"), FileMode.Create);
        try
        {
            while (true)
            {
                filler.Write(chunk);
                filler.Flush();
            }
        }
        catch (IOException)
        {
            // Full: exactly what we wanted. (Writes are flushed one by one, so little is left in the buffer.)
        }
    }

    private static async Task<long> CountAsync(CustodianServer server, string sql)
    {
        await using var db = server.Database.CreateContext();
        await db.Database.OpenConnectionAsync(Ct);
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(Ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Every recording's blob can be read back (no row without its content). Content written before a failed commit is
    /// an orphan by design, removed by the blob sweep after its grace period (EncryptedBlobs.SweepOrphansAsync).
    /// </summary>
    private static async Task AssertBlobsAndRowsAgreeAsync(CustodianServer server)
    {
        await using var scope = server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CustodianDbContext>();
        db.ScopeTo(TenantScope.Everything);
        var blobs = scope.ServiceProvider.GetRequiredService<Core.Features.Blobs.EncryptedBlobs>();
        foreach (var recording in await db.Set<SupportCallRecording>().AsNoTracking().ToListAsync(Ct))
        {
            await using var content = await blobs.OpenReadAsync(db, recording.ContentBlobId, Ct);
            await content.CopyToAsync(Stream.Null, Ct);
        }
    }

    private static async Task AssertAuditIntactAsync(CustodianServer server)
    {
        await using var scope = server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CustodianDbContext>();
        var verification = await scope.ServiceProvider.GetRequiredService<AuditVerifier>().VerifyAsync(db, null, Ct);
        Assert.True(verification.Intact, string.Join("; ", verification.Problems));
    }
}
