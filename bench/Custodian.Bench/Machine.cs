using System.Globalization;
using System.Runtime.InteropServices;

namespace Custodian.Bench;

/// <summary>The machine a figure was measured on: without it a figure means little.</summary>
internal sealed record Machine(int Processors, long MemoryBytes, string CpuModel, string Os, string Runtime)
{
    public static Machine Describe()
    {
        var cpu = ReadField("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString();
        var memKib = ReadField("/proc/meminfo", "MemTotal") is { } m
            && long.TryParse(m.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var kib)
            ? kib
            : 0;
        return new Machine(Environment.ProcessorCount, memKib * 1024, cpu, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"machine: nproc={Processors}, memory={MemoryBytes / (1024.0 * 1024 * 1024):F1} GiB, cpu={CpuModel}, os={Os}, runtime={Runtime}");

    private static string? ReadField(string path, string name)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        foreach (var line in File.ReadLines(path))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line[..colon].Trim().Equals(name, StringComparison.Ordinal))
            {
                return line[(colon + 1)..].Trim();
            }
        }

        return null;
    }
}
