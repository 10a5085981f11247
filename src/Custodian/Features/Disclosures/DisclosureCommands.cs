using System.CommandLine;
using System.Globalization;
using Custodian.Cli;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Disclosures;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.Features.Audit;
using Custodian.Features.Database;
using Custodian.Hosting;

namespace Custodian.Features.Disclosures;

/// <summary>
/// <c>custodian disclosures statistics --year YYYY [--json|--csv]</c>: the transparency counts (AUT-7) the officer
/// publishes once a year, the same report as <c>GET /api/v1/disclosures/statistics/{year}</c>, audited as
/// <c>disclosure.statistics_exported</c>. The operator who runs the executable on the database acts provider-wide.
/// Counts only: no reference, no target leaves the register through this command.
/// </summary>
internal static class DisclosureCommands
{
    internal static Command Build()
    {
        var year = new Option<int>("--year") { Description = "The calendar year (Europe/Amsterdam) the orders were received in", Required = true };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON" };
        var csv = new Option<bool>("--csv") { Description = "Print the report as CSV (year,group,type,orders,identifiers)" };
        var statistics = new Command("statistics", "Yearly counts of orders and identifiers per order type, for a transparency report") { year, json, csv };
        statistics.SetAction(async (parse, ct) =>
        {
            var error = parse.InvocationConfiguration.Error;
            if (parse.GetValue(json) && parse.GetValue(csv))
            {
                await error.WriteLineAsync("error disclosure.one_format: give --json or --csv, not both.");
                return ExitCodes.Usage;
            }

            var y = parse.GetValue(year);
            if (y is < 2000 or > 9999)
            {
                await error.WriteLineAsync("error disclosure.year_invalid: give a calendar year between 2000 and 9999.");
                return ExitCodes.Usage;
            }

            return await WithServicesAsync(parse, async (sp, actor) =>
            {
                var report = await sp.GetRequiredService<DisclosureStatistics>()
                    .ForYearAsync(new DisclosureCaller(actor, TenantScope.Everything, manage: true), y, ct);
                var output = parse.InvocationConfiguration.Output;
                await output.WriteAsync(
                    parse.GetValue(json) ? DisclosureStatistics.ToJson(report!) + "\n"
                    : parse.GetValue(csv) ? DisclosureStatistics.ToCsv(report!)
                    : Text(report!));
                return ExitCodes.Success;
            }, ct);
        });
        return new Command("disclosures", "The authority order register (lawful-disclosure officer)") { statistics };
    }

    internal static string Text(DisclosureStatisticsReport report)
    {
        var text = new System.Text.StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Authority orders received in {report.Year}\n");
        text.Append(CultureInfo.InvariantCulture, $"{"group",-14} {"type",-22} {"orders",8} {"identifiers",12}\n");
        foreach (var r in report.Rows)
        {
            text.Append(CultureInfo.InvariantCulture, $"{r.Group,-14} {r.Type,-22} {r.Orders,8} {r.Identifiers,12}\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"{"total",-37} {report.TotalOrders,8} {report.TotalIdentifiers,12}\n");
        return text.ToString();
    }

    private static async Task<int> WithServicesAsync(ParseResult parse, Func<IServiceProvider, AuditActor, Task<int>> work, CancellationToken ct)
    {
        var error = parse.InvocationConfiguration.Error;
        var settings = CustodianCli.ResolveSettings(parse);
        var masterKey = MasterKeyFiles.LoadExisting(settings);
        if (await DatabaseStartup.OpenForCommandAsync(settings, error, ct) is not ({ } register, { } target))
        {
            return ExitCodes.Failure;
        }

        var services = new ServiceCollection();
        services.AddSingleton(TimeProvider.System);
        services.AddLogging();
        services.AddCustodianDatabase(target);
        services.AddSingleton(masterKey);
        services.AddCustodianAudit(AuditSettings.Configure(settings));
        services.AddScoped<DisclosureStatistics>();
        await using var provider = services.BuildServiceProvider();
        await using var scope = provider.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CustodianDbContext>().ScopeTo(TenantScope.Everything);
        return await work(scope.ServiceProvider, new AuditActor(AuditActorKind.Cli, "cli:disclosures statistics"));
    }
}
