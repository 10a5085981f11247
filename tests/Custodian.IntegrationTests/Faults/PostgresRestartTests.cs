using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Custodian.Core.Common;
using Custodian.IntegrationTests.Store;
using Custodian.Testing;
using Xunit;

namespace Custodian.IntegrationTests.Faults;

/// <summary>
/// Issue 8 §4: PostgreSQL killed (<c>pg_ctl stop -m immediate</c>) and started again under a running product, on a
/// throwaway cluster of this test's own (the shared test cluster is never restarted).
/// </summary>
public sealed class PostgresRestartTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Api_PostgresRestarted_AnswersUnavailableQuicklyThenRecoversWithoutRestart()
    {
        await using var server = await OwnClusterAsync();
        var cluster = server.Cluster!;
        await using var api = await StoreApi.StartOnAsync(await CustodianServer.StartAsync(await TestDatabase.CreateOnAsync(server)));
        var (_, tenant) = await api.CreateTenantAsync("demo");
        Assert.Equal(HttpStatusCode.OK, (await StoreApi.SendAsync(tenant, HttpMethod.Get, "/api/v1/support-tickets")).Status);

        await cluster.StopImmediatelyAsync();
        try
        {
            // While it is down: a clear 503 with the code, fast (connection refused), never a hang.
            foreach (var path in new[] { "/api/v1/support-tickets", "/api/v1/organizations" })
            {
                var sw = Stopwatch.StartNew();
                var (status, body) = await SendAsync(tenant, path);
                Assert.True(status == HttpStatusCode.ServiceUnavailable, $"{path}: {(int)status} {body}");
                Assert.Equal(StorageFaults.DatabaseUnavailable, JsonDocument.Parse(body).RootElement.GetProperty("code").GetString());
                Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"{path} took {sw.Elapsed}");
            }
        }
        finally
        {
            await cluster.StartServerAsync();
        }

        // Back: the same process answers again; pooled connections broken by the restart are not handed out again.
        var (after, text) = await SendAsync(tenant, "/api/v1/support-tickets");
        Assert.True(after == HttpStatusCode.OK, $"first request after the restart: {(int)after} {text}");
        var created = await StoreApi.SendAsync(tenant, HttpMethod.Post, "/api/v1/support-tickets",
            new { reference = "demo-T-2", requesterName = "Jan Test", requesterPhone = "+31640000202", text = "Storing", openedAt = "2025-02-01T08:00:00Z" });
        Assert.Equal(HttpStatusCode.Created, created.Status);
    }

    private static async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    /// <summary>A cluster only this test restarts; skips (locally) or fails (CI) like every PostgreSQL test when there is none.</summary>
    private static async Task<PostgresServer> OwnClusterAsync()
    {
        var availability = await PostgresServer.ConnectOrStartAsync(null);
        if (availability.Server is { Cluster: not null } server)
        {
            return server;
        }

        if (availability.Server is not null)
        {
            await availability.Server.DisposeAsync();
        }

        if (availability.Failure is { } failure)
        {
            Assert.Fail(failure);
        }

        // Fall back to the shared check for the skip/fail decision and its message.
        await TestDatabase.RequirePostgresAsync();
        Assert.Skip("PostgreSQL server binaries are needed to restart a cluster of the test's own.");
        throw new UnreachableException();
    }
}
