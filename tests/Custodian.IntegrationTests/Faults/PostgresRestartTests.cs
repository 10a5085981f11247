using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Custodian.Core.Common;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.Features.Retention;
using Custodian.IntegrationTests.Store;
using Custodian.Testing;
using Custodian.Testing.Crash;
using Custodian.Testing.Retention;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NodaTime;
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

        // Every hosted timer (metrics snapshot, reminders, checkpoints, purge, key rotation) is still running: none let
        // the outage escape and stop the host.
        var stopped = api.Server.Services.GetServices<IHostedService>().OfType<BackgroundService>().Where(s => s.ExecuteTask is { IsCompleted: true }).ToList();
        Assert.True(stopped.Count == 0, "stopped by the outage: " + string.Join(", ", stopped.Select(s => s.GetType().Name)));

        // Left idle through a restart, every pooled connection is dead and Npgsql hands one out unchecked: the first request
        // answers 503, and Npgsql, finding that connection broken, empties the pool; every later request works.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => SendAsync(tenant, "/api/v1/support-tickets"))); // several pooled connections
        await cluster.StopImmediatelyAsync();
        await cluster.StartServerAsync();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            statuses.Add((await SendAsync(tenant, "/api/v1/support-tickets")).Item1);
        }

        Assert.True(statuses.Skip(1).All(s => s == HttpStatusCode.OK), "after an idle restart: " + string.Join(", ", statuses.Select(s => (int)s)));
    }

    /// <summary>
    /// A <c>custodian import usage</c> running when the server is stopped immediately ends with the one-line storage error
    /// (exit 1, no stack trace); run again after the restart it ends like a fault-free import (<see cref="PreparedImport"/>).
    /// </summary>
    [Fact]
    public async Task ImportUsage_PostgresStoppedMidImport_FailsInOneLineAndRerunEndsLikeAFaultFreeImport()
    {
        await using var server = await OwnClusterAsync();
        var cluster = server.Cluster!;
        await using var prepared = await PreparedImport.CreateAsync(Engine.Postgres, server, Path.GetTempPath(), Ct);

        // Mid-import (between the idle start-up and the end of the fault-free run); earlier again if the import beat it.
        var after = (prepared.IdleRunTime + prepared.ReferenceRunTime) / 2;
        for (var attempt = 1; ; attempt++, after /= 2)
        {
            var (interrupted, _, divergences) = await prepared.FaultTrialAsync(after, cluster.StopImmediatelyAsync, cluster.StartServerAsync, Ct);
            Assert.True(divergences.Count == 0, string.Join("; ", divergences));
            if (interrupted.Exit == 0 && attempt < 3)
            {
                continue;
            }

            AssertOneLineUnavailable(interrupted);
            TestContext.Current.SendDiagnosticMessage(string.Create(CultureInfo.InvariantCulture,
                $"import stopped after {after.TotalMilliseconds:F0} ms (attempt {attempt}; fault-free import {prepared.ReferenceRunTime.TotalMilliseconds:F0} ms)"));
            return;
        }
    }

    /// <summary>
    /// A <c>custodian retention run</c> inside a month's sorted copy (transaction open, SHARE lock held; a sleeping fail
    /// point holds it there) when the server is stopped immediately: one-line storage error, the sweep stays recorded as
    /// running (interrupted, not completed), and the rerun after the restart resumes it and ends like an uninterrupted sweep.
    /// Then the same inside a running <c>serve</c> on a second copy: its sweep timer meets the stopped server, logs one
    /// line, and once the server is back resumes the sweep by itself, without a restart of serve, to the same end.
    /// </summary>
    [Fact]
    public async Task RetentionSweep_PostgresStoppedMidSweep_CliAndServeResumeAndEndLikeAnUninterruptedSweep()
    {
        await using var server = await OwnClusterAsync();
        var cluster = server.Cluster!;
        var now = Instant.FromDateTimeOffset(TimeProvider.System.GetUtcNow());
        await using var prepared = await PreparedSweep.CreateAsync(Engine.Postgres, SweepDataSet.Standard(now), server, Path.GetTempPath(), Ct);
        await using var copy = await prepared.NewCopyAsync(Ct);

        // Long enough to be seen asleep on a busy machine; it wakes after the stop and meets the stopped server.
        await RewriteLocksAsync(copy.Services); // the query compiled before the child starts
        var running = prepared.RunSweepChildAsync(copy, EventMonthRewrite.CopiedFailPoint + ":sleep=8000", null, Ct);
        await WaitForRewriteAsync(copy.Services, running);
        ChildRun interrupted;
        try
        {
            await cluster.StopImmediatelyAsync();
            interrupted = await running;
        }
        finally
        {
            await cluster.StartServerAsync();
        }

        AssertOneLineUnavailable(interrupted);

        // This process's pooled connection to the copy sat idle through the restart and is dead: Npgsql does not check a
        // pooled connection before handing it out, so its first use would fail (then Npgsql empties the pool: see the API
        // test above, where one request after an idle restart answers 503). The children are new processes.
        ((PostgresDatabaseProvider)copy.Services.GetRequiredService<IDatabaseProvider>()).DataSource.Clear();
        await using (var db = Context(copy.Services))
        {
            var run = await db.Set<RetentionSweepRun>().AsNoTracking().SingleAsync(r => r.State == RetentionSweepRun.Running, Ct);
            Assert.Equal(1, run.Attempts);
        }

        var rerun = await prepared.RunSweepChildAsync(copy, null, null, Ct);
        Assert.True(rerun.Exit == 0, rerun.Error);
        var outcome = await SweepOutcome.ReadAsync(copy.Services, Ct);
        Assert.Empty(outcome.Problems);
        Assert.Empty(outcome.DifferencesFrom(prepared.Reference));
        Assert.Equal(prepared.Reference.Sweeps, outcome.Sweeps);

        await ServeSweepAcrossRestartAsync(prepared, cluster);
    }

    /// <summary>
    /// serve resumes an interrupted sweep at once, whatever its schedule: a <c>custodian retention run</c> killed in a
    /// month's sorted copy leaves one, and serve takes it over when the dead child's 6 s lease runs out (its timer checks
    /// every 2 s). The daily time is set half a day away, so no scheduled sweep starts during the test. The sleeping fail
    /// point holds serve's sweep inside the month's sorted copy (redone: the killed copy was rolled back) while the server
    /// is stopped and started.
    /// </summary>
    private static async Task ServeSweepAcrossRestartAsync(PreparedSweep prepared, ThrowawayCluster cluster)
    {
        await using var copy = await prepared.NewCopyAsync(Ct);
        var environment = new Dictionary<string, string>
        {
            [JobLeases.LeaseSecondsVariable] = "6",
            ["CUSTODIAN_SWEEP_AT"] = HalfADayAway(),
            [RetentionRunCommand.BatchRowsVariable] = prepared.Data.BatchRows.ToString(CultureInfo.InvariantCulture),
        };
        var killed = await prepared.RunSweepChildAsync(copy, EventMonthRewrite.CopiedFailPoint, environment, Ct);
        Assert.True(killed.Killed, $"the sweep should have died in a month's sorted copy (exit {killed.Exit}): {killed.Error}");
        await using var node = await ServeChild.StartAsync(copy.Target, copy.Data, copy.MasterKeyFile, EventMonthRewrite.CopiedFailPoint + ":sleep=8000", environment, Ct);
        var clock = Stopwatch.StartNew();
        while (await RewriteLocksAsync(copy.Services) == 0)
        {
            Assert.False(node.HasExited, "serve died before its sweep reached a month's sorted copy: " + node.Log);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(180), "serve's sweep never reached a month's sorted copy: " + node.Log);
            await Task.Delay(100, Ct);
        }

        try
        {
            await cluster.StopImmediatelyAsync();
            await Task.Delay(TimeSpan.FromSeconds(2), Ct);
        }
        finally
        {
            await cluster.StartServerAsync();
        }

        ((PostgresDatabaseProvider)copy.Services.GetRequiredService<IDatabaseProvider>()).DataSource.Clear();
        clock.Restart();
        while (true)
        {
            Assert.False(node.HasExited, "serve died across the restart: " + node.Log);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(120), "serve did not finish the interrupted sweep: " + node.Log);
            await using (var db = Context(copy.Services))
            {
                if (await db.Set<RetentionSweepRun>().AnyAsync(r => r.State == RetentionSweepRun.Completed, Ct)
                    && !await db.Set<RetentionSweepRun>().AnyAsync(r => r.State == RetentionSweepRun.Running, Ct))
                {
                    break;
                }
            }

            await Task.Delay(250, Ct);
        }

        var outcome = await SweepOutcome.ReadAsync(copy.Services, Ct);
        Assert.Empty(outcome.Problems);
        Assert.Empty(outcome.DifferencesFrom(prepared.Reference));
        Assert.Equal(prepared.Reference.Sweeps, outcome.Sweeps);
        var log = node.Log;
        Assert.Contains(StorageFaults.DatabaseUnavailable, log, StringComparison.Ordinal);
        // One coded line per interrupted check, no stack trace: EF's own query-iteration and connection errors are
        // silenced (LogPolicy), the timers log through PeriodicJob.
        Assert.DoesNotContain("   at ", log, StringComparison.Ordinal);
    }

    private static string HalfADayAway() =>
        Instant.FromDateTimeOffset(TimeProvider.System.GetUtcNow()).InZone(DateTimeZoneProviders.Tzdb["Europe/Amsterdam"]).LocalDateTime
            .PlusHours(12).ToString("HH:mm", CultureInfo.InvariantCulture);

    private static void AssertOneLineUnavailable(ChildRun run)
    {
        Assert.True(run.Exit == 1, $"exit {run.Exit}: {run.Error}");
        var lines = run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        // Mid-work: the storage fault; stopped before the command's first connection: the start-up check's db.unreachable.
        Assert.True(lines.Length == 1 && (lines[0].StartsWith("error " + StorageFaults.DatabaseUnavailable + ":", StringComparison.Ordinal)
            || lines[0].StartsWith("error db.unreachable:", StringComparison.Ordinal)), run.Error);
    }

    /// <summary>Until the child holds a month's SHARE lock: it is inside the sorted copy's transaction, asleep at the fail point.</summary>
    private static async Task WaitForRewriteAsync(IServiceProvider services, Task<ChildRun> child)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (child.IsCompleted)
            {
                var ended = await child;
                Assert.Fail($"the sweep ended (exit {ended.Exit}) before it reached a month's sorted copy: {ended.Error} {ended.Output}");
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "the sweep never reached a month's sorted copy");
            if (await RewriteLocksAsync(services) > 0)
            {
                return;
            }

            await Task.Delay(100, Ct);
        }
    }

    private static async Task<int> RewriteLocksAsync(IServiceProvider services)
    {
        await using var db = Context(services);
        return await db.Database.SqlQueryRaw<int>(
            "SELECT count(*)::int AS \"Value\" FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE l.mode = 'ShareLock' AND c.relname LIKE 'usage_records_%'").SingleAsync(Ct);
    }

    private static CustodianDbContext Context(IServiceProvider services)
    {
        var db = services.GetRequiredService<IDbContextFactory<CustodianDbContext>>().CreateDbContext();
        db.ScopeTo(TenantScope.Everything);
        return db;
    }

    private static async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    /// <summary>
    /// A cluster only this test restarts (its data directory at <paramref name="dataDirectory"/> when given); skips
    /// (locally) or fails (CI) like every PostgreSQL test when there is none.
    /// </summary>
    internal static async Task<PostgresServer> OwnClusterAsync(string? dataDirectory = null, ClusterOptions? options = null)
    {
        var availability = await PostgresServer.ConnectOrStartAsync(null, dataDirectory, options);
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
