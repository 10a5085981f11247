using Custodian.Core.Common;
using Xunit;

namespace Custodian.Core.Tests.Common;

public sealed class MonotonicIdsTests
{
    [Fact]
    public void Next_ManyInOneMillisecond_StrictlyIncreaseInTheDatabasesTextOrder_AndStayVersion7()
    {
        // Thousands of ids come within a few milliseconds: plain UUIDv7 would repeat a timestamp with random tails.
        var ids = Enumerable.Range(0, 20_000).Select(_ => MonotonicIds.Next()).ToList();

        for (var i = 1; i < ids.Count; i++)
        {
            Assert.True(string.CompareOrdinal(ids[i - 1].ToString("N"), ids[i].ToString("N")) < 0, $"id {i} does not sort after id {i - 1}");
        }

        Assert.All(ids, id => Assert.Equal(7, id.Version));
        Assert.All(ids, id => Assert.Equal(0x80, id.ToByteArray(bigEndian: true)[8] & 0xC0));
    }

    [Fact]
    public async Task Next_FromManyThreads_GivesNoDuplicate()
    {
        var batches = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => Enumerable.Range(0, 5_000).Select(_ => MonotonicIds.Next()).ToList())));

        var all = batches.SelectMany(b => b).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.All(batches, b => Assert.Equal(b.OrderBy(g => g.ToString("N"), StringComparer.Ordinal), b));
    }
}
