using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Persistence;
using Custodian.Features.Retention;
using Custodian.Testing;
using Custodian.Testing.Retention;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Nodes;

/// <summary>
/// Two real <c>serve</c> processes (child processes of the built <c>custodian</c>) on one PostgreSQL database and one data
/// folder, started once for <see cref="TwoNodeTests"/>. Before they start, a third process (<c>retention run</c> as node
/// <c>node-c</c>) is killed with SIGKILL in the middle of a sweep, holding the sweep lease: the nodes must wait for that
/// lease to expire and then exactly one of them must resume the sweep. The leases are <see cref="LeaseSeconds"/> long.
/// </summary>
public sealed class TwoNodes : IAsyncDisposable
{
    /// <summary>The test's lease length (CUSTODIAN_LEASE_SECONDS): long enough for both nodes to start inside it.</summary>
    public const int LeaseSeconds = 8;

    /// <summary>A fail point in the middle of the sweep's batched row deletions (several batches before and after it).</summary>
    public const string KillPoint = "retention.rows.committed:3";

    private readonly SemaphoreSlim _start = new(1, 1);
    private readonly List<Node> _nodes = [];
    private readonly CancellationTokenSource _stop = new();
    private Task? _watch;
    private bool _started;

    internal PreparedSweep Sweep { get; private set; } = null!;

    internal SweepCopy Copy { get; private set; } = null!;

    internal Node A => _nodes[0];

    internal Node B => _nodes[1];

    /// <summary>The lease the killed process left: its holder and until when it ran.</summary>
    internal (string Holder, Instant Until) DeadLease { get; private set; }

    /// <summary>When the watcher first saw the sweep lease held by a node other than the killed one, and by whom.</summary>
    internal (Instant At, string Holder)? Takeover { get; private set; }

    /// <summary>When both nodes answered their health check (on a slow machine that may be after the dead lease ended).</summary>
    internal Instant NodesUpAt { get; private set; }

    /// <summary>The wall time the set-up took (for the report).</summary>
    internal TimeSpan SetUpTime { get; private set; }

    internal async Task StartAsync(PostgresServer server, CancellationToken ct)
    {
        await _start.WaitAsync(ct);
        try
        {
            if (_started)
            {
                return;
            }

            var sw = Stopwatch.StartNew();
            var now = Instant.FromDateTimeOffset(TimeProvider.System.GetUtcNow());
            Sweep = await PreparedSweep.CreateAsync(Engine.Postgres, SweepDataSet.Standard(now), server, Path.GetTempPath(), ct);
            Copy = await Sweep.NewCopyAsync(ct, s => s.AddCustodianAccounts());

            // Node C dies mid-sweep holding the lease (its name is another machine's: nobody may take it over early).
            var exit = await Sweep.RunSweepAsync(Copy, KillPoint, Environment("node-c"), ct);
            Assert.Equal(137, exit);
            await using (var db = Context())
            {
                var lease = await db.JobLeases.AsNoTracking().SingleAsync(l => l.Name == "retention.sweep", ct);
                DeadLease = (lease.Holder, lease.LeaseUntil);
            }

            Assert.StartsWith("node-c:", DeadLease.Holder, StringComparison.Ordinal);
            _watch = WatchLeaseAsync(_stop.Token);

            var ports = new[] { FreePort(), FreePort() };
            _nodes.Add(Node.Start(Copy, "node-a", ports[0]));
            _nodes.Add(Node.Start(Copy, "node-b", ports[1]));
            await Task.WhenAll(_nodes.Select(n => n.WaitUntilHealthyAsync(ct)));
            NodesUpAt = Instant.FromDateTimeOffset(TimeProvider.System.GetUtcNow());
            SetUpTime = sw.Elapsed;
            _started = true;
        }
        finally
        {
            _start.Release();
        }
    }

    internal CustodianDbContext Context()
    {
        var db = Copy.Services.GetRequiredService<IDbContextFactory<CustodianDbContext>>().CreateDbContext();
        db.ScopeTo(Core.Features.Tenancy.TenantScope.Everything);
        return db;
    }

    internal static Dictionary<string, string> Environment(string node) => new(StringComparer.Ordinal)
    {
        [JobLeases.NodeNameVariable] = node,
        [JobLeases.LeaseSecondsVariable] = LeaseSeconds.ToString(CultureInfo.InvariantCulture),
        [RetentionRunCommand.BatchRowsVariable] = SweepDataSet.Standard(Instant.FromUnixTimeSeconds(0)).BatchRows.ToString(CultureInfo.InvariantCulture),
    };

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_watch is not null)
        {
            await _watch;
        }

        foreach (var node in _nodes)
        {
            node.Dispose();
        }

        if (Copy is not null)
        {
            await Copy.DisposeAsync();
        }

        if (Sweep is not null)
        {
            await Sweep.DisposeAsync();
        }

        _stop.Dispose();
        _start.Dispose();
    }

    private async Task WatchLeaseAsync(CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested && Takeover is null)
            {
                await using (var db = Context())
                {
                    var holder = await db.JobLeases.AsNoTracking().Where(l => l.Name == "retention.sweep").Select(l => l.Holder).SingleAsync(ct);
                    if (holder != DeadLease.Holder)
                    {
                        Takeover = (Instant.FromDateTimeOffset(TimeProvider.System.GetUtcNow()), holder);
                        return;
                    }
                }

                await Task.Delay(100, ct);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>One <c>serve</c> child process.</summary>
    internal sealed class Node : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _log = new();

        private Node(string name, Uri address, Process process)
        {
            Name = name;
            Address = address;
            _process = process;
        }

        public string Name { get; }

        public Uri Address { get; }

        public string Log
        {
            get
            {
                lock (_log)
                {
                    return _log.ToString();
                }
            }
        }

        public static Node Start(SweepCopy copy, string name, int port)
        {
            var address = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"));
            var start = new ProcessStartInfo(PreparedSweep.DefaultExecutable)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = copy.Data,
            };
            foreach (var (key, value) in Environment(name))
            {
                start.Environment[key] = value;
            }

            foreach (var arg in new[] { "serve", "--db", copy.Target.ConnectionString, "--data", copy.Data, "--master-key-file", copy.MasterKeyFile, "--urls", address.ToString().TrimEnd('/') })
            {
                start.ArgumentList.Add(arg);
            }

            var process = new Process { StartInfo = start };
            var node = new Node(name, address, process);
            process.OutputDataReceived += (_, e) => node.Append(e.Data);
            process.ErrorDataReceived += (_, e) => node.Append(e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return node;
        }

        public HttpClient Client(CookieContainer cookies) =>
            new(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = Address };

        public async Task WaitUntilHealthyAsync(CancellationToken ct)
        {
            using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(2) };
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < TimeSpan.FromSeconds(90))
            {
                Assert.False(_process.HasExited, $"{Name} exited at start: {Log}");
                try
                {
                    using var health = await client.GetAsync(new Uri("/health", UriKind.Relative), ct);
                    if (health.IsSuccessStatusCode)
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                }
                catch (TaskCanceledException) when (!ct.IsCancellationRequested)
                {
                }

                await Task.Delay(100, ct);
            }

            Assert.Fail($"{Name} did not become healthy: {Log}");
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }

            _process.Dispose();
        }

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (_log)
                {
                    _log.AppendLine(line);
                }
            }
        }
    }
}
