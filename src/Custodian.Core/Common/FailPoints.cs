using System.Diagnostics;
using System.Globalization;

namespace Custodian.Core.Common;

/// <summary>
/// Named places where a crash test can kill the process (issue 8 §4): set <c>CUSTODIAN_FAILPOINTS=name:n</c> (several
/// separated by commas) and the process kills itself with SIGKILL the n-th time it passes <c>name</c> (n defaults to 1).
/// No clean-up runs, exactly as with a power loss or <c>kill -9</c>. Read once at start; unset, a hit costs a field read.
/// </summary>
internal static class FailPoints
{
    public const string Variable = "CUSTODIAN_FAILPOINTS";

    private static readonly Dictionary<string, int>? Armed = Parse(Environment.GetEnvironmentVariable(Variable));
    private static readonly Dictionary<string, int> Hits = new(StringComparer.Ordinal);

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

    private static Dictionary<string, int>? Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var armed = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var item in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = item.LastIndexOf(':');
            var n = colon > 0 && int.TryParse(item[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : 1;
            armed[colon > 0 ? item[..colon] : item] = n;
        }

        return armed;
    }
}
