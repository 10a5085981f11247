using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Custodian.Core.Common;
using Custodian.Core.Features.ApiKeys;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.IntegrationTests.Host;
using Custodian.IntegrationTests.Store;
using Custodian.Testing;
using Custodian.Testing.Crash;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.IntegrationTests.Faults;

/// <summary>
/// Issue 8 §4: real I/O errors (EIO) on the data folder, injected with libfiu into a running <c>custodian serve</c>
/// child: every pwrite/pwritev/fsync/fdatasync of the process fails with EIO, while its sockets and console log keep
/// working. SQLite: the database, its WAL and the blob store's files all fail, so an upload and a request intake both
/// answer 503 <c>storage.io_error</c>. PostgreSQL: the database server's files are not in our process, so only the blob
/// store's own files fail: the upload answers 503 with no row left behind, and the intake (no file written) is accepted.
/// Either way one log line per failed request, nothing acknowledged before is lost, nothing is half-applied, and once
/// the fault is gone the same process serves the same writes.
/// </summary>
public sealed class IoErrorTests
{
    private const string Caller = "+31640000201";

    private static readonly byte[] KeyBytes = [.. Enumerable.Range(101, 32).Select(i => (byte)i)];
    private static readonly AuditActor Seeder = new(AuditActorKind.Cli, "cli:io-error-setup");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task UploadAndIntake_FileWritesFailWithEio_AnswerIoErrorLoseNothingAndRecoverInTheSameProcess(Engine engine)
    {
        var work = Directory.CreateTempSubdirectory("custodian-eio.");
        try
        {
            var fiu = Libfiu.Require(work.FullName);
            var server = engine == Engine.Postgres ? await TestDatabase.RequirePostgresAsync() : null;
            await using var template = await DatabaseTemplate.CreateAsync(engine, server, work.FullName, "eio", Ct);
            var keyFile = Path.Combine(work.FullName, "master.key");
            await File.WriteAllTextAsync(keyFile, Convert.ToBase64String(KeyBytes), Ct);
            var tenantKey = await SeedAsync(template, Ct);
            var copy = await template.CopyAsync(Ct);

            await using var serve = await ServeChild.StartAsync(copy, keyFile, null, Ct, fiu.Wrapper);
            using var client = new HttpClient { BaseAddress = serve.Address };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tenantKey);
            var pid = serve.Id;

            var before = await UploadAsync(client, HttpStatusCode.Created, null);
            List<string?> acknowledged = [await IntakeAsync(client, "jan.before@person.example", HttpStatusCode.Accepted, null)];

            await fiu.EnableAsync(pid, Libfiu.FileWrites, errno: 5);
            try
            {
                await UploadAsync(client, HttpStatusCode.ServiceUnavailable, StorageFaults.IoError);
                if (engine == Engine.Sqlite)
                {
                    await IntakeAsync(client, "jan.during@person.example", HttpStatusCode.ServiceUnavailable, StorageFaults.IoError);
                }
                else
                {
                    // Only the blob store's files fail: a write that needs none goes on.
                    acknowledged.Add(await IntakeAsync(client, "jan.during@person.example", HttpStatusCode.Accepted, null));
                }

                // Sockets and reads are untouched: the node still answers its health check (a balancer keeps it or not by that).
                using var health = await client.GetAsync(new Uri("/health", UriKind.Relative), Ct);
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            }
            finally
            {
                await fiu.DisableAsync(pid, Libfiu.FileWrites);
            }

            // The same process, no restart: the same writes go through.
            var after = await UploadAsync(client, HttpStatusCode.Created, null);
            acknowledged.Add(await IntakeAsync(client, "jan.after@person.example", HttpStatusCode.Accepted, null));
            Assert.False(serve.HasExited);
            Assert.Equal(pid, serve.Id);

            // One coded line per failed request, no stack trace, no personal data from the failed requests.
            var log = serve.Log;
            Assert.Equal(engine == Engine.Sqlite ? 2 : 1, Occurrences(log, "Storage fault storage.io_error"));
            Assert.DoesNotContain("   at ", log, StringComparison.Ordinal);
            Assert.DoesNotContain("jan.", log, StringComparison.Ordinal);
            Assert.DoesNotContain(Caller, log, StringComparison.Ordinal);

            await AssertNothingLostNothingHalfAppliedAsync(copy, [before, after], acknowledged);
            var (exit, output, error) = await CliTests.RunAsync("audit", "verify", "--db", copy.Target.ConnectionString, "--data", copy.Data, "--master-key-file", keyFile);
            Assert.True(exit == 0, output + error);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            work.Delete(recursive: true);
        }
    }

    /// <summary>The schema, an organisation and a tenant key of it, checkpointed into the template's main file.</summary>
    private static async Task<string> SeedAsync(DatabaseTemplate template, CancellationToken ct)
    {
        await using (var services = Services(template.Target, template.Data))
        {
            await using (var scope = services.CreateAsyncScope())
            {
                await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().MigrateAsync(ct);
            }

            await using (var scope = services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<CustodianDbContext>();
                db.ScopeTo(TenantScope.Everything);
                var org = await scope.ServiceProvider.GetRequiredService<OrganizationCommands>()
                    .CreateAsync(new StoreCaller(Seeder, TenantScope.Everything), new OrganizationInput("demo", "demo B.V.", "demo Holding B.V.", null, null, null), null, ct);
                Assert.True(org.IsSuccess, org.Error?.ToString());
            }

            string key;
            await using (var scope = services.CreateAsyncScope())
            {
                var created = await scope.ServiceProvider.GetRequiredService<ApiKeyRegistry>().CreateAsync("demo", [ApiScopes.StoreRead, ApiScopes.StoreWrite], "io-error test", Seeder, ct);
                Assert.True(created.IsSuccess, created.Error?.ToString());
                key = created.Value.FullKey;
            }

            if (template.Engine == Engine.Sqlite)
            {
                await using var db = services.GetRequiredService<IDbContextFactory<CustodianDbContext>>().CreateDbContext();
                await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE)", ct);
            }

            template.Seal();
            return key;
        }
    }

    private static ServiceProvider Services(DatabaseTarget target, string data) =>
        TestDatabase.ServicesFor(target, s => s
            .AddSingleton(TimeProvider.System)
            .AddLogging()
            .AddSingleton(MasterKey.FromBytes(KeyBytes))
            .AddSingleton(ShippedRegister.Register)
            .AddCustodianAudit()
            .AddCustodianBlobs(data)
            .AddCustodianStore(new StoreOptions { AllowDocumentationAddresses = true }));

    /// <summary>Uploads a support-call recording; the new recording's id when it was created.</summary>
    private static async Task<Guid> UploadAsync(HttpClient client, HttpStatusCode expected, string? code)
    {
        var (status, body) = await ContentUpload.SendAsync(client, "/api/v1/support-call-recordings", ContentUpload.Wav(1), "audio/wav", ContentUpload.Call(Caller));
        AssertAnswer(status, body, expected, code);
        return status == HttpStatusCode.Created ? JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid() : Guid.Empty;
    }

    /// <summary>Files an access request through the public API; its reference when it was received.</summary>
    private static async Task<string?> IntakeAsync(HttpClient client, string email, HttpStatusCode expected, string? code)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/requests") { Content = JsonContent.Create(new { type = "access", email, language = "en" }) };
        request.Headers.Authorization = null;
        using var response = await client.SendAsync(request, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        AssertAnswer(response.StatusCode, body, expected, code);
        return response.StatusCode == HttpStatusCode.Accepted ? JsonDocument.Parse(body).RootElement.GetProperty("reference").GetString() : null;
    }

    private static void AssertAnswer(HttpStatusCode status, string body, HttpStatusCode expected, string? code)
    {
        Assert.True(status == expected, $"{(int)status}: {body}");
        if (code is not null)
        {
            Assert.Equal(code, JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
            Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// Exactly the acknowledged writes are there (the failed ones left no row), and every recording's content reads back
    /// (no row without its blob). Content written before a failed commit would be an orphan by design, swept later.
    /// </summary>
    private static async Task AssertNothingLostNothingHalfAppliedAsync(TemplateCopy copy, IReadOnlyList<Guid> recordings, IReadOnlyList<string?> acknowledged)
    {
        await using var services = Services(copy.Target, copy.Data);
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CustodianDbContext>();
        db.ScopeTo(TenantScope.Everything);
        var stored = await db.Set<SupportCallRecording>().AsNoTracking().ToListAsync(Ct);
        Assert.Equal(recordings.Order(), stored.Select(r => r.Id).Order());
        var blobs = scope.ServiceProvider.GetRequiredService<EncryptedBlobs>();
        foreach (var recording in stored)
        {
            await using var content = await blobs.OpenReadAsync(db, recording.ContentBlobId, Ct);
            await content.CopyToAsync(Stream.Null, Ct);
        }

        await db.Database.OpenConnectionAsync(Ct);
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = "SELECT reference FROM data_subject_requests ORDER BY reference";
        var references = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync(Ct))
        {
            while (await reader.ReadAsync(Ct))
            {
                references.Add(reader.GetString(0));
            }
        }

        Assert.Equal(acknowledged.Order(StringComparer.Ordinal), references.Order(StringComparer.Ordinal));
    }

    private static int Occurrences(string text, string value)
    {
        var count = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
