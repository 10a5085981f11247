using System.Globalization;
using Custodian.Core.Features.Events;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Import;

/// <summary>The check that every writer of the event month tables keeps <see cref="EventMonthTotals"/> (issue 4 §4).</summary>
internal static class MonthTotalsAssert
{
    /// <summary>
    /// Fails unless the month totals (<see cref="EventMonthTotals"/>) agree with the month tables: per family, month and
    /// organisation the same row count (exact; no line for an organisation without rows, none for a month that does not
    /// exist), and an earliest start that is at most the real earliest (a lower bound: deletes may leave it earlier).
    /// Call it after every kind of write to the event tables, so a writer that forgets the totals fails a test.
    /// </summary>
    public static async Task ExactAsync(CustodianDbContext db)
    {
        var ct = TestContext.Current.CancellationToken;
        await db.Database.OpenConnectionAsync(ct);
        var connection = db.Database.GetDbConnection();
        foreach (var table in EventTable.All)
        {
            var real = new List<MonthTotal>();
            // Every place a month's rows are: its main-database table and, on SQLite, its sealed file (EventMonthFiles).
            foreach (var (month, source) in (await EventPartitions.SourcesAsync(connection, null, table, ct)).Select(s => (s.Month, s.Table)))
            {
                await using var command = connection.CreateCommand();
                command.CommandText = $"SELECT organization_id, COUNT(*), MIN(start_time) FROM {source} GROUP BY organization_id";
                await using var reader = await command.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    var earliest = connection is Npgsql.NpgsqlConnection
                        ? Instant.FromDateTimeUtc(DateTime.SpecifyKind(reader.GetDateTime(2), DateTimeKind.Utc))
                        : EventTable.FromSqliteTime(reader.GetInt64(2));
                    real.Add(new MonthTotal(month, reader.GetGuid(0), Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture), earliest));
                }
            }

            real = [.. real.GroupBy(r => (r.Month, r.OrganizationId)).Select(g => new MonthTotal(g.Key.Month, g.Key.OrganizationId, g.Sum(r => r.Rows), g.Min(r => r.EarliestStart)))];
            var kept = await EventMonthTotals.ReadAllAsync(connection, null, table, ct);
            var family = EventPartitions.FamilyName(table.Family);
            Assert.Equal(
                [.. real.Select(r => $"{family} {r.Month} {r.OrganizationId}: {r.Rows}").Order(StringComparer.Ordinal)],
                [.. kept.Select(k => $"{family} {k.Month} {k.OrganizationId}: {k.Rows}").Order(StringComparer.Ordinal)]);
            foreach (var k in kept)
            {
                var r = real.Single(x => x.Month == k.Month && x.OrganizationId == k.OrganizationId);
                Assert.True(k.EarliestStart <= r.EarliestStart, $"{family} {k.Month} {k.OrganizationId}: kept earliest {k.EarliestStart} is after the real earliest {r.EarliestStart}");
            }
        }
    }
}
