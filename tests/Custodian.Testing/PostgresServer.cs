using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace Custodian.Testing;

/// <summary>Result of looking for PostgreSQL once per test run.</summary>
internal sealed record PostgresAvailability(PostgresServer? Server, string? SkipReason, string? Failure);

/// <summary>
/// The PostgreSQL server the tests create their databases on, found or started once per test run:
/// <list type="number">
/// <item><c>CUSTODIAN_TEST_PG</c>: a connection string to a server where the tests may CREATE/DROP DATABASE;</item>
/// <item>else a throwaway cluster from the installed server binaries (<c>initdb</c>, <c>pg_ctl</c> on PATH or the newest
/// <c>/usr/lib/postgresql/*/bin</c>), in a temp folder, on a free loopback port, with durable settings (fsync,
/// synchronous_commit, full_page_writes on) because Custodian's durability check refuses anything else;</item>
/// <item>else unavailable, with the reason (tests skip locally, fail in CI). <c>CUSTODIAN_TEST_PG=off</c> forces this,
/// for a quick SQLite-only run.</item>
/// </list>
/// Stopped and removed by <see cref="PostgresServerLifetime"/> when the run ends.
/// </summary>
internal sealed class PostgresServer : IAsyncDisposable
{
    public const string EnvironmentVariable = "CUSTODIAN_TEST_PG";

    private static readonly Lazy<Task<PostgresAvailability>> Shared = new(FindOrStartAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly NpgsqlDataSource _admin;
    private readonly ThrowawayCluster? _cluster;
    private readonly SemaphoreSlim _templateGate = new(1, 1);
    private string? _template;

    private PostgresServer(string adminConnectionString, string description, ThrowawayCluster? cluster)
    {
        AdminConnectionString = adminConnectionString;
        Description = description;
        _cluster = cluster;
        _admin = NpgsqlDataSource.Create(adminConnectionString);
    }

    /// <summary>Connection string to the server's maintenance database, for creating and dropping test databases.</summary>
    public string AdminConnectionString { get; }

    public string Description { get; }

    /// <summary>The throwaway cluster behind this server, if this run started one (null for <c>CUSTODIAN_TEST_PG</c>).</summary>
    internal ThrowawayCluster? Cluster => _cluster;
    /// <summary>
    /// Restarts the throwaway cluster (fast shutdown, same options) so its shared buffers are empty: the benchmark's cold
    /// look-ups. Returns false for an external server, which this process does not control.
    /// </summary>
    public async Task<bool> RestartAsync()
    {
        if (_cluster is null)
        {
            return false;
        }

        await _cluster.RestartAsync();
        return true;
    }

    /// <summary>How long the throwaway cluster took (initdb, start); empty for an external server.</summary>
    public IReadOnlyDictionary<string, TimeSpan> Timings => _cluster?.Timings ?? new Dictionary<string, TimeSpan>();

    /// <summary>The shared server, started on first use; later callers get the same task.</summary>
    public static Task<PostgresAvailability> GetAsync() => Shared.Value;

    /// <summary>Stops the shared server if this run started one.</summary>
    public static async ValueTask DisposeSharedAsync()
    {
        if (!Shared.IsValueCreated)
        {
            return;
        }

        var availability = await Shared.Value;
        if (availability.Server is { } server)
        {
            await server.DisposeAsync();
        }
    }

    /// <summary>Creates an empty database and returns a connection string to it (pooled, like the product's).</summary>
    public Task<string> CreateDatabaseAsync(string name, CancellationToken ct) => CreateDatabaseAsync(name, template: null, ct);

    /// <summary>
    /// Creates a database as a copy of this server's template and returns a connection string to it. The template is made
    /// on first use: an empty database handed to <paramref name="prepare"/> (migrations), then closed to connections,
    /// because <c>CREATE DATABASE ... TEMPLATE</c> refuses a template that anyone is connected to.
    /// </summary>
    public async Task<string> CreateDatabaseFromTemplateAsync(string name, Func<string, CancellationToken, Task> prepare, CancellationToken ct) =>
        await CreateDatabaseAsync(name, await TemplateAsync(prepare, ct), ct);

    private async Task<string> CreateDatabaseAsync(string name, string? template, CancellationToken ct)
    {
        await using (var command = _admin.CreateCommand(template is null ? $"CREATE DATABASE \"{name}\"" : $"CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""))
        {
            await command.ExecuteNonQueryAsync(ct);
        }

        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name, Pooling = true }.ConnectionString;
    }

    private async Task<string> TemplateAsync(Func<string, CancellationToken, Task> prepare, CancellationToken ct)
    {
        await _templateGate.WaitAsync(ct);
        try
        {
            if (_template is { } made)
            {
                return made;
            }

            var name = "template_" + Guid.NewGuid().ToString("N");
            var connectionString = await CreateDatabaseAsync(name, ct);
            try
            {
                await prepare(connectionString, ct);
                await using var close = _admin.CreateCommand(
                    $"ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS false; " +
                    $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()");
                await close.ExecuteNonQueryAsync(ct);
                NpgsqlConnection.ClearPool(new NpgsqlConnection(connectionString));
            }
            catch
            {
                await DropDatabaseAsync(name);
                throw;
            }

            _template = name;
            return name;
        }
        finally
        {
            _templateGate.Release();
        }
    }

    /// <summary>Drops a test database, disconnecting whatever still uses it (PostgreSQL 13+).</summary>
    public async Task DropDatabaseAsync(string name)
    {
        await using var command = _admin.CreateCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_template is { } template && _cluster is null)
        {
            await DropDatabaseAsync(template); // an external server keeps running: leave nothing behind
        }

        _templateGate.Dispose();
        await _admin.DisposeAsync();
        if (_cluster is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await _cluster.DisposeAsync();
        }
    }

    private static async Task<PostgresAvailability> FindOrStartAsync()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.Equals(fromEnvironment, "off", StringComparison.OrdinalIgnoreCase))
        {
            return new PostgresAvailability(null, $"{EnvironmentVariable}=off", null);
        }

        return await ConnectOrStartAsync(fromEnvironment);
    }

    /// <summary>
    /// A server of the caller's own (not the shared one; dispose it): the server at <paramref name="connectionString"/>,
    /// or, without one, a throwaway cluster started the same way as the tests' (the benchmarks use this), with its data
    /// directory at <paramref name="dataDirectory"/> when given (a fault test's small tmpfs; the server log stays outside).
    /// </summary>
    internal static async Task<PostgresAvailability> ConnectOrStartAsync(string? connectionString, string? dataDirectory = null, ClusterOptions? options = null)
    {
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return await UseExternalAsync(connectionString);
        }

        var binDir = FindServerBinaries();
        if (binDir is null)
        {
            return new PostgresAvailability(null,
                $"no {EnvironmentVariable} and no PostgreSQL server binaries (initdb, pg_ctl) on PATH or under /usr/lib/postgresql/*/bin", null);
        }

        try
        {
            var cluster = await ThrowawayCluster.StartAsync(binDir, dataDirectory, options);
            var admin = new NpgsqlConnectionStringBuilder
            {
                Host = "127.0.0.1",
                Port = cluster.Port,
                Username = "postgres",
                Database = "postgres",
                Pooling = false,
            }.ConnectionString;
            return new PostgresAvailability(new PostgresServer(admin, $"throwaway cluster from {binDir} on 127.0.0.1:{cluster.Port}", cluster), null, null);
        }
        catch (Exception e)
        {
            // Binaries exist but do not work: that is a broken machine, not a missing feature, so it fails even locally.
            return new PostgresAvailability(null, null, $"Starting a throwaway PostgreSQL cluster from {binDir} failed: {e.Message}");
        }
    }

    private static async Task<PostgresAvailability> UseExternalAsync(string connectionString)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            return new PostgresAvailability(null, null, $"{EnvironmentVariable} is not a valid Npgsql connection string: {e.Message}");
        }

        if (string.IsNullOrEmpty(builder.Database))
        {
            builder.Database = "postgres";
        }

        var description = $"{EnvironmentVariable} ({builder.Host}:{builder.Port.ToString(CultureInfo.InvariantCulture)})";
        try
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync();
        }
        catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException)
        {
            return new PostgresAvailability(null, null, $"{description} is set but the server cannot be reached: {e.Message}");
        }

        return new PostgresAvailability(new PostgresServer(builder.ConnectionString, description, null), null, null);
    }

    private static string? FindServerBinaries()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var initdb = Path.Combine(dir, "initdb");
            if (File.Exists(initdb) && File.Exists(Path.Combine(dir, "pg_ctl")))
            {
                // Debian's /usr/local/bin links point into /usr/lib/postgresql/<v>/bin; use the real folder.
                var resolved = new FileInfo(initdb).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? initdb;
                return Path.GetDirectoryName(resolved);
            }
        }

        const string debianRoot = "/usr/lib/postgresql";
        if (!Directory.Exists(debianRoot))
        {
            return null;
        }

        return Directory.GetDirectories(debianRoot)
            .Select(d => (Dir: Path.Combine(d, "bin"), Version: decimal.TryParse(Path.GetFileName(d), NumberStyles.Number, CultureInfo.InvariantCulture, out var v) ? v : -1))
            .Where(x => x.Version >= 0 && File.Exists(Path.Combine(x.Dir, "initdb")) && File.Exists(Path.Combine(x.Dir, "pg_ctl")))
            .OrderByDescending(x => x.Version)
            .Select(x => x.Dir)
            .FirstOrDefault();
    }
}

/// <summary>
/// A PostgreSQL cluster in a temp folder, owned by this test process. As root, every server tool runs through
/// <c>runuser -u postgres --</c> (initdb refuses root) with the folder chowned to postgres (see toolchain.md §3).
/// </summary>
internal sealed class ThrowawayCluster : IAsyncDisposable
{
    private const string DirPrefix = "custodian-pg.";
    private const string OwnerFile = "owner.pid";

    private readonly string _binDir;
    private readonly ClusterOptions _options;

    private ThrowawayCluster(string binDir, string dir, string? dataDir, ClusterOptions options)
    {
        _binDir = binDir;
        Dir = dir;
        DataDir = dataDir ?? Path.Combine(dir, "data");
        _options = options;
    }

    public string Dir { get; }

    public int Port { get; private set; }

    public Dictionary<string, TimeSpan> Timings { get; } = new(StringComparer.Ordinal);

    /// <summary>The data directory: <c>data</c> in <see cref="Dir"/>, or the one given to <see cref="StartAsync"/>.</summary>
    public string DataDir { get; }

    private string SocketDir => Path.Combine(Dir, "s");

    private string LogFile => Path.Combine(Dir, "postgres.log");

    private static bool IsRoot => Environment.UserName == "root";

    /// <param name="binDir">The server binaries.</param>
    /// <param name="dataDir">An empty or missing folder for the data directory (e.g. on a small tmpfs), or null for one in the temp folder.</param>
    /// <param name="options">A fault test's own layout and settings (the WAL on a volume of its own); null: the defaults.</param>
    public static async Task<ThrowawayCluster> StartAsync(string binDir, string? dataDir = null, ClusterOptions? options = null)
    {
        options ??= new ClusterOptions();
        await RemoveOrphansAsync(binDir);

        // Unix socket paths are limited to 107 bytes: stay in /tmp when TMPDIR is long.
        var tempRoot = Path.GetTempPath().Length <= 40 ? Path.GetTempPath() : "/tmp";
        var dir = Path.Combine(tempRoot, DirPrefix + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(dir);
        var cluster = new ThrowawayCluster(binDir, dir, dataDir, options);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir, OwnerFile), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(cluster.SocketDir);
            if (IsRoot)
            {
                await RunAsync(dir, "chown", "-R", "postgres:postgres", dir);
                foreach (var own in new[] { dataDir, options.WalDir }.OfType<string>())
                {
                    // Its parent may be root's (a tmpfs's mount point): initdb cannot create it there as postgres.
                    Directory.CreateDirectory(own);
                    await RunAsync(dir, "chown", "postgres:postgres", own);
                }
            }

            string[] layout = [
                .. options.WalDir is { } walDir ? ["--waldir", walDir] : Array.Empty<string>(),
                .. options.WalSegmentMiB is { } segment ? ["--wal-segsize", segment.ToString(CultureInfo.InvariantCulture)] : Array.Empty<string>(),
            ];
            await cluster.TimedAsync("initdb", () => cluster.PgAsync("initdb", ["-D", cluster.DataDir, "-U", "postgres", "-A", "trust",
                "-E", "UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions", .. layout]));

            // The free port is only free until someone else takes it: retry with a new one if the start fails.
            for (var attempt = 1; ; attempt++)
            {
                cluster.Port = FreePort();
                try
                {
                    await cluster.TimedAsync("start", cluster.StartServerAsync);
                    break;
                }
                catch (InvalidOperationException) when (attempt < 3)
                {
                }
            }

            return cluster;
        }
        catch (Exception e)
        {
            var log = File.Exists(cluster.LogFile) ? await File.ReadAllTextAsync(cluster.LogFile) : "";
            await cluster.DisposeAsync();
            throw new InvalidOperationException($"{e.Message}\npostgres.log:\n{Tail(log, 2000)}", e);
        }
    }

    /// <summary>Kills the server as a crash would (<c>pg_ctl stop -m immediate</c>): for fault tests on a cluster of their own.</summary>
    public Task StopImmediatelyAsync() => PgAsync("pg_ctl", "-D", DataDir, "-m", "immediate", "-w", "-t", "30", "stop");

    /// <summary>Starts the server again on the same port (after <see cref="StopImmediatelyAsync"/>; runs crash recovery).</summary>
    public Task StartServerAsync() => PgAsync("pg_ctl", "-D", DataDir, "-l", LogFile, "-w", "-t", "60",
        "-o", string.Join(' ', [
            "-c listen_addresses=127.0.0.1",
            $"-p {Port.ToString(CultureInfo.InvariantCulture)}",
            $"-k {SocketDir}",
            "-c max_connections=300",
            // Durable on purpose: the product refuses to run on anything less, and so do its tests.
            "-c fsync=on -c synchronous_commit=on -c full_page_writes=on",
            .. _options.Settings.Select(setting => "-c " + setting)]),
        "start");

    /// <summary>The server's log so far (what a fault test expects PostgreSQL to have said).</summary>
    public string Log => File.Exists(LogFile) ? File.ReadAllText(LogFile) : "";

    /// <summary>Whether the postmaster runs (<c>pg_ctl status</c>); after a PANIC it may have given up for good.</summary>
    public async Task<bool> IsRunningAsync()
    {
        try
        {
            await PgAsync("pg_ctl", "-D", DataDir, "status");
            return true;
        }
        catch (InvalidOperationException)
        {
            return false; // exit 3: no server running
        }
    }

    /// <summary>pg_ctl restart keeps the options of the last start (postmaster.opts).</summary>
    public Task RestartAsync() => PgAsync("pg_ctl", "-D", DataDir, "-l", LogFile, "-w", "-t", "60", "-m", "fast", "restart");

    public async ValueTask DisposeAsync()
    {
        if (File.Exists(Path.Combine(DataDir, "postmaster.pid")))
        {
            try
            {
                // Immediate: nothing here is worth a shutdown checkpoint.
                await PgAsync("pg_ctl", "-D", DataDir, "-m", "immediate", "-w", "-t", "30", "stop");
            }
            catch (InvalidOperationException)
            {
                // Best effort; the folder is removed below either way.
            }
        }

        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Stops and removes clusters left behind by test processes that died without cleaning up.</summary>
    private static async Task RemoveOrphansAsync(string binDir)
    {
        foreach (var tempRoot in new[] { Path.GetTempPath(), "/tmp" }.Distinct(StringComparer.Ordinal))
        {
            if (!Directory.Exists(tempRoot))
            {
                continue;
            }

            foreach (var dir in Directory.GetDirectories(tempRoot, DirPrefix + "*"))
            {
                var ownerFile = Path.Combine(dir, OwnerFile);
                if (!File.Exists(ownerFile)
                    || !int.TryParse(await File.ReadAllTextAsync(ownerFile), NumberStyles.Integer, CultureInfo.InvariantCulture, out var owner)
                    || IsAlive(owner))
                {
                    continue;
                }

                await new ThrowawayCluster(binDir, dir, null, new ClusterOptions()).DisposeAsync();
            }
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private async Task TimedAsync(string step, Func<Task> action)
    {
        var sw = Stopwatch.StartNew();
        await action();
        Timings[step] = sw.Elapsed;
    }

    private Task PgAsync(string tool, params string[] args) => IsRoot
        ? RunAsync(Dir, "runuser", ["-u", "postgres", "--", Path.Combine(_binDir, tool), .. args])
        : RunAsync(Dir, Path.Combine(_binDir, tool), args);

    /// <summary>
    /// Runs a tool to completion. The working directory is the cluster folder because postgres cannot enter e.g. /root;
    /// redirecting pg_ctl's output is safe only because the server logs to a file (-l), else it inherits the pipe.
    /// </summary>
    private static async Task RunAsync(string workingDirectory, string exe, params string[] args)
    {
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {exe}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            var message = new StringBuilder()
                .Append(CultureInfo.InvariantCulture, $"{Path.GetFileName(exe)} {string.Join(' ', args)} exited with {process.ExitCode}")
                .AppendLine().Append(Tail(await stdout, 1000)).AppendLine().Append(Tail(await stderr, 1000));
            throw new InvalidOperationException(message.ToString());
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static string Tail(string text, int max) => text.Length <= max ? text : text[^max..];
}

/// <summary>Assembly fixture: stops the shared PostgreSQL server (if this run started one) when all tests are done.</summary>
public sealed class PostgresServerLifetime : IAsyncDisposable
{
    public ValueTask DisposeAsync() => PostgresServer.DisposeSharedAsync();
}

/// <summary>
/// A throwaway cluster's layout and settings beyond the defaults, for fault tests: the WAL in a directory of its own
/// (<c>initdb --waldir</c>, e.g. a small tmpfs), smaller WAL segments (<c>--wal-segsize</c>, MiB), extra server settings
/// (<c>name=value</c>, each passed as <c>-c</c>).
/// </summary>
internal sealed record ClusterOptions(string? WalDir = null, int? WalSegmentMiB = null, IReadOnlyList<string>? ExtraSettings = null)
{
    public IReadOnlyList<string> Settings => ExtraSettings ?? [];
}
