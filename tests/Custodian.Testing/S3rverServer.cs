using System.Diagnostics;
using System.Text.RegularExpressions;
using Custodian.Core.Features.Blobs;
using Xunit;

namespace Custodian.Testing;

/// <summary>
/// A local S3-compatible server for the object-storage tests: s3rver from npm, installed reproducibly in
/// <c>eng/s3rver</c> (<c>npm ci</c> there; <c>./test.sh</c> does it when missing). Started once per test run on a free
/// loopback port (the port is read from its "listening on" line), stopped with its process tree by
/// <see cref="S3rverLifetime"/>. Each test gets its own bucket (<see cref="CreateStoreAsync"/>).
/// Without node or the install the S3 tests skip locally and fail under <c>CI=true</c>, like the PostgreSQL ones.
/// </summary>
public sealed partial class S3rverServer : IAsyncDisposable
{
    /// <summary>s3rver's one built-in account.</summary>
    public const string AccessKey = "S3RVER";

    public const string SecretKey = "S3RVER";

    private static readonly Lazy<Task<(S3rverServer? Server, string? SkipReason)>> Shared = new(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    private static int _buckets;

    private readonly Process _process;
    private readonly DirectoryInfo _folder;

    private S3rverServer(Process process, DirectoryInfo folder, Uri serviceUrl)
    {
        _process = process;
        _folder = folder;
        ServiceUrl = serviceUrl;
    }

    public Uri ServiceUrl { get; }

    /// <summary>The shared server; skips the test (fails it under CI=true) when s3rver cannot run here.</summary>
    public static async Task<S3rverServer> GetAsync()
    {
        var (server, skip) = await Shared.Value;
        if (server is not null)
        {
            return server;
        }

        var reason = $"S3 tests need s3rver: {skip}. Install it with: (cd eng/s3rver && npm ci)";
        if (TestDatabase.IsCi)
        {
            Assert.Fail(reason + " (CI=true: S3 tests must run, not skip.)");
        }

        Assert.Skip(reason);
        throw new UnreachableException();
    }

    /// <summary>Options for a new, empty bucket of this test's own (created here).</summary>
    internal async Task<S3BlobStoreOptions> CreateBucketAsync(string? prefix = null, int listPageSize = 1000)
    {
        var bucket = $"test-{Environment.ProcessId}-{Interlocked.Increment(ref _buckets)}";
        var options = new S3BlobStoreOptions
        {
            ServiceUrl = ServiceUrl,
            Bucket = bucket,
            Prefix = prefix ?? "",
            AccessKey = AccessKey,
            SecretKey = SecretKey,
            ListPageSize = listPageSize,
            PartSize = S3BlobStoreOptions.MinimumPartSize,
        };
        using var client = options.CreateClient();
        await client.PutBucketAsync(bucket);
        return options;
    }

    /// <summary>A store on a new bucket of its own; dispose it.</summary>
    internal async Task<S3BlobStore> CreateStoreAsync(string? prefix = null, int listPageSize = 1000) =>
        new(await CreateBucketAsync(prefix, listPageSize));

    public static async ValueTask DisposeSharedAsync()
    {
        if (Shared.IsValueCreated && await Shared.Value is { Server: { } server })
        {
            await server.DisposeAsync();
        }
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }

        _process.Dispose();
        try
        {
            _folder.Delete(recursive: true);
        }
        catch (IOException)
        {
        }

        return ValueTask.CompletedTask;
    }

    private static async Task<(S3rverServer?, string?)> StartAsync()
    {
        var install = FindInstall();
        if (install is null)
        {
            return (null, "eng/s3rver/node_modules/s3rver not found above " + AppContext.BaseDirectory);
        }

        var folder = Directory.CreateTempSubdirectory("custodian-s3rver.");
        var psi = new ProcessStartInfo("node")
        {
            WorkingDirectory = install,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // s3rver makes list continuation tokens with DES, which Node 17+ (OpenSSL 3) has only in the legacy provider:
        // without it every truncated listing is a 500 "internal error".
        foreach (var a in new[] { "--openssl-legacy-provider", Path.Combine(install, "node_modules", "s3rver", "bin", "s3rver.js"), "-d", folder.FullName, "-a", "127.0.0.1", "-p", "0" })
        {
            psi.ArgumentList.Add(a);
        }

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException("node did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            folder.Delete(recursive: true);
            return (null, "node is not installed (" + e.Message + ")");
        }

        var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && ListeningLine().Match(line) is { Success: true } m)
            {
                ready.TrySetResult(m.Groups[1].Value);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("s3rver exited: " + errors));
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var hostPort = await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
            return (new S3rverServer(process, folder, new Uri("http://" + hostPort)), null);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            // Installed but broken: fail even locally, like a PostgreSQL that will not start.
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException("s3rver did not start: " + e.Message, e);
        }
    }

    /// <summary>eng/s3rver of the repository this test assembly was built from (found upwards from the output folder).</summary>
    private static string? FindInstall()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "eng", "s3rver");
            if (Directory.Exists(candidate))
            {
                return File.Exists(Path.Combine(candidate, "node_modules", "s3rver", "bin", "s3rver.js")) ? candidate : null;
            }
        }

        return null;
    }

    [GeneratedRegex(@"listening on (\S+:\d+)")]
    private static partial Regex ListeningLine();
}

/// <summary>Assembly fixture: stops the shared s3rver (if this run started one) when all tests are done.</summary>
public sealed class S3rverLifetime : IAsyncDisposable
{
    public ValueTask DisposeAsync() => S3rverServer.DisposeSharedAsync();
}
