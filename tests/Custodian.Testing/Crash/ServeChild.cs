using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Custodian.Core.Common;
using Custodian.Core.Persistence;

namespace Custodian.Testing.Crash;

/// <summary>
/// One real <c>custodian serve</c> child on a free loopback port over a <see cref="TemplateCopy"/> (the crash harness for
/// work that runs inside serve, issue 8 §4): started, waited for until <c>/health</c> answers, killed with SIGKILL (from
/// outside, or by itself at an armed <see cref="FailPoints"/> point).
/// </summary>
internal sealed class ServeChild : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private ServeChild(Uri address, Process process)
    {
        Address = address;
        _process = process;
    }

    public Uri Address { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>The process id (serve's own: a wrapper must exec it, as <c>fiu-run</c> does).</summary>
    public int Id => _process.Id;

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

    /// <summary>Starts serve on <paramref name="copy"/> and waits until it is healthy.</summary>
    /// <param name="copy">The trial's database and data folder.</param>
    /// <param name="masterKeyFile">The master key the template's data keys are wrapped with.</param>
    /// <param name="failPoint">Armed fail points (<c>name</c> or <c>name:n</c>), or null.</param>
    /// <param name="ct">Cancellation.</param>
    /// <param name="wrapper">A command that execs serve in its own process (e.g. libfiu's <c>fiu-run -x</c>), or null.</param>
    public static Task<ServeChild> StartAsync(TemplateCopy copy, string masterKeyFile, string? failPoint, CancellationToken ct, IReadOnlyList<string>? wrapper = null)
    {
        ArgumentNullException.ThrowIfNull(copy);
        return StartAsync(copy.Target, copy.Data, masterKeyFile, failPoint, null, ct, wrapper);
    }

    /// <summary>Starts serve on a database and data folder and waits until it is healthy.</summary>
    /// <param name="target">The database.</param>
    /// <param name="data">The data folder (also the working directory).</param>
    /// <param name="masterKeyFile">The master key the data keys are wrapped with.</param>
    /// <param name="failPoint">Armed fail points (<c>name</c>, <c>name:n</c> or <c>name:sleep=ms</c>), or null.</param>
    /// <param name="environment">Extra environment variables (e.g. <c>CUSTODIAN_LEASE_SECONDS</c>), or null.</param>
    /// <param name="ct">Cancellation.</param>
    /// <param name="wrapper">A command that execs serve in its own process (e.g. libfiu's <c>fiu-run -x</c>), or null.</param>
    public static async Task<ServeChild> StartAsync(
        DatabaseTarget target, string data, string masterKeyFile, string? failPoint, IReadOnlyDictionary<string, string>? environment, CancellationToken ct, IReadOnlyList<string>? wrapper = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        var address = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{FreePort()}"));
        var start = new ProcessStartInfo(wrapper is { Count: > 0 } ? wrapper[0] : CrashChild.DefaultExecutable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = data,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        if (failPoint is not null)
        {
            start.Environment[FailPoints.Variable] = failPoint;
        }

        if (wrapper is { Count: > 0 })
        {
            foreach (var arg in wrapper.Skip(1).Append(CrashChild.DefaultExecutable))
            {
                start.ArgumentList.Add(arg);
            }
        }

        foreach (var arg in new[] { "serve", "--db", target.ConnectionString, "--data", data, "--master-key-file", masterKeyFile, "--urls", address.ToString().TrimEnd('/') })
        {
            start.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = start };
        var child = new ServeChild(address, process);
        process.OutputDataReceived += (_, e) => child.Append(e.Data);
        process.ErrorDataReceived += (_, e) => child.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await child.WaitUntilHealthyAsync(ct);
            return child;
        }
        catch
        {
            await child.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGKILL now (no clean-up, like a power cut), and waits for the exit.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync(CancellationToken.None);
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the process to die (a fail point kills it); true when it did.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private async Task WaitUntilHealthyAsync(CancellationToken ct)
    {
        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(180))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException("serve exited at start: " + Log);
            }

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

            await Task.Delay(50, ct);
        }

        throw new TimeoutException("serve did not become healthy: " + Log);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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
