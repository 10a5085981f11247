using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Custodian.Cli;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.Features.Database;
using Custodian.Features.Register;

namespace Custodian.Features.Retention;

/// <summary>
/// <c>custodian retention overview [--json]</c>: the retention overview the API gives a provider-wide key (per register
/// category: rule, records, oldest record, due at the next sweep, maximum lateness of the last 30 days, kept by holds).
/// The next sweep is the settings' schedule (<c>sweepAt</c>: <c>CUSTODIAN_SWEEP_AT</c> or the settings file, default 03:30); with
/// <c>off</c> the count is for now. JSON: the fields of <see cref="RetentionOverview"/> in camelCase. Exit 0; 1 when
/// the database is not migrated or the register cannot be read.
/// </summary>
internal static class RetentionOverviewCommand
{
    internal static Command Build()
    {
        var json = new Option<bool>("--json") { Description = "Print the overview as JSON" };
        var overview = new Command("overview", "Per register category: the rule, records held, the oldest record, the count due at the next sweep, lateness and holds")
        {
            json,
        };
        overview.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var settings = CustodianCli.ResolveSettings(parse);
            var schedule = SweepSchedule.Parse(settings.SweepAt, out var scheduleError);
            if (scheduleError is not null)
            {
                await error.WriteLineAsync($"error {scheduleError}");
                return ExitCodes.Usage;
            }

            var register = await ActiveRegister.LoadOrReportAsync(settings.RegisterPath, error);
            if (register is null)
            {
                return ExitCodes.Failure;
            }

            var services = new ServiceCollection();
            services.AddSingleton(TimeProvider.System);
            services.AddLogging();
            services.AddCustodianDatabase(DatabaseTarget.Resolve(settings.Database, settings.DataFolder));
            services.AddSingleton(register.Register);
            services.AddCustodianRetention();
            await using var provider = await DatabaseStartup.BuildReadyAsync(services, ct, "retention.database_not_migrated");

            var result = await provider.GetRequiredService<RetentionOverviewBuilder>().BuildAsync(TenantScope.Everything, schedule, ct);
            await output.WriteAsync(parse.GetValue(json) ? JsonSerializer.Serialize(result, SweepJson.Indented) + "\n" : Table(result));
            return ExitCodes.Success;
        });
        return overview;
    }

    internal static string Table(RetentionOverview overview)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Retention overview at {overview.At}; due counted for {overview.PlannedFor} ");
        text.Append(overview.PlannedBy == RetentionOverviewBuilder.ByNow ? "(now: no sweep schedule)" : $"(the next scheduled sweep, daily {overview.Schedule})").Append("\n\n");
        string[] header = ["CATEGORY", "RULE", "RECORDS", "NOT EXPIRING", "OLDEST ANCHOR", "AGE (DAYS)", "DUE NEXT SWEEP", "MAX LATE (S)", "KEPT BY HOLDS"];
        var numeric = new[] { false, false, true, true, false, true, true, true, true };
        static string N(long? n) => n?.ToString(CultureInfo.InvariantCulture) ?? "-";
        var rows = overview.Categories.Select(c => new[]
        {
            c.Category, c.Rule, N(c.Records), N(c.NotExpiring), c.OldestAnchorDay ?? "-", N(c.OldestAgeDays), N(c.DueAtNextSweep), N(c.MaxLatenessSeconds), N(c.KeptByHolds),
        }).ToList();
        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        void Row(string[] cells) =>
            text.Append(string.Join("  ", cells.Select((c, i) => numeric[i] ? c.PadLeft(widths[i]) : c.PadRight(widths[i]))).TrimEnd()).Append('\n');
        Row(header);
        rows.ForEach(Row);
        text.Append(CultureInfo.InvariantCulture,
            $"\nMaximum lateness: from the receipts of the last {overview.LatenessWindowDays} days. Kept by holds: from the latest completed sweep ({overview.LatestSweepId?.ToString() ?? "none yet"}).\n");
        foreach (var p in overview.Problems)
        {
            text.Append(CultureInfo.InvariantCulture, $"warning {p.Code}: {p.Category}: {p.Message}\n");
        }

        return text.ToString();
    }
}
