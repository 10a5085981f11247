using Custodian.Core.Features.Events;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Dashboard;

/// <summary>
/// An age band of the chart: records whose retention anchor fell between <see cref="FromMonthsAgo"/> (inclusive) and
/// <see cref="ToMonthsAgo"/> (exclusive; null: no upper bound) whole UTC calendar months before the current one
/// (0 = this month). <see cref="Key"/> is stable for label resources (<c>m0_1</c>, <c>m36_</c>, <c>none</c>).
/// The band "none" holds records whose anchor has not happened (running services, open tickets) or lies in a later month.
/// </summary>
internal sealed record AgeBand(string Key, int? FromMonthsAgo, int? ToMonthsAgo);

/// <summary>One register category's records per age band (same order as <see cref="RecordAges.Bands"/>).</summary>
internal sealed record CategoryAges(string Category, IReadOnlyList<long> Counts)
{
    public long Total => Counts.Sum();
}

/// <summary>
/// Records per register category and age of their retention anchor (the instant or day the retention period runs from:
/// the record's time, the ticket's closing, the service's end), for the dashboard's chart.
/// Bands are whole UTC calendar months (this month, 1–2 months ago, 3–5, 6–11, 12–35, 36 and more), because
/// event records are stored per UTC month: a month's partition falls wholly in one band, so event counts need only
/// per-month totals (<see cref="EventMonthCounts"/>), never a scan by time.
/// </summary>
internal sealed record RecordAges(YearMonth CurrentMonth, IReadOnlyList<AgeBand> Bands, IReadOnlyList<CategoryAges> Categories)
{
    public const string NoneKey = "none";

    /// <summary>Band edges in months ago; the last band is open-ended, then "none".</summary>
    public static readonly IReadOnlyList<int> Edges = [0, 1, 3, 6, 12, 36];

    public static IReadOnlyList<AgeBand> StandardBands { get; } =
    [
        .. Edges.Select((from, i) => i + 1 < Edges.Count
            ? new AgeBand(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"m{from}_{Edges[i + 1]}"), from, Edges[i + 1])
            : new AgeBand(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"m{from}_"), from, null)),
        new AgeBand(NoneKey, null, null),
    ];

    /// <summary>The band index of an anchor month, <paramref name="monthsAgo"/> months before the current one (negative: later).</summary>
    public static int BandOf(int monthsAgo)
    {
        if (monthsAgo < 0)
        {
            return Edges.Count;
        }

        for (var i = Edges.Count - 1; i >= 0; i--)
        {
            if (monthsAgo >= Edges[i])
            {
                return i;
            }
        }

        return Edges.Count;
    }

    public static int MonthsBetween(YearMonth earlier, YearMonth later) => ((later.Year - earlier.Year) * 12) + later.Month - earlier.Month;
}

/// <summary>Counts <see cref="RecordAges"/> from the retention catalogue (<see cref="RetentionTargets"/>): the same rows and anchors the sweep uses.</summary>
internal static class RecordAgeCounter
{
    public static async Task<RecordAges> CountAsync(CustodianDbContext db, ProcessingRegister register, TenantScope scope, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(register);
        ArgumentNullException.ThrowIfNull(scope);
        var month = now.InUtc().Date.ToYearMonth();
        var bands = RecordAges.StandardBands;
        var categories = new List<CategoryAges>();
        foreach (var category in register.Categories)
        {
            var counts = new long[bands.Count];
            foreach (var target in RetentionTargets.Of(category.Id))
            {
                var add = target switch
                {
                    InstantAnchoredTarget t => await CountAsync(db, t, scope, month, ct),
                    DateAnchoredTarget t => await CountAsync(db, t, scope, month, ct),
                    EventRetentionTarget t => await CountAsync(db, t.Table, scope, month, ct),
                    _ => throw new InvalidOperationException($"unknown target kind {target.GetType().Name}"),
                };
                for (var i = 0; i < counts.Length; i++)
                {
                    counts[i] += add[i];
                }
            }

            categories.Add(new CategoryAges(category.Id, counts));
        }

        return new RecordAges(month, bands, categories);
    }

    private static Instant StartOf(YearMonth month) => month.OnDayOfMonth(1).AtStartOfDayInZone(DateTimeZone.Utc).ToInstant();

    private static async Task<long[]> CountAsync(CustodianDbContext db, InstantAnchoredTarget target, TenantScope scope, YearMonth current, CancellationToken ct)
    {
        // Band i holds anchors in [start of month (current - Edges[i+1] + 1), start of month (current - Edges[i] + 1)).
        var e = RecordAges.Edges.Select(m => StartOf(current.PlusMonths(1 - m))).ToArray(); // e[0]: next month's start
        var (e0, e1, e2, e3, e4, e5) = (e[0], e[1], e[2], e[3], e[4], e[5]);
        var rows = target.Rows(db);
        if (target.ProviderOwned)
        {
            // The provider's own records (no organisation): a tenant sees none; counted without grouping (see ProviderOwned).
            return !scope.AllTenants ? new long[7] :
            [
                await rows.LongCountAsync(r => r.Anchor < e0 && r.Anchor >= e1, ct),
                await rows.LongCountAsync(r => r.Anchor < e1 && r.Anchor >= e2, ct),
                await rows.LongCountAsync(r => r.Anchor < e2 && r.Anchor >= e3, ct),
                await rows.LongCountAsync(r => r.Anchor < e3 && r.Anchor >= e4, ct),
                await rows.LongCountAsync(r => r.Anchor < e4 && r.Anchor >= e5, ct),
                await rows.LongCountAsync(r => r.Anchor < e5, ct),
                await rows.LongCountAsync(r => r.Anchor == null || r.Anchor >= e0, ct),
            ];
        }

        if (!scope.AllTenants)
        {
            var id = scope.OrganizationId ?? Guid.Empty;
            rows = rows.Where(r => r.OrganizationId == id);
        }

        var groups = await rows.GroupBy(r => r.OrganizationId).Select(x => new
        {
            B0 = x.LongCount(r => r.Anchor < e0 && r.Anchor >= e1),
            B1 = x.LongCount(r => r.Anchor < e1 && r.Anchor >= e2),
            B2 = x.LongCount(r => r.Anchor < e2 && r.Anchor >= e3),
            B3 = x.LongCount(r => r.Anchor < e3 && r.Anchor >= e4),
            B4 = x.LongCount(r => r.Anchor < e4 && r.Anchor >= e5),
            B5 = x.LongCount(r => r.Anchor < e5),
            None = x.LongCount(r => r.Anchor == null || r.Anchor >= e0),
        }).ToListAsync(ct);
        return Sum(groups.Select(g => new[] { g.B0, g.B1, g.B2, g.B3, g.B4, g.B5, g.None }));
    }

    private static async Task<long[]> CountAsync(CustodianDbContext db, DateAnchoredTarget target, TenantScope scope, YearMonth current, CancellationToken ct)
    {
        var e = RecordAges.Edges.Select(m => current.PlusMonths(1 - m).OnDayOfMonth(1)).ToArray();
        var (e0, e1, e2, e3, e4, e5) = (e[0], e[1], e[2], e[3], e[4], e[5]);
        var rows = target.Rows(db);
        if (!scope.AllTenants)
        {
            var id = scope.OrganizationId ?? Guid.Empty;
            rows = rows.Where(r => r.OrganizationId == id);
        }

        var groups = await rows.GroupBy(r => r.OrganizationId).Select(x => new
        {
            B0 = x.LongCount(r => r.Anchor < e0 && r.Anchor >= e1),
            B1 = x.LongCount(r => r.Anchor < e1 && r.Anchor >= e2),
            B2 = x.LongCount(r => r.Anchor < e2 && r.Anchor >= e3),
            B3 = x.LongCount(r => r.Anchor < e3 && r.Anchor >= e4),
            B4 = x.LongCount(r => r.Anchor < e4 && r.Anchor >= e5),
            B5 = x.LongCount(r => r.Anchor < e5),
            None = x.LongCount(r => r.Anchor == null || r.Anchor >= e0),
        }).ToListAsync(ct);
        return Sum(groups.Select(g => new[] { g.B0, g.B1, g.B2, g.B3, g.B4, g.B5, g.None }));
    }

    private static long[] Sum(IEnumerable<long[]> groups)
    {
        var sum = new long[RecordAges.StandardBands.Count];
        foreach (var g in groups)
        {
            for (var i = 0; i < sum.Length; i++)
            {
                sum[i] += g[i];
            }
        }

        return sum;
    }

    private static async Task<long[]> CountAsync(CustodianDbContext db, EventTable table, TenantScope scope, YearMonth current, CancellationToken ct)
    {
        var counts = new long[RecordAges.StandardBands.Count];
        foreach (var c in await EventMonthCounts.CountAsync(db, table, scope, ct))
        {
            counts[RecordAges.BandOf(RecordAges.MonthsBetween(c.Month, current))] += c.Rows;
        }

        return counts;
    }
}
