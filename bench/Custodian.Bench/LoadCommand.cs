using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Custodian.Testing;
using MimeKit;

namespace Custodian.Bench;

/// <summary>
/// <c>load</c> (issue 8 §5): a Release <c>custodian serve</c> on loopback with demo data, <c>wrk</c> against the
/// portal's intake and status pages and the API's read paths, the serve process's RSS sampled every second, then the
/// rate limits probed at their thresholds with real HTTP. Installs nothing: <c>wrk</c> must be on the PATH.
/// </summary>
internal static partial class LoadCommand
{
    /// <summary>Growth of RSS over the last 30 s still called flat: the larger of these.</summary>
    internal const long FlatBytes = 16 * 1024 * 1024;

    internal const double FlatFraction = 0.05;

    public static Command Build()
    {
        var engine = new Option<string>("--engine") { Description = "sqlite or postgres", DefaultValueFactory = _ => "sqlite" };
        engine.AcceptOnlyFromAmong("sqlite", "postgres");
        var duration = new Option<int>("--duration") { Description = "Seconds of wrk per path", DefaultValueFactory = _ => 60 };
        var connections = new Option<int>("--connections") { Description = "wrk connections (-c)", DefaultValueFactory = _ => 32 };
        var threads = new Option<int>("--threads") { Description = "wrk threads (-t)", DefaultValueFactory = _ => 2 };
        var pg = new Option<string?>("--pg") { Description = "PostgreSQL server where the run may CREATE DATABASE; default: a throwaway cluster like the tests'" };
        var custodian = new Option<string?>("--custodian") { Description = "The custodian executable (default: the one built beside the bench; build the bench with -c Release)" };
        var command = new Command("load", "wrk against a Release `custodian serve` on loopback with demo data: portal pages, a request's status page, the API's read paths; RSS every second; the rate limits at their thresholds")
        {
            engine, duration, connections, threads, pg, custodian,
        };
        command.SetAction(async (parse, ct) =>
        {
            var wrk = FindOnPath("wrk");
            if (wrk is null)
            {
                await Console.Error.WriteLineAsync("error load.wrk_missing: wrk is not on the PATH. Install it (Debian: apt-get install wrk); this command installs nothing itself.");
                return 2;
            }

            var exe = parse.GetValue(custodian) is { } path ? Path.GetFullPath(path) : Custodian.Testing.Crash.CrashChild.DefaultExecutable;
            if (!File.Exists(exe))
            {
                await Console.Error.WriteLineAsync($"error load.custodian_missing: no custodian executable at {exe}.");
                return 2;
            }

            if (parse.GetValue(duration) < 1)
            {
                await Console.Error.WriteLineAsync("--duration must be at least 1 (seconds).");
                return 2;
            }

            var run = new LoadRun(wrk, exe, parse.GetValue(engine) == "postgres", parse.GetValue(duration), parse.GetValue(connections), parse.GetValue(threads), Console.Out);
            return await run.RunAsync(parse.GetValue(pg), ct);
        });
        return command;
    }

    internal static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    [GeneratedRegex(@"(?:Verification code|Verificatiecode): (\S+)")]
    internal static partial Regex CodeLine();

    [GeneratedRegex(@"^\s*(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline)]
    internal static partial Regex LatencyLine();

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    internal static partial Regex RateLine();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")]
    internal static partial Regex Non2xxLine();

    [GeneratedRegex(@"(\d+) requests in")]
    internal static partial Regex TotalLine();
}

internal sealed record PathResult(string Name, string Path, double RequestsPerSecond, double P50Ms, double P99Ms, long Requests, long Non2xx);

internal sealed class LoadRun(string wrk, string exe, bool postgres, int duration, int connections, int threads, TextWriter log)
{
    private static readonly CultureInfo Ic = CultureInfo.InvariantCulture;
    private readonly List<(TimeSpan At, long Bytes)> _rss = [];
    private DirectoryInfo _work = null!;
    private Dictionary<string, string> _env = null!;
    private string _reference = "\0";
    private string _identifier = "\0";

    public async Task<int> RunAsync(string? pg, CancellationToken ct)
    {
        log.WriteLine(Machine.Describe());
        _work = Directory.CreateTempSubdirectory("custodian-load.");
        PostgresServer? server = null;
        try
        {
            var data = Path.Combine(_work.FullName, "data");
            var keyFile = Path.Combine(_work.FullName, "master.key");
            await File.WriteAllTextAsync(keyFile, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), ct);
            _env = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["CUSTODIAN_DATA"] = data,
                ["CUSTODIAN_MASTER_KEY_FILE"] = keyFile,
                ["CUSTODIAN_SWEEP_AT"] = "off",
                ["CUSTODIAN_PUBLIC_URL"] = "https://portal.custodian.example",
                ["CUSTODIAN_BLOB_STORE"] = "filesystem",
                ["CUSTODIAN_DB"] = Path.Combine(data, "custodian.db"),
            };
            if (postgres)
            {
                var availability = await PostgresServer.ConnectOrStartAsync(pg);
                if (availability.Server is null)
                {
                    await Console.Error.WriteLineAsync($"PostgreSQL is not available: {availability.Failure ?? availability.SkipReason}. Give --pg or install the server binaries.");
                    return 1;
                }

                server = availability.Server;
                _env["CUSTODIAN_DB"] = await server.CreateDatabaseAsync("custodian_load_" + Guid.NewGuid().ToString("N")[..10], ct);
                log.WriteLine($"postgres: {server.Description}");
            }

            // Demo data and a provider key through the CLI, as an operator would.
            var seed = await RunCliAsync(ct, "demo", "seed");
            var person = seed.Split('\n').FirstOrDefault(l => l.Contains("a demo person to look up:", StringComparison.Ordinal))
                ?? throw new InvalidOperationException("demo seed named no person:\n" + seed);
            var parts = person.Split(',', StringSplitOptions.TrimEntries);
            var (phone, email) = (parts[^2], parts[^1]);
            var created = await RunCliAsync(ct, "apikey", "create", "--provider", "--scopes", "subjects:lookup,store:read,tenants:all", "--name", "load");
            var apiKey = created.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)[^1];
            log.WriteLine($"data: custodian demo seed ({(postgres ? "PostgreSQL" : "SQLite")}); a provider API key; the demo person's phone and e-mail for look-ups and the request");

            var port = FreePort();
            var baseUrl = new Uri($"http://127.0.0.1:{port}");
            // The load measures the paths, not the API's per-key limit (one key at full speed would mostly get 429s).
            var (serve, _) = await StartServeAsync(baseUrl, "off", ct);
            string reference;
            string token;
            using (var http = new HttpClient { BaseAddress = baseUrl })
            {
                (reference, token) = await FileRequestAsync(http, email, data, ct);
                (_reference, _identifier) = (reference, Uri.EscapeDataString(phone));
                log.WriteLine($"request {reference} filed and verified through the API (code read from the outbox); its token is the portal's session cookie");
            }

            var paths = new (string Name, string Path, string[] Headers)[]
            {
                ("portal start page", "/requests", []),
                ("portal intake form", "/requests/new/access", []),
                ("portal status page", $"/requests/{reference}", [$"Cookie: custodian-request={token}"]),
                ("API subject look-up", $"/api/v1/subjects?identifier={Uri.EscapeDataString(phone)}&reason=load", [$"Authorization: Bearer {apiKey}"]),
                ("API organisations list", "/api/v1/organizations", [$"Authorization: Bearer {apiKey}"]),
                ("API request status", $"/api/v1/requests/{reference}", [$"Authorization: Bearer {token}"]),
            };

            var results = new List<PathResult>();
            var clock = Stopwatch.StartNew();
            using var sampling = new CancellationTokenSource();
            var sampler = SampleAsync(serve.Id, clock, sampling.Token);
            foreach (var (name, path, headers) in paths)
            {
                results.Add(await WrkAsync(name, baseUrl, path, headers, ct));
                var last = results[^1];
                log.WriteLine(string.Create(Ic, $"  {name}: {last.RequestsPerSecond:N0} req/s, p50 {last.P50Ms:F2} ms, p99 {last.P99Ms:F2} ms, non-2xx {last.Non2xx}"));
            }

            await sampling.CancelAsync();
            await sampler;
            await StopAsync(serve);

            // The limits, on a second serve of the same data with a small API limit so its threshold is reachable.
            const int ApiBurst = 20;
            var (limited, _) = await StartServeAsync(baseUrl, $"1/s burst {ApiBurst}", ct);
            var limitLines = new List<string>();
            using (var http = new HttpClient { BaseAddress = baseUrl })
            {
                limitLines.Add(await ProbeApiLimitAsync(http, apiKey, ApiBurst, ct));
                limitLines.AddRange(await ProbePortalLimitsAsync(http, email, reference, ct));
            }

            await StopAsync(limited);
            Report(results, limitLines);
            return 0;
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }

            _work.Delete(recursive: true);
        }
    }

    private static async Task<(string Reference, string Token)> FileRequestAsync(HttpClient http, string email, string data, CancellationToken ct)
    {
        using var submit = await http.PostAsJsonAsync("/api/v1/requests", new { type = "access", email, language = "en" }, ct);
        var submitted = JsonDocument.Parse(await submit.Content.ReadAsStringAsync(ct)).RootElement;
        if (submit.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"submit: {(int)submit.StatusCode} {submitted}");
        }

        var reference = submitted.GetProperty("reference").GetString()!;
        var outbox = Path.Combine(data, "outbox");
        var mail = Directory.GetFiles(outbox, "*.eml").Select(f => MimeMessage.Load(f))
            .Single(m => (m.Subject ?? string.Empty).Contains(reference, StringComparison.Ordinal));
        var code = LoadCommand.CodeLine().Match(mail.TextBody ?? string.Empty).Groups[1].Value;
        using var verify = await http.PostAsJsonAsync($"/api/v1/requests/{reference}/verify", new { code }, ct);
        var verified = JsonDocument.Parse(await verify.Content.ReadAsStringAsync(ct)).RootElement;
        if (verify.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"verify: {(int)verify.StatusCode} {verified}");
        }

        return (reference, verified.GetProperty("token").GetString()!);
    }

    /// <summary>Sequential GETs with one key until the first 429; then waits its Retry-After and checks recovery.</summary>
    private static async Task<string> ProbeApiLimitAsync(HttpClient http, string apiKey, int burst, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        for (var i = 1; i <= burst * 5; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/organizations");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
            using var response = await http.SendAsync(request, ct);
            if (response.StatusCode != HttpStatusCode.TooManyRequests)
            {
                continue;
            }

            var elapsed = clock.Elapsed;
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement;
            var retry = response.Headers.RetryAfter?.Delta;
            var line = string.Create(Ic,
                $"API (apiRateLimit 1/s burst {burst}): requests 1-{i - 1} answered, request {i} got 429 {body.GetProperty("code").GetString()} Retry-After {retry?.TotalSeconds:F0} s after {elapsed.TotalMilliseconds:F0} ms (threshold {burst} + 1 token per elapsed second)");
            await Task.Delay(retry ?? TimeSpan.FromSeconds(1), ct);
            using var again = new HttpRequestMessage(HttpMethod.Get, "/api/v1/organizations");
            again.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
            using var recovered = await http.SendAsync(again, ct);
            return line + $"; after Retry-After: {(int)recovered.StatusCode}";
        }

        return $"API: NO 429 within {burst * 5} requests (limit not enforced)";
    }

    /// <summary>
    /// The portal's intake limit: submissions (and code resends) per client address per hour. The load's own
    /// request was the first submission of this client.
    /// </summary>
    private static async Task<List<string>> ProbePortalLimitsAsync(HttpClient http, string email, string reference, CancellationToken ct)
    {
        var lines = new List<string>();
        var threshold = Core.Features.Requests.RequestRateLimits.SubmissionsPerClientPerHour;
        for (var n = 2; n <= threshold + 2; n++)
        {
            using var submit = await http.PostAsJsonAsync("/api/v1/requests", new { type = "access", email, language = "en" }, ct);
            if (submit.StatusCode == HttpStatusCode.TooManyRequests)
            {
                var body = JsonDocument.Parse(await submit.Content.ReadAsStringAsync(ct)).RootElement;
                lines.Add(string.Create(Ic,
                    $"portal intake ({threshold} submissions per client per hour): submissions 1-{n - 1} accepted, submission {n} got 429 {body.GetProperty("code").GetString()} Retry-After {submit.Headers.RetryAfter?.Delta?.TotalSeconds:F0} s"));
                break;
            }

            if (n == threshold + 2)
            {
                lines.Add($"portal intake: NO 429 after {n} submissions");
            }
        }

        using var resend = await http.PostAsync($"/api/v1/requests/{reference}/code", null, ct);
        lines.Add(string.Create(Ic,
            $"code resend from the same client (counted with submissions): {(int)resend.StatusCode}{(resend.Headers.RetryAfter?.Delta is { } d ? $" Retry-After {d.TotalSeconds:F0} s" : string.Empty)}"));
        return lines;
    }

    private async Task<PathResult> WrkAsync(string name, Uri baseUrl, string path, string[] headers, CancellationToken ct)
    {
        var args = new List<string> { "-t", threads.ToString(Ic), "-c", connections.ToString(Ic), "-d", $"{duration}s", "--latency" };
        foreach (var h in headers)
        {
            args.Add("-H");
            args.Add(h);
        }

        args.Add(new Uri(baseUrl, path).ToString());
        var (code, output) = await RunAsync(wrk, args, null, ct);
        if (code != 0)
        {
            throw new InvalidOperationException($"wrk failed ({code}):\n{output}");
        }

        double Latency(string q)
        {
            var m = LoadCommand.LatencyLine().Matches(output).First(x => x.Groups[1].Value == q);
            var v = double.Parse(m.Groups[2].Value, Ic);
            return m.Groups[3].Value switch { "us" => v / 1000, "s" => v * 1000, _ => v };
        }

        var non2xx = LoadCommand.Non2xxLine().Match(output) is { Success: true } n ? long.Parse(n.Groups[1].Value, Ic) : 0;
        return new PathResult(name, path, double.Parse(LoadCommand.RateLine().Match(output).Groups[1].Value, Ic), Latency("50"), Latency("99"),
            long.Parse(LoadCommand.TotalLine().Match(output).Groups[1].Value, Ic), non2xx);
    }

    private async Task SampleAsync(int pid, Stopwatch clock, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            do
            {
                var line = (await File.ReadAllLinesAsync($"/proc/{pid}/status", CancellationToken.None)).FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
                if (line is not null)
                {
                    _rss.Add((clock.Elapsed, long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], Ic) * 1024));
                }
            }
            while (await timer.WaitForNextTickAsync(ct));
        }
        catch (OperationCanceledException)
        {
            // The load is over.
        }
    }

    private void Report(List<PathResult> results, List<string> limits)
    {
        log.WriteLine();
        log.WriteLine(Machine.Describe());
        log.WriteLine(string.Create(Ic, $"wrk -t{threads} -c{connections} -d{duration}s --latency per path; custodian serve (Release) on loopback, {(postgres ? "PostgreSQL" : "SQLite")}, demo data, apiRateLimit off during the load"));
        log.WriteLine();
        log.WriteLine("| path | requests/s | p50 | p99 | requests | non-2xx/3xx |");
        log.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            log.WriteLine(string.Create(Ic, $"| {r.Name} `{Redact(r.Path)}` | {r.RequestsPerSecond:N0} | {r.P50Ms:F2} ms | {r.P99Ms:F2} ms | {r.Requests:N0} | {r.Non2xx:N0} |"));
        }

        log.WriteLine();
        if (_rss.Count > 0)
        {
            var start = _rss[0];
            var end = _rss[^1];
            var max = _rss.Max(s => s.Bytes);
            var window = end.At - TimeSpan.FromSeconds(30);
            var from = _rss.FirstOrDefault(s => s.At >= window);
            var growth = end.Bytes - from.Bytes;
            var flat = growth <= Math.Max(LoadCommand.FlatBytes, (long)(from.Bytes * LoadCommand.FlatFraction));
            log.WriteLine(string.Create(Ic,
                $"memory (VmRSS of serve, {_rss.Count} samples over {end.At.TotalSeconds:F0} s): start {start.Bytes / 1048576.0:F0} MiB, end {end.Bytes / 1048576.0:F0} MiB, max {max / 1048576.0:F0} MiB; last {(end.At - from.At).TotalSeconds:F0} s: {growth / 1048576.0:+0;-0} MiB → {(end.At < TimeSpan.FromSeconds(60) ? "too short to judge (warm-up)" : flat ? "flat" : "GROWING")} (flat: ≤ max(16 MiB, 5%) over the last 30 s)"));
        }

        log.WriteLine();
        log.WriteLine("rate limits (second serve of the same data):");
        foreach (var l in limits)
        {
            log.WriteLine("  " + l);
        }
    }

    /// <summary>The table names no reference, token or identifier (test data, but a habit worth keeping).</summary>
    private string Redact(string path) =>
        path.Replace(_reference, "{reference}", StringComparison.Ordinal).Replace(_identifier, "…", StringComparison.Ordinal);

    private async Task<(Process Process, StringWriter Log)> StartServeAsync(Uri baseUrl, string apiRateLimit, CancellationToken ct)
    {
        var info = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = _work.FullName };
        foreach (var a in new[] { "serve", "--urls", baseUrl.ToString().TrimEnd('/') })
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (k, v) in _env)
        {
            info.Environment[k] = v;
        }

        info.Environment["CUSTODIAN_API_RATE_LIMIT"] = apiRateLimit;
        var output = new StringWriter();
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => { lock (output) { output.WriteLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.WriteLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(5) };
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(120))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"serve exited ({process.ExitCode}):\n{output}");
            }

            try
            {
                using var health = await http.GetAsync("/health", ct);
                if (health.IsSuccessStatusCode)
                {
                    return (process, output);
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(250, ct);
        }

        process.Kill();
        throw new InvalidOperationException($"serve did not answer /health within 120 s:\n{output}");
    }

    private static async Task StopAsync(Process process)
    {
        // SIGTERM: serve shuts down like under systemd (the process is ours; started above).
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(Ic)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
        }

        process.Dispose();
    }

    private async Task<string> RunCliAsync(CancellationToken ct, params string[] args)
    {
        var (code, output) = await RunAsync(exe, args, _env, ct);
        return code == 0 ? output : throw new InvalidOperationException($"custodian {string.Join(' ', args)} failed ({code}):\n{output}");
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, IEnumerable<string> args, Dictionary<string, string>? env, CancellationToken ct)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (k, v) in env ?? [])
        {
            info.Environment[k] = v;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
