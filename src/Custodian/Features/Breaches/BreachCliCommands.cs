using System.CommandLine;
using System.Text.Json;
using Custodian.Cli;
using Custodian.Core.Features.Breaches;
using Custodian.Core.Persistence;
using Custodian.Features.Database;

namespace Custodian.Features.Breaches;

/// <summary>
/// <c>custodian breach list [--open] [--json]</c>: the breach register for an operator, with the notification clocks
/// read now (the same <see cref="BreachQueries"/> as the pages and the API). Read-only, so no audit event and no master
/// key. Output: a table, or with <c>--json</c> the API's list (<c>{"breaches":[...]}</c>). Exit codes: 0 done; 1 the
/// database or register cannot be used; 2 usage error.
/// </summary>
internal static class BreachCliCommands
{
    private static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    internal static Command Build()
    {
        var breach = new Command("breach", "The breach register (GDPR 33(5), Tw 11.3a): breaches with their notification clocks");
        breach.Subcommands.Add(List());
        return breach;
    }

    private static Command List()
    {
        var open = new Option<bool>("--open") { Description = "Only breaches still open (not closed)" };
        var json = new Option<bool>("--json") { Description = "Print the list as JSON (the API's fields)" };
        var list = new Command("list", "List breaches, open ones first, with the 24-hour, 72-hour and complete-notice clocks") { open, json };
        list.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var settings = CustodianCli.ResolveSettings(parse);
            if (await DatabaseStartup.OpenForCommandAsync(settings, error, ct) is not ({ } register, { } target))
            {
                return ExitCodes.Failure;
            }

            var services = new ServiceCollection();
            services.AddSingleton(TimeProvider.System);
            services.AddLogging();
            services.AddCustodianDatabase(target);
            services.AddSingleton(register.Register);
            services.AddScoped<BreachQueries>();
            await using var provider = services.BuildServiceProvider();
            await using var scope = provider.CreateAsyncScope();
            var breaches = await scope.ServiceProvider.GetRequiredService<BreachQueries>().ListAsync(parse.GetValue(open), ct);

            if (parse.GetValue(json))
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(new BreachListDto([.. breaches.Select(BreachSummaryDto.From)]), Indented));
                return ExitCodes.Success;
            }

            if (breaches.Count == 0)
            {
                await output.WriteLineAsync("No breaches.");
                return ExitCodes.Success;
            }

            await output.WriteLineAsync("REFERENCE     STATUS  DETECTED              24 H (611/2013)             72 H (GDPR)                 COMPLETE NOTICE (3 D)       TITLE");
            foreach (var b in breaches)
            {
                await output.WriteLineAsync(string.Join("  ",
                    b.Reference.PadRight(12), (b.Open ? "open" : "closed").PadRight(6), BreachWire.Time(b.DetectedAt).PadRight(20),
                    Clock(b.Telecom).PadRight(26), Clock(b.Gdpr).PadRight(26), (b.Complete is { } c ? Clock(c) : "-").PadRight(26), b.Title));
            }

            return ExitCodes.Success;
        });
        return list;
    }

    /// <summary>"running (3 h 10 min left)", "overdue (by 2 h 0 min)", "met", "late", "not_required".</summary>
    private static string Clock(BreachClock clock) => clock.State switch
    {
        BreachClockState.Running => $"running ({BreachDisplay.Span(clock.Remaining!.Value)} left)",
        BreachClockState.Overdue => $"overdue (by {BreachDisplay.Span(-clock.Remaining!.Value)})",
        _ => BreachWire.State(clock.State),
    };
}
