using System.Diagnostics;
using System.Globalization;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Register;

namespace Custodian.Bench;

/// <summary>Elapsed time and memory around one export: the figures just before it and the peaks sampled every 20 ms during it.</summary>
internal sealed record MemoryPeaks(double Seconds, long BaseManaged, long PeakManaged, long BaseRss, long PeakRss)
{
    public long ManagedGrowth => PeakManaged - BaseManaged;

    public long RssGrowth => PeakRss - BaseRss;
}

/// <summary>What the streaming-export benches (<c>portability</c>, <c>export-memory</c>) share: the memory sampler and the bench register.</summary>
internal static class MemoryProbe
{
    /// <summary>Runs <paramref name="export"/> after a full collection, with the managed heap and RSS sampled until it ends.</summary>
    public static async Task<(T Result, MemoryPeaks Peaks)> MeasureAsync<T>(Func<Task<T>> export)
    {
        ArgumentNullException.ThrowIfNull(export);
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        var baseManaged = GC.GetTotalMemory(true);
        var baseRss = Rss();
        long peakManaged = baseManaged, peakRss = baseRss;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peakManaged = Math.Max(peakManaged, GC.GetTotalMemory(false));
                peakRss = Math.Max(peakRss, Rss());
                try
                {
                    await Task.Delay(20, stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }, CancellationToken.None);
        var sw = Stopwatch.StartNew();
        var result = await export();
        var seconds = sw.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        await sampler;
        return (result, new MemoryPeaks(seconds, baseManaged, peakManaged, baseRss, peakRss));
    }

    /// <summary>
    /// The shipped register does not call usage records portable (the network, not the person, provides them); the
    /// benches declare them provided by the person so a portability package holds all N.
    /// </summary>
    public static ProcessingRegister WithPortableUsage(ProcessingRegister shipped) => shipped with
    {
        Categories = [.. shipped.Categories.Select(c => c.Id == UsageRecord.Category ? c with { Sources = [.. c.Sources, DataSource.DataSubject] } : c)],
    };

    private static long Rss()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }
}
