using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Custodian.Cli;
using Custodian.Core.Features.Retention;
using Custodian.Core.Persistence;
using Custodian.Features.Database;
using Custodian.Features.Register;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Features.Retention;

/// <summary>
/// <c>custodian retention plan [--at YYYY-MM-DD] [--json]</c>: what a sweep would delete, per category, target and
/// organisation, without changing anything.
/// </summary>
/// <remarks>
/// <para><c>--at D</c> plans for day D in Europe/Amsterdam. Every expiry falls on the start of a day (records are kept
/// through the last day of their period, EU Regulation 1182/71), so every instant of D gives the same answer: the plan
/// for D is what a sweep run at any time on D deletes. The command uses the start of D as its instant. Without
/// <c>--at</c>: the clock's now (today).</para>
/// <para>JSON (<c>--json</c>), stable; fields are never renamed, new ones may be added:</para>
/// <code>
/// { "at": "2026-11-28T23:00:00Z",            // the instant planned for (ISO-8601, UTC)
///   "day": "2026-11-29", "timeZone": "Europe/Amsterdam",
///   "lines": [ { "category": "general.support_information", "target": "support_tickets",
///                "organizationId": "…", "organizationCode": "demo",
///                "cutoff": "2023-11-28",            // records anchored on this day or before are due
///                "due": 3, "oldestDueAnchorDay": "2023-01-05", "oldestDueExpiry": "2026-01-05T23:00:00Z",
///                "oldestDueAgeDays": 1424,         // days from that anchor day to "day"; null when nothing is due
///                "notYetDue": 12, "notExpiring": 4 } ],
///   "droppableMonths": [ { "category": "usage.call_detail_records", "table": "usage_records",
///                          "monthTable": "usage_records_2026_04", "month": "2026-04", "rows": 12345 } ],
///   "totals": { "due": 3, "notYetDue": 12, "notExpiring": 4 },
///   "problems": [ { "code": "retention.no_target", "category": "…", "message": "…" } ] }
/// </code>
/// <para>Exit codes: 0 (also when something is due: the plan is information), 1 the database or register cannot be
/// used or the register has categories the engine cannot sweep (<c>problems</c> is not empty), 2 usage error.</para>
/// </remarks>
internal static class RetentionCommands
{
    internal static Command Build()
    {
        var at = new Option<string?>("--at")
        {
            Description = "Plan for this day (YYYY-MM-DD, Europe/Amsterdam) instead of today; every time of the day gives the same plan",
        };
        var json = new Option<bool>("--json") { Description = "Print the plan as JSON (stable fields, see the documentation)" };
        var plan = new Command("plan", "Show what a retention sweep would delete (per category, target and organisation), without changing anything")
        {
            at,
            json,
        };
        plan.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            Instant instant;
            if (parse.GetValue(at) is { } text)
            {
                var day = LocalDatePattern.Iso.Parse(text);
                if (!day.Success)
                {
                    await error.WriteLineAsync($"error retention.invalid_date: --at '{text}' is not a date (YYYY-MM-DD).");
                    return ExitCodes.Usage;
                }

                instant = RetentionCalendar.StartOf(day.Value);
            }
            else
            {
                instant = Instant.FromDateTimeOffset(TimeProvider.System.GetUtcNow());
            }

            var settings = CustodianCli.ResolveSettings(parse);
            var register = await ActiveRegister.LoadOrReportAsync(settings.RegisterPath, error);
            if (register is null)
            {
                return ExitCodes.Failure;
            }

            var target = DatabaseTarget.Resolve(settings.Database, settings.DataFolder);
            var services = new ServiceCollection();
            services.AddSingleton(TimeProvider.System);
            services.AddLogging();
            services.AddCustodianDatabase(target);
            services.AddSingleton(register.Register);
            services.AddCustodianRetention();
            // The plan changes nothing, so it does not migrate either.
            await using var provider = await DatabaseStartup.BuildReadyAsync(services, ct, "retention.database_not_migrated");
            await using var scope = provider.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CustodianDbContext>();

            var result = await scope.ServiceProvider.GetRequiredService<RetentionPlanner>().PlanAsync(db, instant, ct);
            await output.WriteAsync(parse.GetValue(json) ? Json(result) : Table(result));
            foreach (var problem in result.Problems)
            {
                await error.WriteLineAsync($"warning {problem.Code}: {problem.Category}: {problem.Message}");
            }

            return result.Problems.Count == 0 ? ExitCodes.Success : ExitCodes.Failure;
        });

        var retention = new Command("retention", "Retention of personal data as the register says: plan what a sweep deletes, and run the sweep");
        retention.Subcommands.Add(plan);
        retention.Subcommands.Add(RetentionRunCommand.Build());
        retention.Subcommands.Add(RetentionOverviewCommand.Build());
        return retention;
    }

    private static long? AgeDays(RetentionPlanLine line, LocalDate day) =>
        line.OldestDueAnchorDay is { } anchor ? Period.Between(anchor, day, PeriodUnits.Days).Days : null;

    internal static string Table(RetentionPlan plan)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Retention plan for {plan.Day:yyyy-MM-dd} (Europe/Amsterdam), at {InstantPattern.General.Format(plan.At)}\n\n");
        string[] header = ["CATEGORY", "TARGET", "ORGANIZATION", "CUTOFF", "DUE", "OLDEST DUE", "AGE (DAYS)", "NOT YET DUE", "NOT EXPIRING"];
        var rows = plan.Lines.Select(l => new[]
        {
            l.Category,
            l.Target,
            l.OrganizationCode.Length > 0 ? l.OrganizationCode : l.OrganizationId.ToString(),
            l.LastDueAnchorDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            l.Due.ToString(CultureInfo.InvariantCulture),
            l.OldestDueAnchorDay?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "-",
            AgeDays(l, plan.Day)?.ToString(CultureInfo.InvariantCulture) ?? "-",
            l.NotYetDue.ToString(CultureInfo.InvariantCulture),
            l.NotExpiring.ToString(CultureInfo.InvariantCulture),
        }).ToList();
        var numeric = new[] { false, false, false, false, true, false, true, true, true };
        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        void Row(string[] cells) =>
            text.Append(string.Join("  ", cells.Select((c, i) => numeric[i] ? c.PadLeft(widths[i]) : c.PadRight(widths[i]))).TrimEnd()).Append('\n');
        Row(header);
        rows.ForEach(Row);
        if (rows.Count == 0)
        {
            text.Append("(no records)\n");
        }

        text.Append('\n');
        if (plan.DroppableMonths.Count > 0)
        {
            text.Append("Wholly expired months (dropped whole by the sweep):\n");
            foreach (var m in plan.DroppableMonths)
            {
                text.Append(CultureInfo.InvariantCulture, $"  {m.MonthTable}  {m.Category}  {m.Rows} rows\n");
            }
        }

        text.Append(CultureInfo.InvariantCulture,
            $"Total: {plan.Lines.Sum(l => l.Due)} due, {plan.Lines.Sum(l => l.NotYetDue)} not yet due, {plan.Lines.Sum(l => l.NotExpiring)} not expiring.\n");
        return text.ToString();
    }

    internal static string Json(RetentionPlan plan)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            static string Date(LocalDate d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            w.WriteStartObject();
            w.WriteString("at", InstantPattern.General.Format(plan.At));
            w.WriteString("day", Date(plan.Day));
            w.WriteString("timeZone", RetentionCalendar.Zone.Id);
            w.WriteStartArray("lines");
            foreach (var l in plan.Lines)
            {
                w.WriteStartObject();
                w.WriteString("category", l.Category);
                w.WriteString("target", l.Target);
                w.WriteString("organizationId", l.OrganizationId);
                w.WriteString("organizationCode", l.OrganizationCode);
                w.WriteString("cutoff", Date(l.LastDueAnchorDay));
                w.WriteNumber("due", l.Due);
                if (l.OldestDueAnchorDay is { } anchor)
                {
                    w.WriteString("oldestDueAnchorDay", Date(anchor));
                }
                else
                {
                    w.WriteNull("oldestDueAnchorDay");
                }

                if (l.OldestDueExpiry is { } expiry)
                {
                    w.WriteString("oldestDueExpiry", InstantPattern.General.Format(expiry));
                }
                else
                {
                    w.WriteNull("oldestDueExpiry");
                }

                if (AgeDays(l, plan.Day) is { } age)
                {
                    w.WriteNumber("oldestDueAgeDays", age);
                }
                else
                {
                    w.WriteNull("oldestDueAgeDays");
                }

                w.WriteNumber("notYetDue", l.NotYetDue);
                w.WriteNumber("notExpiring", l.NotExpiring);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("droppableMonths");
            foreach (var m in plan.DroppableMonths)
            {
                w.WriteStartObject();
                w.WriteString("category", m.Category);
                w.WriteString("table", m.Table);
                w.WriteString("monthTable", m.MonthTable);
                w.WriteString("month", string.Create(CultureInfo.InvariantCulture, $"{m.Month.Year:D4}-{m.Month.Month:D2}"));
                w.WriteNumber("rows", m.Rows);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartObject("totals");
            w.WriteNumber("due", plan.Lines.Sum(l => l.Due));
            w.WriteNumber("notYetDue", plan.Lines.Sum(l => l.NotYetDue));
            w.WriteNumber("notExpiring", plan.Lines.Sum(l => l.NotExpiring));
            w.WriteEndObject();
            w.WriteStartArray("problems");
            foreach (var p in plan.Problems)
            {
                w.WriteStartObject();
                w.WriteString("code", p.Code);
                w.WriteString("category", p.Category);
                w.WriteString("message", p.Message);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }
}
