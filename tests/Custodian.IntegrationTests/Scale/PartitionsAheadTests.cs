using Custodian.Core.Features.Events;
using Custodian.Core.Features.Retention;
using Custodian.IntegrationTests.Retention;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Scale;

/// <summary>
/// Month partitions created ahead of the rows (issue 8 §1): the current month and the next
/// <see cref="EventPartitions.MonthsAhead"/> exist for both families, made at start-up and by the sweep's housekeeping step.
/// </summary>
public sealed class PartitionsAheadTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static IEnumerable<YearMonth> Months(YearMonth from, int count) => Enumerable.Range(0, count).Select(from.PlusMonths);

    [Theory, AllEngines]
    public async Task EnsureAheadAsync_Twice_CreatesCurrentAndNextMonthsOfBothFamiliesOnce(Engine engine)
    {
        await using var f = await SweepTests.CreateAsync(engine);
        await using var db = f.CreateContext();
        await db.Database.OpenConnectionAsync(Ct);
        var connection = db.Database.GetDbConnection();
        var now = Instant.FromUtc(2026, 11, 28, 12, 0);

        var created = await EventPartitions.EnsureAheadAsync(connection, now, Ct);
        var again = await EventPartitions.EnsureAheadAsync(connection, now, Ct);

        Assert.Equal(2 * (EventPartitions.MonthsAhead + 1), created.Count);
        Assert.Empty(again);
        foreach (var table in EventTable.All)
        {
            Assert.Equal(Months(new YearMonth(2026, 11), EventPartitions.MonthsAhead + 1), await EventPartitions.ExistingMonthsAsync(connection, null, table, Ct));
        }

        Assert.Equal(0, await f.ScalarAsync("SELECT count(*) FROM usage_records"));
    }

    [Theory, AllEngines]
    public async Task Sweep_HousekeepingStep_CreatesTheMonthsAheadOfItsCutoffAndSealsNoEmptyMonth(Engine engine)
    {
        await using var f = await SweepTests.CreateAsync(engine);
        var sweeper = f.Services.GetRequiredService<RetentionSweeper>();
        await sweeper.RunAsync(null, Ct);

        // Four months later the first empty months are past the seal age: they stay empty main-file tables.
        f.Time.SetUtcNow(new DateTimeOffset(2027, 3, 2, 12, 0, 0, TimeSpan.Zero));
        var run = await sweeper.RunAsync(null, Ct);

        Assert.Null(run!.Step);
        await using var db = f.CreateContext();
        await db.Database.OpenConnectionAsync(Ct);
        foreach (var table in EventTable.All)
        {
            Assert.Equal(Months(new YearMonth(2026, 11), 8), await EventPartitions.ExistingMonthsAsync(db.Database.GetDbConnection(), null, table, Ct));
        }

        if (engine == Engine.Sqlite)
        {
            Assert.Equal(0, await f.ScalarAsync("SELECT count(*) FROM event_partitions WHERE sealed_file IS NOT NULL"));
        }
    }
}
