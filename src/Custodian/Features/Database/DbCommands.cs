using System.CommandLine;
using Custodian.Cli;
using Custodian.Core.Persistence;

namespace Custodian.Features.Database;

/// <summary><c>custodian db migrate|status</c>: operator commands on the configured database.</summary>
internal static class DbCommands
{
    internal static Command Build()
    {
        var db = new Command("db", "The database (SQLite file or PostgreSQL): migrations and status");

        var migrate = new Command("migrate", "Check the durability settings and apply pending migrations (serve does this at start too)");
        migrate.SetAction(async (parse, ct) =>
        {
            var settings = CustodianCli.ResolveSettings(parse);
            var target = DatabaseTarget.Resolve(settings.Database, settings.DataFolder);
            var ok = await DatabaseStartup.PrepareAsync(target, register: null, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct);
            return ok ? ExitCodes.Success : ExitCodes.Failure;
        });

        var status = new Command("status", "Show the engine, the durability check, and applied and pending migrations; changes nothing");
        status.SetAction(async (parse, ct) =>
        {
            var settings = CustodianCli.ResolveSettings(parse);
            var target = DatabaseTarget.Resolve(settings.Database, settings.DataFolder);
            var output = parse.InvocationConfiguration.Output;
            await using var provider = DatabaseStartup.Services(target);
            await using var scope = provider.CreateAsyncScope();
            var context = scope.ServiceProvider.GetRequiredService<CustodianDbContext>();
            var s = await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().GetStatusAsync(ct);
            await output.WriteLineAsync($"Database:   {target.Describe()}");
            await output.WriteLineAsync($"Reachable:  {(s.CanConnect ? "yes" : "no")}");
            if (!s.CanConnect)
            {
                return ExitCodes.Failure;
            }

            var problems = await DurabilityCheck.VerifyAsync(context, ct);
            await output.WriteLineAsync($"Durability: {(problems.Count == 0 ? "safe" : "UNSAFE")}");
            foreach (var p in problems)
            {
                await output.WriteLineAsync($"  - {p.Message}");
            }

            await output.WriteLineAsync($"Applied:    {(s.Applied.Count == 0 ? "none" : string.Join(", ", s.Applied))}");
            await output.WriteLineAsync($"Pending:    {(s.Pending.Count == 0 ? "none" : string.Join(", ", s.Pending))}");
            return problems.Count == 0 && s.Pending.Count == 0 ? ExitCodes.Success : ExitCodes.Failure;
        });

        db.Subcommands.Add(migrate);
        db.Subcommands.Add(status);
        return db;
    }
}
