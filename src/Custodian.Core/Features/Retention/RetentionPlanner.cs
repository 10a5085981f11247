using System.Data.Common;
using System.Globalization;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using NodaTime;
using Npgsql;

namespace Custodian.Core.Features.Retention;

/// <summary>
/// <c>custodian retention plan</c>: counts, per category, target and organisation, what is expired at an instant, what
/// is not yet, and what is not expiring, with the oldest expired record's anchor. Read-only and provider-wide
/// (<see cref="TenantScope.Everything"/>). Every count is an aggregate in the database: no record is loaded.
/// </summary>
internal sealed class RetentionPlanner(ProcessingRegister register)
{
    public async Task<RetentionPlan> PlanAsync(CustodianDbContext db, Instant at, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        db.ScopeTo(TenantScope.Everything);
        var (slices, problems) = await RetentionSlices.ForAsync(db, register, at, ct);
        var codes = await db.Organizations.AsNoTracking().Select(o => new { o.Id, o.Code }).ToDictionaryAsync(o => o.Id, o => o.Code, ct);
        var lines = new List<RetentionPlanLine>();
        var months = new List<DroppableMonth>();

        foreach (var slice in slices)
        {
            var counts = slice.Target switch
            {
                InstantAnchoredTarget t => await CountAsync(db, slice, t, ct),
                DateAnchoredTarget t => await CountAsync(db, slice, t, ct),
                EventRetentionTarget t => await CountEventsAsync(db, slice, t, months, ct),
                _ => throw new InvalidOperationException($"unknown target kind {slice.Target.GetType().Name}"),
            };
            lines.AddRange(counts.Select(c => new RetentionPlanLine(
                slice.Target.Category,
                slice.Target.Name,
                c.OrganizationId,
                c.OrganizationId == RetentionTargets.Provider ? RetentionTargets.ProviderCode : codes.GetValueOrDefault(c.OrganizationId, ""),
                slice.Cutoff.LastDueAnchorDay,
                c.Due,
                c.OldestDueDay,
                c.OldestDueDay is { } d ? slice.Schedule.Expiry(d) : null,
                c.NotYetDue,
                c.NotExpiring,
                c.OldestDay)));
        }

        var order = register.Categories.Select((c, i) => (c.Id, i)).ToDictionary(x => x.Id, x => x.i, StringComparer.Ordinal);
        var targetOrder = RetentionTargets.All.Select((t, i) => (t.Name, i)).ToDictionary(x => x.Name, x => x.i, StringComparer.Ordinal);
        var sorted = lines
            .OrderBy(l => order.GetValueOrDefault(l.Category, int.MaxValue))
            .ThenBy(l => targetOrder.GetValueOrDefault(l.Target, int.MaxValue))
            .ThenBy(l => l.OrganizationCode, StringComparer.Ordinal)
            .ThenBy(l => l.OrganizationId)
            .ToList();
        return new RetentionPlan(at, RetentionCalendar.DayOf(at), sorted, months, problems);
    }

    private sealed record Counts(Guid OrganizationId, long Due, LocalDate? OldestDueDay, long NotYetDue, long NotExpiring, LocalDate? OldestDay);

    private static async Task<IReadOnlyList<Counts>> CountAsync(CustodianDbContext db, RetentionSlice slice, InstantAnchoredTarget target, CancellationToken ct)
    {
        var rows = target.Rows(db);
        if (slice.Organizations is { } organizations)
        {
            rows = rows.Where(r => organizations.Contains(r.OrganizationId));
        }

        var bound = slice.Cutoff.AnchorBefore;
        if (target.ProviderOwned)
        {
            if (!await rows.AnyAsync(ct))
            {
                return [];
            }

            var oldestDue = await rows.Where(r => r.Anchor < bound).MinAsync(r => r.Anchor, ct);
            var oldestAny = await rows.MinAsync(r => r.Anchor, ct);
            return
            [
                new Counts(
                    RetentionTargets.Provider,
                    await rows.LongCountAsync(r => r.Anchor < bound, ct),
                    oldestDue is { } d ? RetentionCalendar.DayOf(d) : null,
                    await rows.LongCountAsync(r => r.Anchor >= bound, ct),
                    await rows.LongCountAsync(r => r.Anchor == null, ct),
                    oldestAny is { } a ? RetentionCalendar.DayOf(a) : null),
            ];
        }

        var groups = await rows.GroupBy(r => r.OrganizationId).Select(g => new
        {
            OrganizationId = g.Key,
            Due = g.LongCount(r => r.Anchor < bound),
            NotYetDue = g.LongCount(r => r.Anchor >= bound),
            NotExpiring = g.LongCount(r => r.Anchor == null),
            Oldest = g.Where(r => r.Anchor < bound).Min(r => r.Anchor),
            OldestAny = g.Min(r => r.Anchor),
        }).ToListAsync(ct);
        return groups.Select(g => new Counts(
            g.OrganizationId, g.Due, g.Oldest is { } o ? RetentionCalendar.DayOf(o) : null, g.NotYetDue, g.NotExpiring,
            g.OldestAny is { } a ? RetentionCalendar.DayOf(a) : null)).ToList();
    }

    private static async Task<IReadOnlyList<Counts>> CountAsync(CustodianDbContext db, RetentionSlice slice, DateAnchoredTarget target, CancellationToken ct)
    {
        var rows = target.Rows(db);
        if (slice.Organizations is { } organizations)
        {
            rows = rows.Where(r => organizations.Contains(r.OrganizationId));
        }

        var last = slice.Cutoff.LastDueAnchorDay;
        var groups = await rows.GroupBy(r => r.OrganizationId).Select(g => new
        {
            OrganizationId = g.Key,
            Due = g.LongCount(r => r.Anchor <= last),
            NotYetDue = g.LongCount(r => r.Anchor > last),
            NotExpiring = g.LongCount(r => r.Anchor == null),
            Oldest = g.Where(r => r.Anchor <= last).Min(r => r.Anchor),
            OldestAny = g.Min(r => r.Anchor),
        }).ToListAsync(ct);
        return groups.Select(g => new Counts(g.OrganizationId, g.Due, g.Oldest, g.NotYetDue, g.NotExpiring, g.OldestAny)).ToList();
    }

    /// <summary>
    /// Per month table: a month wholly before or after the cutoff from its kept totals (<see cref="EventMonthTotals"/>,
    /// no reading of rows, so the overview and the dashboard stay cheap at tens of millions of records); the month the
    /// cutoff falls in and the held table with one aggregate each. A month whose UTC end is at or before the cutoff is
    /// wholly expired and listed as droppable.
    /// </summary>
    private static async Task<IReadOnlyList<Counts>> CountEventsAsync(
        CustodianDbContext db, RetentionSlice slice, EventRetentionTarget target, List<DroppableMonth> droppable, CancellationToken ct)
    {
        var table = target.Table;
        var bound = slice.Cutoff.AnchorBefore;
        var totals = new Dictionary<Guid, (long Due, Instant? Oldest, long NotYet, Instant? OldestAny)>();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var connection = db.Database.GetDbConnection();
            var postgres = connection is NpgsqlConnection;
            var transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            // Every month table, then the held table (records a hold kept when their month was dropped; the sweep
            // deletes them once no hold covers them, so they are counted like any other record).
            var months = await EventPartitions.ExistingMonthsAsync(connection, transaction, table, ct);
            var kept = (await EventMonthTotals.ReadAllAsync(connection, transaction, table, ct)).ToLookup(t => t.Month);
            // A month's rows can be in two places on SQLite: a sealed month's file and a main-file table of late rows.
            var places = (await EventPartitions.SourcesAsync(connection, transaction, table, ct)).ToLookup(s => s.Month, s => s.Table);
            foreach (var (month, source) in months.Select(m => ((YearMonth?)m, table.MonthTable(m))).Append((null, table.HeldTable)))
            {
                var monthStart = month?.OnDayOfMonth(1).AtStartOfDayInZone(DateTimeZone.Utc).ToInstant();
                var monthEnd = month?.PlusMonths(1).OnDayOfMonth(1).AtStartOfDayInZone(DateTimeZone.Utc).ToInstant();
                long monthRows = 0;

                // A month wholly before or wholly after the cutoff needs no reading: its totals (kept with every write)
                // say how many rows and a lower bound of the earliest (so an oldest-due day can be earlier than the true
                // one after partial deletes, never later: lateness is overstated, never hidden). Only the month the
                // cutoff falls in, and the held table, are counted row by row.
                if (month is { } whole && (monthEnd <= bound || monthStart >= bound))
                {
                    var allDue = monthEnd <= bound;
                    foreach (var t in kept[whole])
                    {
                        monthRows += t.Rows;
                        var (d, o, n, a) = totals.GetValueOrDefault(t.OrganizationId);
                        totals[t.OrganizationId] = allDue
                            ? (d + t.Rows, Min(o, t.EarliestStart), n, Min(a, t.EarliestStart))
                            : (d, o, n + t.Rows, Min(a, t.EarliestStart));
                    }

                    if (allDue && monthRows > 0)
                    {
                        droppable.Add(new DroppableMonth(target.Category, table.Name, source, whole, monthRows));
                    }

                    continue;
                }

                var read = month is { } one ? string.Join(" UNION ALL ", places[one].Select(t => $"SELECT organization_id, start_time FROM {t}")) : $"SELECT organization_id, start_time FROM {source}";
                if (read.Length == 0)
                {
                    continue;
                }

                await using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = string.Create(CultureInfo.InvariantCulture,
                    $"SELECT organization_id, SUM(CASE WHEN start_time < @bound THEN 1 ELSE 0 END), MIN(CASE WHEN start_time < @bound THEN start_time END), COUNT(*), MIN(start_time) FROM ({read}) r GROUP BY organization_id");
                var parameter = command.CreateParameter();
                parameter.ParameterName = "@bound";
                parameter.Value = postgres ? bound.ToDateTimeUtc() : EventTable.ToSqliteTime(bound);
                command.Parameters.Add(parameter);
                await using (var reader = await command.ExecuteReaderAsync(ct))
                {
                    while (await reader.ReadAsync(ct))
                    {
                        var organization = postgres ? reader.GetGuid(0) : new Guid((byte[])reader.GetValue(0));
                        var due = Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
                        Instant? oldest = reader.IsDBNull(2) ? null : ReadTime(reader, 2, postgres);
                        var all = Convert.ToInt64(reader.GetValue(3), CultureInfo.InvariantCulture);
                        var first = ReadTime(reader, 4, postgres);
                        monthRows += all;
                        var (d, o, n, a) = totals.GetValueOrDefault(organization);
                        totals[organization] = (d + due, Min(o, oldest), n + all - due, Min(a, first));
                    }
                }

                if (month is { } m && monthEnd <= bound && monthRows > 0)
                {
                    droppable.Add(new DroppableMonth(target.Category, table.Name, source, m, monthRows));
                }
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }

        return totals.Select(t => new Counts(
            t.Key, t.Value.Due, t.Value.Oldest is { } o ? RetentionCalendar.DayOf(o) : null, t.Value.NotYet, 0,
            t.Value.OldestAny is { } a ? RetentionCalendar.DayOf(a) : null)).ToList();
    }

    private static Instant ReadTime(DbDataReader reader, int ordinal, bool postgres) =>
        postgres
            ? Instant.FromDateTimeUtc(DateTime.SpecifyKind(reader.GetDateTime(ordinal), DateTimeKind.Utc))
            : EventTable.FromSqliteTime(Convert.ToInt64(reader.GetValue(ordinal), CultureInfo.InvariantCulture));

    private static Instant? Min(Instant? a, Instant? b) => a is null ? b : b is null ? a : a < b ? a : b;
}
