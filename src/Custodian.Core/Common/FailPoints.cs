using System.Diagnostics;
using System.Globalization;

namespace Custodian.Core.Common;

/// <summary>
/// Named places where a crash test can kill the process (issue 8 §4): set <c>CUSTODIAN_FAILPOINTS=name:n</c> (several
/// separated by commas) and the process kills itself with SIGKILL the n-th time it passes <c>name</c> (n defaults to 1).
/// No clean-up runs, exactly as with a power loss or <c>kill -9</c>. Read once at start; unset, a hit costs a field read.
/// <para><c>name:sleep=ms</c> instead makes every pass of an async point (<see cref="HitAsync"/>) wait that long
/// (cancellable): a step made artificially long, for the lease-renewal tests. A sync <see cref="Hit"/> ignores it.</para>
/// </summary>
internal static class FailPoints
{
    public const string Variable = "CUSTODIAN_FAILPOINTS";

    private const string SleepPrefix = "sleep=";

    private static readonly Dictionary<string, int>? Armed = Parse(Environment.GetEnvironmentVariable(Variable), out Sleeps);
    private static readonly Dictionary<string, TimeSpan>? Sleeps;
    private static readonly Dictionary<string, int> Hits = new(StringComparer.Ordinal);

    /// <summary>
    /// Passing a named point in async code: waits when it is armed with <c>sleep=ms</c> (until <paramref name="ct"/>
    /// is cancelled), else as <see cref="Hit"/>.
    /// </summary>
    public static async Task HitAsync(string name, CancellationToken ct)
    {
        if (Sleeps is not null && Sleeps.TryGetValue(name, out var sleep))
        {
            await Task.Delay(sleep, ct);
            return;
        }

        Hit(name);
    }

    /// <summary>Passing a named point; kills the process when it is armed for this pass.</summary>
    public static void Hit(string name)
    {
        if (Armed is null || !Armed.TryGetValue(name, out var at))
        {
            return;
        }

        int count;
        lock (Hits)
        {
            count = Hits[name] = Hits.GetValueOrDefault(name) + 1;
        }

        if (count == at)
        {
            using var self = Process.GetCurrentProcess();
            self.Kill();
        }
    }

    private static Dictionary<string, int>? Parse(string? value, out Dictionary<string, TimeSpan>? sleeps)
    {
        sleeps = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var armed = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var item in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = item.LastIndexOf(':');
            if (colon > 0 && item[(colon + 1)..].StartsWith(SleepPrefix, StringComparison.Ordinal)
                && int.TryParse(item[(colon + 1 + SleepPrefix.Length)..], NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
            {
                (sleeps ??= new Dictionary<string, TimeSpan>(StringComparer.Ordinal))[item[..colon]] = TimeSpan.FromMilliseconds(ms);
                continue;
            }

            var n = colon > 0 && int.TryParse(item[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : 1;
            armed[colon > 0 ? item[..colon] : item] = n;
        }

        return armed;
    }
}
