using System.Globalization;
using System.Text;
using System.Text.Json;
using Custodian.Core.Features.Audit;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Custodian.Core.Features.Disclosures;

/// <summary>One line of the transparency statistics: a type, how many orders and how many identifiers they named.</summary>
/// <param name="Group">The statistics group (<c>interception</c>, <c>traffic_data</c>, ...).</param>
/// <param name="Type">The order type's wire name.</param>
/// <param name="Orders">Orders received in the year.</param>
/// <param name="Identifiers">Target identifiers named by those orders (per identifier, not per person, as the government counts taps).</param>
internal sealed record DisclosureStatisticsRow(string Group, string Type, int Orders, int Identifiers);

/// <summary>A year's statistics for a transparency report (AUT-7).</summary>
internal sealed record DisclosureStatisticsReport(int Year, IReadOnlyList<DisclosureStatisticsRow> Rows)
{
    public int TotalOrders => Rows.Sum(r => r.Orders);

    public int TotalIdentifiers => Rows.Sum(r => r.Identifiers);
}

/// <summary>
/// Yearly counts of orders and of identifiers per type (AUT-7), by the Amsterdam calendar year the order was received.
/// Every type appears, with zeroes. There are no CIOT counts: the provider is not told who queried the CIOT file or
/// what (Besluit verstrekking gegevens telecommunicatie art. 5(4)(a)), so it cannot count them. Whether the counts of
/// intelligence-service requests may be published is UNVERIFIED (AUT-7): the export includes them, the publisher decides.
/// </summary>
internal sealed class DisclosureStatistics(CustodianDbContext db, ReadAuditBatcher reads)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    public async Task<DisclosureStatisticsReport?> ForYearAsync(DisclosureCaller caller, int year, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.Manage || year is < 2000 or > 9999)
        {
            return null;
        }

        var (from, until) = AuthorityOrders.YearBounds(year);
        // Read outside a transaction (the counts need not be atomic with the event); the event is durable before they go out.
        var orders = await db.Set<AuthorityOrder>().AsNoTracking()
            .Where(o => o.ReceivedAt >= from && o.ReceivedAt < until)
            .Select(o => new { o.Type, Targets = o.Targets.Count })
            .ToListAsync(ct);
        var rows = Enum.GetValues<AuthorityOrderType>()
            .Select(t => new DisclosureStatisticsRow(
                AuthorityOrderTypes.Name(AuthorityOrderTypes.GroupOf(t)),
                AuthorityOrderTypes.Name(t),
                orders.Count(o => o.Type == t),
                orders.Where(o => o.Type == t).Sum(o => o.Targets)))
            .ToList();
        await reads.AppendAsync(new AuditEntry("disclosure.statistics_exported", caller.Actor, null, [], Details: new Dictionary<string, string>
        {
            ["year"] = year.ToString(CultureInfo.InvariantCulture),
        }), ct);
        return new DisclosureStatisticsReport(year, rows);
    }

    public static string ToCsv(DisclosureStatisticsReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var csv = new StringBuilder("year,group,type,orders,identifiers\r\n");
        foreach (var r in report.Rows)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{report.Year},{r.Group},{r.Type},{r.Orders},{r.Identifiers}\r\n");
        }

        return csv.ToString();
    }

    public static string ToJson(DisclosureStatisticsReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return JsonSerializer.Serialize(new { report.Year, report.TotalOrders, report.TotalIdentifiers, report.Rows }, Json);
    }
}
